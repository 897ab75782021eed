//! Faultline against queueing theory: M/M/1 mean time in system, M/M/8 mean queue wait (Erlang C)
//! and Little's law, each with a tolerance derived from the run's own statistics.
//!
//! Method: independent replications. Each seed is one replication of the bundled scenario (its
//! warm-up discards the start-up transient); the replication means are independent and, by the
//! central limit theorem over ~180,000+ customers each, close to normal. The test builds a 99 %
//! Student-t confidence interval from them and requires the analytic value to lie inside it.
//! It also requires the interval to be narrow (half-width ≤ 5 % of the analytic value), so that
//! a real error of a few percent in the engine cannot hide behind a wide interval.

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

/// Erlang C: probability that an arrival has to wait in an M/M/c queue with offered load
/// a = λ/μ. Computed through the Erlang B recursion, which is numerically stable.
fn erlang_c(servers: u32, offered: f64) -> f64 {
    let erlang_b = (1..=servers).fold(1.0, |b, k| offered * b / (f64::from(k) + offered * b));
    let rho = offered / f64::from(servers);
    erlang_b / (1.0 - rho + rho * erlang_b)
}

#[test]
fn erlang_c_matches_a_hand_computed_case() {
    // M/M/2 with a = 1: P(wait) = a²/(2!(1 − ρ)) / (1 + a + a²/(2!(1 − ρ))) = 1/3.
    assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
}

#[test]
fn mm1_mean_time_in_system_matches_theory() {
    let scenario = load_bundled("mm1", None, &[]);
    let (lambda, mu) = (0.9, 1.0);
    let theory = 1.0 / (mu - lambda); // W = 1/(μ − λ) = 10 s
    let samples: Vec<f64> =
        (1..=REPLICATIONS).map(|seed| run(&scenario, seed).metrics.latency().mean).collect();
    assert_matches_theory("M/M/1 W", &samples, theory);
}

#[test]
fn mm8_mean_queue_wait_matches_erlang_c() {
    let scenario = load_bundled("mmc", None, &[]);
    let (lambda, mu, servers) = (7.2, 1.0, 8);
    let theory = erlang_c(servers, lambda / mu) / (f64::from(servers) * mu - lambda); // ≈ 0.876916 s
    assert!((theory - 0.876916).abs() < 1e-5, "Erlang C itself: {theory}");
    let samples: Vec<f64> = (1..=REPLICATIONS)
        .map(|seed| run(&scenario, seed).metrics.services[0].queue_wait().mean)
        .collect();
    assert_matches_theory("M/M/8 Wq", &samples, theory);
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
