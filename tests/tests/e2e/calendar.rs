//! Calendar-driven clients from the scenario file: a client on a cron schedule in a time zone,
//! from a UTC `start`, sends one request each time the schedule fires, across DST, and the
//! summary names the start and the time zone database.

use faultline_report::{Series, Summary, render_text};
use faultline_scenario::{Overrides, load};
use faultline_tests::run;

/// A client `daily` at 09:00 New York time, a service answering at once, from `start` for 4
/// days, in 1 h windows.
fn scenario(start: &str, cron: &str) -> faultline_scenario::Scenario {
    let text = format!(
        r#"Scenario(
    name: "calendar",
    duration: "96h",
    start: "{start}",
    metrics: (window: "1h"),
    clients: {{
        "daily": (target: "api", schedule: (cron: "{cron}", zone: "America/New_York")),
    }},
    services: {{
        "api": (workers: 1, service_time: Const("1ms")),
    }},
)
"#
    );
    load("calendar.ron", &text, &Overrides::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// The start of each window (in seconds from the start of the run) a request arrived in, once
/// per request.
fn arrival_windows(series: &Series) -> Vec<u64> {
    series
        .windows
        .iter()
        .flat_map(|w| std::iter::repeat_n(w.start_s as u64, w.arrived as usize))
        .collect()
}

/// By hand: 09:00 EST is 14:00 UTC on 6 and 7 March 2026, 09:00 EDT 13:00 UTC from Sunday
/// 8 March; from 00:00 UTC on the 6th that is 50,400, 136,800, 219,600 and 306,000 s, each the
/// start of its 1 h window.
#[test]
fn a_daily_schedule_sends_at_nine_in_new_york_across_dst() {
    let scenario = scenario("2026-03-06T00:00:00Z", "0 9 * * *");
    let outcome = run(&scenario, 1);
    let series = Series::new(&scenario, &outcome.metrics);
    assert_eq!(arrival_windows(&series), [50_400, 136_800, 219_600, 306_000]);
    let summary = Summary::new(&scenario, &outcome, 0.0, String::new());
    assert_eq!((summary.requests.arrived, summary.requests.completed), (4, 4));

    let version = faultline_model::tzdb_version();
    let text = render_text(&summary, None);
    let line = format!("calendar    start 2026-03-06T00:00:00Z · tz database {version}");
    assert!(text.contains(&line), "{text}");
    let json: serde_json::Value = serde_json::from_str(&summary.to_json()).expect("JSON");
    let calendar = serde_json::json!({"start": "2026-03-06T00:00:00Z", "tzdb_version": version});
    assert_eq!(json["calendar"], calendar);
}

/// 02:30 does not exist in New York on 8 March 2026 (02:00 EST jumps to 03:00 EDT, 07:00 UTC):
/// from 00:00 UTC on the 7th the schedule fires at 07:30 UTC on the 7th (27,000 s), once on the
/// 8th at 07:00 UTC (111,600 s), at 06:30 UTC on the 9th (196,200 s) and the 10th (282,600 s):
/// in the 1 h windows starting at 25,200, 111,600, 194,400 and 280,800 s.
#[test]
fn a_time_skipped_by_dst_fires_once_when_the_gap_ends() {
    let scenario = scenario("2026-03-07T00:00:00Z", "30 2 * * *");
    let outcome = run(&scenario, 1);
    let series = Series::new(&scenario, &outcome.metrics);
    let on_the_8th: Vec<u64> =
        arrival_windows(&series).into_iter().filter(|s| (86_400..2 * 86_400).contains(s)).collect();
    assert_eq!(on_the_8th, [111_600]);
    assert_eq!(arrival_windows(&series), [25_200, 111_600, 194_400, 280_800]);
}

/// A run without a schedule has no calendar in its summary.
#[test]
fn a_run_without_a_schedule_shows_no_calendar() {
    let scenario = faultline_tests::load_bundled("retry-storm", Some("fixed"), &[]);
    let outcome = run(&scenario, 1);
    let summary = Summary::new(&scenario, &outcome, 0.0, String::new());
    assert!(summary.calendar.is_none() && !summary.to_json().contains("calendar"));
    assert!(!render_text(&summary, None).contains("calendar"));
}
