//! The search against judges written by hand (no runs): what it keeps, in what order, how it
//! merges changes, and that the budget bounds it; and focusing a file on one invariant.

use faultline_engine::SimTime;

use super::*;
use crate::{Overrides, load, parse_duration};

const FILE: &str = r#"Scenario(
    name: "shop",
    lesson: "long lesson",
    duration: "100s",
    clients: {
        "web": (target: "api", rate: "100/s"),
        "batch": (target: "api", rate: "8/s"),
    },
    services: {
        "api": (instances: 4, workers: 4, service_time: Exp(mean: "10ms")),
    },
    faults: [
        Slowdown(service: "api", factor: 3.0, at: "10s", length: "20s"),
        Down(service: "api", at: "30s", length: "40s"),
        Pause(node: "api/1", at: "50s", length: "1s"),
    ],
    invariants: [
        NoLostRequests,
        SuccessRate(min: 0.99),
        QueueBounded(service: "api", max: 10),
    ],
    variants: {
        "big": (description: "more load", set: {"clients.web.rate": "200/s"}),
    },
)
"#;

fn secs(s: u64) -> SimTime {
    SimTime::ZERO + faultline_engine::SimDuration::from_nanos(s * 1_000_000_000)
}

fn value<'t>(text: &'t str, path: &[&str]) -> &'t str {
    let at = crate::doc::DocIndex::new(text).find(path).unwrap_or_else(|| panic!("{path:?}"));
    &text[at.start..at.end]
}

/// Violated (first at 25 s) while `Down` is there with at least 4 s of its window, the run
/// lasts past 25 s and `web` sends at least 30/s.
fn down_fails(text: &str) -> Option<SimTime> {
    let index = crate::doc::DocIndex::new(text);
    let down = (0..3)
        .map(|i| i.to_string())
        .filter(|i| index.find(&["faults", i]).is_some())
        .find(|i| value(text, &["faults", i]).starts_with("Down"))?;
    let length = value(text, &["faults", &down, "length"]).trim_matches('"');
    let duration = value(text, &["duration"]).trim_matches('"');
    let rate = index.find(&["clients", "web", "rate"]).map(|at| &text[at.start..at.end])?;
    let rate: f64 = rate.trim_matches('"').trim_end_matches("/s").parse().ok()?;
    let ok = parse_duration(length).ok()?.as_nanos() >= 4_000_000_000
        && parse_duration(duration).ok()?.as_nanos() > 25_000_000_000
        && rate >= 30.0;
    ok.then(|| secs(25))
}

#[test]
fn cuts_everything_the_violation_does_not_need() {
    let shrunk = search(FILE, secs(25), 200, |batch| batch.iter().map(|t| down_fails(t)).collect());
    let text = &shrunk.text;
    assert!(!shrunk.out_of_budget);
    assert_eq!(down_fails(text), Some(secs(25)));
    assert!(
        !text.contains("Slowdown") && !text.contains("Pause") && !text.contains("\"batch\""),
        "{text}"
    );
    // 100 s → 50 s → 27 s: 25 s and a margin of 1.25 s (a twentieth), rounded up.
    assert_eq!(value(text, &["duration"]), "\"27s\"");
    // 40 s of Down: halves while ≥ 4 s remain: 20, 10, 5 s; 2.5 s would not fail.
    assert_eq!(value(text, &["faults", "0", "length"]), "\"5s\"");
    // 100/s → 50/s → 25/s fails the judge: 50/s.
    assert_eq!(value(text, &["clients", "web", "rate"]), "\"50/s\"");
    assert_eq!(value(text, &["services", "api", "instances"]), "1");
    let subjects: Vec<(&str, Option<&str>)> =
        shrunk.changes.iter().map(|c| (c.subject.as_str(), c.to.as_deref())).collect();
    // Biggest cuts first: the faults and the client, then the run, the instances, the
    // window, and the rate last.
    let expected = [
        ("faults.0", None),
        ("faults.2", None),
        ("clients.batch", None),
        ("duration", Some("27s")),
        ("services.api.instances", Some("1")),
        ("faults.1.window", Some("at 30s, length 5s")),
        ("clients.web.rate", Some("50/s")),
    ];
    assert_eq!(subjects, expected);
    let window = shrunk.changes.iter().find(|c| c.subject == "faults.1.window").expect("window");
    assert_eq!(window.from, "at 30s, length 40s");
    // Kept in order: the first half of the window each time (the judge does not care where).
    assert_eq!(window.to.as_deref(), Some("at 30s, length 5s"));
    assert_eq!(
        shrunk.changes.iter().find(|c| c.subject == "faults.0").unwrap().from,
        r#"Slowdown(service: "api", factor: 3.0, at: "10s", length: "20s")"#
    );
    assert!(shrunk.kept >= 10 && shrunk.runs > shrunk.kept, "{shrunk:?}");
}

