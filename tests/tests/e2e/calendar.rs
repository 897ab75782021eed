//! Calendar-driven clients from the scenario file: a client on a cron schedule in a time zone,
//! from a UTC `start`, sends one request each time the schedule fires, across DST, and the
//! summary names the start and the time zone database; schedules for each customer, and the
//! `timezone-cron` scenario's verdicts worked out by hand.

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

/// The detail of the first violation of `ScheduledOncePerLocalDay` in `outcome`, if any.
fn once_per_day_violation(outcome: &faultline_scenario::Outcome) -> Option<String> {
    let verdict = outcome.verdicts.iter().find(|v| v.name == "ScheduledOncePerLocalDay");
    verdict.expect("the scenario asks for it").violation.as_ref().map(|v| v.detail.clone())
}

/// `timezone-cron`, by hand: the server's 09:00 in New York is 14:00 UTC on 6 and 7 March
/// 2026 and 13:00 UTC from the 8th (EDT). London (GMT) gets 14:00, then 13:00; Tokyo (+9)
/// 23:00, then 22:00; Adelaide (+10:30) 00:30 the next day, then 23:30 the same day, so its
/// 8 March gets two requests and its 11th (09:00 = 22:30 UTC on the 10th) none by the end;
/// Tokyo's 11th is due at 00:00 UTC, the run's last instant, and gets none. New York's
/// customer is right and not listed. The first miss is at 14:00 UTC on the 6th (Adelaide
/// first of the three wrong at that instant, in name order).
#[test]
fn timezone_cron_naive_charges_at_the_servers_nine_and_the_error_shifts_with_dst() {
    let naive = faultline_tests::load_bundled("timezone-cron", Some("naive"), &[]);
    let outcome = run(&naive, 1);
    let detail = once_per_day_violation(&outcome).expect("naive is violated");
    let lines: Vec<&str> = detail.lines().collect();
    assert_eq!(
        lines,
        [
            "customer `adelaide` (Australia/Adelaide) got its request at 00:30 local on \
             2026-03-07 (2026-03-06 14:00 UTC), not at 09:00 (2026-03-06 22:30 UTC)",
            "`adelaide` local request times: 03-07 00:30, 03-08 00:30 and 23:30, 03-09 23:30, \
             03-10 23:30, 03-11 none",
            "`london` local request times: 03-06 14:00, 03-07 14:00, 03-08 13:00, 03-09 13:00, \
             03-10 13:00",
            "`tokyo` local request times: 03-06 23:00, 03-07 23:00, 03-08 22:00, 03-09 22:00, \
             03-10 22:00, 03-11 none",
        ]
    );
    // Four customers, five firings of the server's schedule.
    let summary = Summary::new(&naive, &outcome, 0.0, String::new());
    assert_eq!(summary.requests.arrived, 20);
}

/// `fixed`: one schedule per customer in its zone. Due, by hand, over 6 March 00:00 UTC to 11
/// March 00:00 UTC inclusive: Adelaide its 7th to 11th (its 6th's 09:00 was 22:30 UTC on the
/// 5th), London and New York their 6th to 10th, Tokyo its 6th to 11th (09:00 there is 00:00
/// UTC, the start and the end included): 5 + 5 + 5 + 6 = 21 requests, each on time.
#[test]
fn timezone_cron_fixed_charges_each_customer_once_a_day_at_nine_local() {
    let fixed = faultline_tests::load_bundled("timezone-cron", Some("fixed"), &[]);
    for seed in [1, 2] {
        let outcome = run(&fixed, seed);
        assert_eq!(once_per_day_violation(&outcome), None);
        let summary = Summary::new(&fixed, &outcome, 0.0, String::new());
        assert_eq!(summary.requests.arrived, 21);
    }
}

/// A job at `cron` for one customer in New York (in the customer's zone; the job's node is in
/// UTC), watched at `at` local, from `start` for 3 days.
fn new_york_job(cron: &str, at: &str, start: &str) -> faultline_scenario::Scenario {
    let text = format!(
        r#"Scenario(
    name: "dst-job",
    duration: "72h",
    start: "{start}",
    customers: {{ "ny": (zone: "America/New_York") }},
    clients: {{
        "job": (target: "api", schedule: (cron: "{cron}", zone: Customer, for_each: Customers)),
    }},
    services: {{ "api": (workers: 1, service_time: Const("1ms")) }},
    invariants: [ScheduledOncePerLocalDay(client: "job", at: "{at}")],
)
"#
    );
    load("dst-job.ron", &text, &Overrides::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// 02:30 on 8 March 2026 does not exist in New York (the gap) and 01:30 on 1 November happens
/// twice (the fold): the job runs once on each of those days, at the end of the gap and at the
/// first 01:30, which is when the invariant expects it; 3 days, 3 requests each time. Read in
/// UTC instead, the same job is at the wrong local time and the invariant says so.
#[test]
fn a_job_in_a_dst_gap_or_fold_runs_once_that_day_when_the_invariant_expects_it() {
    for (cron, at, start) in [
        ("30 2 * * *", "02:30", "2026-03-07T00:00:00Z"),
        ("30 1 * * *", "01:30", "2026-10-31T00:00:00Z"),
    ] {
        let scenario = new_york_job(cron, at, start);
        let outcome = run(&scenario, 1);
        assert_eq!(once_per_day_violation(&outcome), None, "{cron} from {start}");
        assert_eq!(outcome.metrics.arrived, 3, "{cron} from {start}");
    }
    let mut in_utc = new_york_job("30 2 * * *", "02:30", "2026-03-07T00:00:00Z");
    in_utc.world.clients[0].for_each = faultline_model::ForEach::Customers { count: 1 };
    let detail = once_per_day_violation(&run(&in_utc, 1)).expect("read in UTC, it is violated");
    assert!(
        detail.starts_with(
            "customer `ny` (America/New_York) got its request at 21:30 local on 2026-03-06"
        ),
        "{detail}"
    );
}
