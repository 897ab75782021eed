//! Node clocks from the scenario file: a `clocks:` section set into a catalogue scenario needs
//! no new code and shows in every output; a fast or slow clock decides whether a caller's
//! timeout comes before an answer.

use faultline_report::{CLOCKS, Series, Summary, charts, render_report, render_text};
use faultline_scenario::{Overrides, load};
use faultline_tests::{load_bundled, run};

/// The example of the scenario format: `api` starts 2 s ahead, gains 50 ppm, is stepped back
/// 5 min at 60 s and synced every 64 s to within 10 ms.
const API_CLOCK: &str = r#"clocks={"api": (offset: "+2s", drift_ppm: 50.0, steps: [(at: "60s", by: "-5min")], sync: (every: "64s", within: "10ms"))}"#;

/// By hand: +2 s at 0; +2 s + 50 ppm · 60 s = 2.003 s just before the step, −297.997 s after
/// it (the largest); 50 ppm · 4 s = 0.2 ms more, −297.9968 s, just before the first sync at
/// 64 s, which leaves at most 10 ms; two syncs in 180 s.
#[test]
fn a_clocks_section_set_into_retry_storm_shows_in_every_output() {
    let scenario = load_bundled("retry-storm", Some("fixed"), &[API_CLOCK]);
    let outcome = run(&scenario, 1);
    let summary = Summary::new(&scenario, &outcome, 0.0, String::new());
    let series = Series::new(&scenario, &outcome.metrics);

    let clock = &summary.clocks["api"];
    assert_eq!((clock.offset_start_s, clock.steps, clock.syncs), (2.0, 1, 2));
    assert!((clock.largest_offset_s - 297.997).abs() < 1e-9, "{clock:?}");
    assert!(clock.offset_end_s.abs() <= 0.01 + 50e-6 * 52.0, "{clock:?}");
    let points = &series.clocks["api"];
    let expected = [(0.0, 2.0), (60.0, 2.003), (60.0, -297.997), (64.0, -297.9968)];
    for (point, (at, offset)) in points.iter().zip(expected) {
        assert!(
            point.0 == at && (point.1 - offset).abs() < 1e-9,
            "{point:?}, expected {at}, {offset}"
        );
    }
    assert!(points[4].0 == 64.0 && points[4].1.abs() <= 0.01, "{points:?}");
    assert_eq!(points.last().map(|p| p.0), Some(180.0));

    let text = render_text(&summary, None);
    let line = "clock api   offset +2s at start, ";
    assert!(text.contains(line) && text.contains("largest 298s  steps 1  syncs 2"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&summary.to_json()).expect("JSON");
    assert_eq!(json["clocks"]["api"]["steps"], 1);
    let series_json: serde_json::Value = serde_json::from_str(&series.to_json()).expect("JSON");
    assert_eq!(series_json["clocks"]["api"][0], serde_json::json!([0.0, 2.0]));

    let charts = charts(&summary, &series);
    let chart = charts.last().expect("charts");
    assert_eq!(chart.name, CLOCKS);
    assert_eq!(chart.lines.len(), 1);
    assert_eq!(chart.lines[0].label, "api");
    let files = render_report(&summary, &series).expect("renders");
    for name in ["clocks.png", "clocks.svg"] {
        assert!(files.iter().any(|f| f.name == name), "{name} missing");
    }
    let page = files.iter().find(|f| f.name == "index.html").expect("a page");
    assert!(String::from_utf8_lossy(&page.bytes).contains("<th>api</th><td class=\"n\">+2s</td>"));
}

/// A run without clocks has no trace of them in any output.
#[test]
fn a_run_without_clocks_shows_none() {
    let scenario = load_bundled("retry-storm", Some("fixed"), &[]);
    let outcome = run(&scenario, 1);
    let summary = Summary::new(&scenario, &outcome, 0.0, String::new());
    let series = Series::new(&scenario, &outcome.metrics);
    assert!(!summary.to_json().contains("clocks") && !series.to_json().contains("clocks"));
    assert!(!render_text(&summary, None).contains("clock "));
    assert!(charts(&summary, &series).iter().all(|c| c.name != CLOCKS));
}

/// `web` calls `api` with a 1 s timeout; `api` answers in exactly 0.95 s. On a clock 100,000
/// ppm fast the timeout fires after 1 s / 1.1 = 0.909 s of true time, so every request times
/// out; on one 100,000 ppm slow, after 1 s / 0.9 = 1.111 s, so every request succeeds.
#[test]
fn a_fast_clock_times_out_what_a_slow_one_waits_for() {
    let text = |ppm: &str| {
        format!(
            r#"Scenario(name: "t", duration: "100s",
                clients: {{ "web": (target: "api", rate: "2/s", arrivals: Fixed, timeout: "1s") }},
                services: {{ "api": (workers: 4, service_time: Const("950ms")) }},
                clocks: {{ "web": (drift_ppm: {ppm}) }})"#
        )
    };
    let outcome = |ppm: &str| {
        let scenario =
            load("t.ron", &text(ppm), &Overrides::default()).unwrap_or_else(|e| panic!("{e}"));
        run(&scenario, 1).metrics
    };
    let fast = outcome("100000.0");
    assert!(fast.failed >= 198 && fast.completed == 0, "{} of {}", fast.failed, fast.arrived);
    assert_eq!(fast.timed_out, fast.failed);
    assert!((fast.failed_latency().max - 0.909_090_909).abs() < 1e-12);
    let slow = outcome("-100000.0");
    // All but the requests still at `api` when the run ends (sent after 99.05 s) succeed.
    assert!(slow.completed >= 198 && slow.failed + slow.rejected == 0, "{}", slow.completed);
}