#[test]
fn the_budget_bounds_the_candidates_judged() {
    let mut judged = 0;
    let shrunk = search(FILE, secs(25), 5, |batch| {
        judged += batch.len();
        batch.iter().map(|t| down_fails(t)).collect()
    });
    assert_eq!((judged, shrunk.runs), (5, 5));
    assert!(shrunk.out_of_budget);
    // The first batch is the three fault removals and the first client's; the first of them
    // that still fails is the Slowdown's; the next batch is cut to the one run left.
    assert_eq!(shrunk.kept, 1);
    assert!(!shrunk.text.contains("Slowdown") && shrunk.text.contains("Pause"));
}

#[test]
fn within_a_batch_the_first_candidate_that_fails_is_kept() {
    let mut batches = Vec::new();
    let shrunk = search(FILE, secs(25), 8, |batch| {
        batches.push(batch.len());
        // Only the second and third candidates of the first batch fail.
        let first = batches.len() == 1;
        (0..batch.len()).map(|i| (first && (i == 1 || i == 2)).then(|| secs(25))).collect()
    });
    assert_eq!(batches, [4, 4]);
    assert!(shrunk.text.contains("Slowdown") && !shrunk.text.contains("Down(service"));
    assert_eq!(shrunk.changes.len(), 1);
    assert_eq!((shrunk.kept, shrunk.runs), (1, 8));
}

#[test]
fn nothing_fails_nothing_changes() {
    let shrunk = search(FILE, secs(25), 200, |batch| vec![None; batch.len()]);
    assert_eq!(shrunk.text, FILE);
    assert!(shrunk.changes.is_empty() && !shrunk.out_of_budget && shrunk.kept == 0);
    assert!(shrunk.runs >= 10, "{}", shrunk.runs);
}

#[test]
fn changes_merge_per_subject_and_a_removal_drops_what_was_inside() {
    let mut changes = Vec::new();
    let change = |s: &str, from: &str, to: Option<&str>| Change {
        subject: s.into(),
        from: from.into(),
        to: to.map(String::from),
    };
    record(&mut changes, &change("duration", "100s", Some("50s")));
    record(&mut changes, &change("faults.1.window", "at 1s, length 4s", Some("at 1s, length 2s")));
    record(&mut changes, &change("duration", "50s", Some("26s")));
    record(&mut changes, &change("faults.1", "Down(..)", None));
    assert_eq!(
        changes,
        [change("duration", "100s", Some("26s")), change("faults.1", "Down(..)", None)]
    );
}

#[test]
fn focusing_keeps_one_invariant_applies_the_variant_and_says_where_it_came_from() {
    let overrides = Overrides { variant: Some("big".into()), sets: vec!["duration=90s".into()] };
    let full = load("shop.ron", FILE, &overrides).expect("loads");
    // QueueBounded on a service of four instances: verdicts 2 to 5.
    assert_eq!(full.invariants.len(), 6);
    let focused =
        focus("shop.ron", FILE, &overrides, 4, 7, "shop-shrunk", "from shop.ron").expect("focus");
    let text = &focused.text;
    assert_eq!(focused.invariant, r#"QueueBounded(service: "api", max: 10)"#);
    assert_eq!(focused.removed_invariants, ["NoLostRequests", "SuccessRate(min: 0.99)"]);
    assert_eq!(focused.removed_variants, ["big"]);
    let scenario = load("shrunk.ron", text, &Overrides::default()).expect("loads");
    assert_eq!(scenario.invariants, full.invariants[2..6]);
    assert_eq!(
        (scenario.seed, scenario.name.as_str(), scenario.lesson.as_str()),
        (7, "shop-shrunk", "from shop.ron")
    );
    assert_eq!(scenario.world, full.world);
    assert_eq!(scenario.duration, full.duration);
    assert_eq!(scenario.variants, []);
    assert!(!text.contains("big") && !text.contains("more load"), "{text}");
}
