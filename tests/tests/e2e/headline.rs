//! The latency headline never hides failures: when more than 1 % of requests failed or were
//! rejected, the text, the JSON and the page say how many and how long they took to fail,
//! beside the latency of the survivors.

use faultline_report::{Failures, Series, Summary, charts, render_html, render_text, thousands};
use faultline_tests::{load_bundled, run};

fn summary_and_series(name: &str, variant: Option<&str>) -> (Summary, Series) {
    let scenario = load_bundled(name, variant, &[]);
    let outcome = run(&scenario, scenario.seed);
    let series = Series::new(&scenario, &outcome.metrics);
    (Summary::new(&scenario, &outcome, 0.0, String::new()), series)
}

fn summary(name: &str, variant: Option<&str>) -> Summary {
    summary_and_series(name, variant).0
}

/// The JSON's `failures` object, parsed back.
fn json_failures(s: &Summary) -> serde_json::Value {
    let json: serde_json::Value = serde_json::from_str(&s.to_json()).expect("valid JSON");
    json["failures"].clone()
}

#[test]
fn retry_storm_naive_says_most_requests_failed_next_to_the_latency() {
    let (s, series) = summary_and_series("retry-storm", Some("naive"));
    let r = &s.requests;
    let ended = r.completed + r.failed + r.rejected;
    let share = (r.failed + r.rejected) as f64 / ended as f64;
    assert!(share > 0.5, "the storm fails most requests: {share}");
    let f = &s.failures;
    assert!(f.noticeable);
    assert_eq!((f.failed, f.rejected), (r.failed, r.rejected));
    assert!((f.share - share).abs() < 1e-12);
    // Failed requests waited for timeouts and retries: far longer than the survivors' median.
    assert!(f.failed_latency_s.count > 0);
    assert!(f.failed_latency_s.p50 > s.latency_s.p50, "{:?}", f.failed_latency_s);

    let text = render_text(&s, None);
    let latency = text.lines().position(|l| l.starts_with("latency ")).expect("a latency line");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[latency].contains("successful requests only"), "{}", lines[latency]);
    let failures = lines[latency + 1];
    let percent = format!("{:.1} %", share * 100.0);
    let failed = thousands(r.failed);
    assert!(failures.starts_with("failures "), "right below the latency: {failures}");
    assert!(failures.contains(&percent) && failures.contains(&failed), "{failures}");
    assert!(failures.contains("after p50"), "how long they took to fail: {failures}");

    let json = json_failures(&s);
    assert_eq!(json["noticeable"], true);
    assert_eq!(json["failed"], r.failed);
    assert!(json["failed_latency_s"]["p99"].as_f64().is_some_and(|p| p > 0.0));
    assert!(json["warning"].as_str().is_some_and(|w| w.contains(&percent)));

    let page = render_html(&s, &charts(&s, &series));
    let warning = page.find(&percent).expect("the page states the share");
    let table = page.find("successful requests only").expect("the latency table says so");
    assert!(table > warning, "the warning comes right before the latency table");
    assert!(page.contains("<tr><th>failed</th>"), "a latency row for the failed requests");
}

#[test]
fn a_healthy_run_keeps_a_plain_headline() {
    let s = summary("mm1", None);
    assert_eq!(s.requests.failed + s.requests.rejected, 0);
    assert!(!s.failures.noticeable);
    assert_eq!(json_failures(&s)["warning"], serde_json::Value::Null);
    let text = render_text(&s, None);
    assert!(!text.contains("failures ") && !text.contains("successful requests only"), "{text}");
}

#[test]
fn the_threshold_is_one_percent_of_requests_that_ended() {
    // queue-growth `fixed` turns away about 9 % at once; `naive` turns away none.
    let fixed = summary("queue-growth", Some("fixed"));
    assert!(fixed.failures.share > Failures::NOTICEABLE);
    assert!(fixed.failures.warning.as_deref().is_some_and(|w| w.contains("rejected at once")));
    let naive = summary("queue-growth", Some("naive"));
    assert!(naive.failures.share <= Failures::NOTICEABLE && !naive.failures.noticeable);
}
