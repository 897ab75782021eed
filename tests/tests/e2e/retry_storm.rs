//! The retry storm is a real metastable failure: after the spike, new load is back to normal but
//! goodput stays collapsed, sustained by retries alone; a spike too short to tip it recovers.

use faultline_model::Metrics;
use faultline_tests::{load_bundled, run};

/// Sums of a window field over [from, to) seconds.
fn sum(metrics: &Metrics, from: f64, to: f64, field: fn(&faultline_model::Window) -> u64) -> u64 {
    metrics.windows.iter().filter(|w| w.start_s >= from && w.start_s < to).map(field).sum()
}

#[test]
fn naive_stays_collapsed_long_after_the_spike_while_new_load_is_normal() {
    let scenario = load_bundled("retry-storm", Some("naive"), &[]);
    for seed in [1, 2, 3] {
        let m = run(&scenario, seed).metrics;
        // The spike ends at 70 s; look at the last minute of the run, 50 s and more later.
        let (from, to) = (120.0, 180.0);
        let offered = sum(&m, from, to, |w| w.arrived) as f64 / (to - from);
        let goodput = sum(&m, from, to, |w| w.completed) as f64 / (to - from);
        let attempts = sum(&m, from, to, |w| w.attempts) as f64 / (to - from);
        eprintln!(
            "seed {seed}: offered {offered:.0}/s, goodput {goodput:.1}/s, attempts {attempts:.0}/s"
        );
        assert!((offered - 120.0).abs() < 12.0, "offered load is back to normal: {offered}");
        assert!(goodput < 0.1 * offered, "goodput stays collapsed: {goodput}");
        assert!(attempts > 3.0 * offered, "attempts far above new requests: {attempts}");
    }
}

#[test]
fn before_the_spike_the_same_system_is_healthy() {
    let scenario = load_bundled("retry-storm", Some("naive"), &[]);
    let m = run(&scenario, 1).metrics;
    let offered = sum(&m, 20.0, 60.0, |w| w.arrived) as f64;
    let goodput = sum(&m, 20.0, 60.0, |w| w.completed) as f64;
    assert!(goodput > 0.98 * offered, "healthy before the trigger: {goodput} of {offered}");
}

#[test]
fn a_spike_too_short_to_tip_it_recovers() {
    let scenario = load_bundled("retry-storm", Some("naive"), &["clients.users.shape.length=1s"]);
    for seed in 1..=5 {
        let outcome = run(&scenario, seed);
        assert!(outcome.all_hold(), "seed {seed}: {:?}", outcome.verdicts);
    }
}

#[test]
fn fixed_recovers_within_the_deadline_and_keeps_retries_small() {
    let scenario = load_bundled("retry-storm", Some("fixed"), &[]);
    let m = run(&scenario, 1).metrics;
    let offered = sum(&m, 100.0, 180.0, |w| w.arrived) as f64;
    let goodput = sum(&m, 100.0, 180.0, |w| w.completed) as f64;
    assert!(goodput > 0.9 * offered);
    assert!(m.amplification() < 1.2, "amplification {}", m.amplification());
}
