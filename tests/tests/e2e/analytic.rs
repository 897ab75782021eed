//! Faultline against queueing theory: `run`'s prediction for M/M/1 and M/M/8 (ρ, Wq, W and
//! P(wait), Erlang C from `faultline_report`) against the simulated figures, and Little's law,
//! each with a tolerance derived from the run's own statistics.
//!
//! Method: independent replications. Each seed is one replication of the bundled scenario (its
//! warm-up discards the start-up transient); the replication means are independent and, by the
//! central limit theorem over ~180,000+ customers each, close to normal. The test builds a 99 %
//! Student-t confidence interval from them and requires the analytic value to lie inside it.
//! It also requires the interval to be narrow (half-width ≤ 5 % of the analytic value), so that
//! a real error of a few percent in the engine cannot hide behind a wide interval.

use faultline_report::{AnalyticSummary, QueueFigures, Summary, erlang_c};
use faultline_tests::{load_bundled, run};

/// Student-t quantile t(0.995, n − 1) for n = 20 replications (from tables: 2.861).
const T_995_DF19: f64 = 2.861;
const REPLICATIONS: u64 = 20;

/// Mean and 99 % half-width of independent replication results.
fn confidence_interval(samples: &[f64]) -> (f64, f64) {
    assert_eq!(samples.len() as u64, REPLICATIONS, "the t quantile is for 20 replications");
    let n = samples.len() as f64;
    let mean = samples.iter().sum::<f64>() / n;
    let variance = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, T_995_DF19 * (variance / n).sqrt())
}

fn assert_matches_theory(what: &str, samples: &[f64], theory: f64) {
    let (mean, half_width) = confidence_interval(samples);
    eprintln!("{what}: simulated {mean:.4} ± {half_width:.4} (99 %), theory {theory:.6}");
    assert!(
        (mean - theory).abs() <= half_width,
        "{what}: theory {theory} outside the 99 % interval {mean} ± {half_width}"
    );
    assert!(
        half_width <= 0.05 * theory,
        "{what}: interval ±{half_width} too wide to test anything"
    );
}

/// The `analytic` object `run` reports for `service` of a bundled scenario, one per seed.
fn analytic_over_seeds(name: &str, service: &str) -> Vec<AnalyticSummary> {
    let scenario = load_bundled(name, None, &[]);
    (1..=REPLICATIONS)
        .map(|seed| {
            let summary = Summary::new(&scenario, &run(&scenario, seed), 0.0, String::new());
            summary.analytic.get(service).unwrap_or_else(|| panic!("{name}: no prediction")).clone()
        })
        .collect()
}

/// One of the four figures of a queue.
type Figure = fn(&QueueFigures) -> f64;

/// Every simulated figure of the `analytic` objects against the prediction they carry.
fn assert_prediction_holds(what: &str, runs: &[AnalyticSummary]) {
    let predicted = runs[0].predicted.expect("a stable queue has a prediction");
    assert!(runs.iter().all(|a| a.predicted == Some(predicted)), "{what}: one prediction");
    let figures: [(&str, Figure); 4] = [
        ("ρ", |f| f.utilisation),
        ("Wq", |f| f.mean_wait_s),
        ("W", |f| f.mean_time_s),
        ("P(wait)", |f| f.wait_probability),
    ];
    for (name, figure) in figures {
        let samples: Vec<f64> = runs.iter().map(|a| figure(&a.simulated)).collect();
        let theory = figure(&predicted);
        assert_matches_theory(&format!("{what} {name}"), &samples, theory);
        // And the bar: the mean over the replications within 3 % of the prediction.
        let mean = samples.iter().sum::<f64>() / samples.len() as f64;
        assert!((mean - theory).abs() <= 0.03 * theory, "{what} {name}: {mean} vs {theory}");
    }
}

#[test]
fn erlang_c_matches_a_hand_computed_case() {
    // M/M/2 with a = 1: P(wait) = a²/(2!(1 − ρ)) / (1 + a + a²/(2!(1 − ρ))) = 1/3.
    assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
}

