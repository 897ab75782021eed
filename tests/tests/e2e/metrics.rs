//! The time series and the totals tell the same story.

use faultline_tests::{load_bundled, run};

#[test]
fn windows_cover_the_run_and_add_up_to_the_totals() {
    let scenario = load_bundled("queue-growth", Some("naive"), &[]);
    let metrics = run(&scenario, 5).metrics;
    let expected = scenario.duration.as_nanos().div_ceil(metrics.window().as_nanos()) as usize;
    assert_eq!(metrics.windows.len(), expected);
    let sum = |f: fn(&faultline_model::Window) -> u64| metrics.windows.iter().map(f).sum::<u64>();
    assert_eq!(sum(|w| w.arrived), metrics.arrived);
    assert_eq!(sum(|w| w.completed), metrics.completed);
    assert_eq!(sum(|w| w.rejected), metrics.rejected);
    let starts: Vec<f64> = metrics.windows.iter().map(|w| w.start_s).collect();
    assert!(starts.windows(2).all(|p| p[1] > p[0]), "window starts must increase");
}

#[test]
fn an_overloaded_queue_shows_as_a_rising_series() {
    let scenario = load_bundled("queue-growth", Some("naive"), &[]);
    let metrics = run(&scenario, 5).metrics;
    let depth = |i: usize| metrics.windows[i].service(0).queue_at_end;
    let (early, late) = (depth(metrics.windows.len() / 4), depth(metrics.windows.len() - 2));
    assert!(late > 2 * early && late > 1_000, "queue at end of windows: {early} then {late}");
    let p99 = |i: usize| metrics.windows[i].latency_p99_s;
    assert!(p99(metrics.windows.len() - 2) > 10.0 * p99(3).max(0.01), "p99 did not climb");
}