/// `run`'s M/M/1 prediction is the textbook's, W = 1/(μ − λ) = 10 s with λ = 0.9, μ = 1, and
/// the simulated ρ, Wq, W and P(wait) agree with it.
#[test]
fn mm1_mean_time_in_system_matches_theory() {
    let runs = analytic_over_seeds("mm1", "server");
    let p = runs[0].predicted.expect("stable");
    assert_eq!(runs[0].model, "M/M/1");
    assert!((p.mean_time_s - 10.0).abs() < 1e-9, "W = 1/(μ − λ): {p:?}");
    assert!((p.wait_probability - 0.9).abs() < 1e-12, "P(wait) = ρ in M/M/1: {p:?}");
    assert_prediction_holds("M/M/1", &runs);
}

/// `run`'s M/M/8 prediction is Erlang C's (Wq ≈ 0.876916 s from tables for λ = 7.2, μ = 1),
/// and the simulated figures agree with it.
#[test]
fn mm8_mean_queue_wait_matches_erlang_c() {
    let runs = analytic_over_seeds("mmc", "pool");
    let p = runs[0].predicted.expect("stable");
    assert_eq!(runs[0].model, "M/M/8");
    assert!((p.mean_wait_s - 0.876916).abs() < 1e-5, "Erlang C itself: {p:?}");
    assert!((p.mean_time_s - 1.876916).abs() < 1e-5, "W = Wq + 1/μ: {p:?}");
    assert_prediction_holds("M/M/8", &runs);
}

/// Only plain M/M/c services get a prediction: none in retry-storm (timeouts, retries, a
/// spike), none once mm1 has a client timeout, and no numbers once it is overloaded.
#[test]
fn a_prediction_only_where_the_model_holds() {
    let summary = |name: &str, sets: &[&str]| {
        let scenario = load_bundled(name, None, sets);
        Summary::new(&scenario, &run(&scenario, 1), 0.0, String::new())
    };
    let storm = summary("retry-storm", &[]);
    assert!(storm.analytic.is_empty(), "{:?}", storm.analytic);
    assert!(!storm.to_json().contains("\"analytic\""), "no analytic object in the JSON");
    let timed = summary("mm1", &["duration=5000s", "clients.arrivals.timeout=30s"]);
    assert!(timed.analytic.is_empty(), "a timeout is not M/M/1");
    let overloaded = summary("mm1", &["duration=5000s", "clients.arrivals.rate=1.2/s"]);
    let a = &overloaded.analytic["server"];
    assert!(a.unstable && a.predicted.is_none(), "{a:?}");
    assert!((a.offered_utilisation - 1.2).abs() < 1e-12);
    let text = faultline_report::render_text(&overloaded, None);
    assert!(text.contains("λ/(cμ) = 1.200 ≥ 1: unstable"), "{text}");
}

/// L = λW from one run's own measurements. Over a long stationary run the only gap between the
/// two sides is the edge effect of requests in the system at the warm-up boundary and at the end,
/// about (L + L) × W / T ≈ 0.1 % for these runs, so 1 % is a generous but meaningful bound.
#[test]
fn littles_law_holds_on_measured_values() {
    for (name, variant) in [("mm1", None), ("mmc", None), ("queue-growth", Some("fixed"))] {
        let scenario = load_bundled(name, variant, &[]);
        let metrics = run(&scenario, 7).metrics;
        let l = metrics.mean_in_system();
        let lambda_w = metrics.arrival_rate() * metrics.mean_sojourn();
        eprintln!("{name}: L = {l:.4}, λW = {lambda_w:.4}");
        assert!((l - lambda_w).abs() <= 0.01 * l, "{name}: L = {l} but λW = {lambda_w}");
    }
}

/// Utilisation is λ/(cμ) in any stable M/M/c queue; a second, independent check of the service
/// mechanics. Single long run; the standard error of the busy fraction is well under 1 %.
#[test]
fn utilisation_matches_offered_load() {
    for (name, rho) in [("mm1", 0.9), ("mmc", 0.9)] {
        let scenario = load_bundled(name, None, &[]);
        let metrics = run(&scenario, 3).metrics;
        let utilisation = metrics.services[0].utilization(metrics.end());
        assert!(
            (utilisation - rho).abs() < 0.01,
            "{name}: utilisation {utilisation}, theory {rho}"
        );
    }
}
