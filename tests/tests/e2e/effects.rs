//! Effects and entities through scenario files: the double charges of
//! `partial-failure-double-charge` against a hand computation, the same run with an
//! idempotency key turning every duplicate into a suppression, and version checks making
//! events sent out of order harmless to an entity's final state.

use std::collections::BTreeMap;

use faultline_engine::SimTime;
use faultline_model::{Observation, Observer};
use faultline_scenario::{Outcome, Overrides, load};
use faultline_tests::load_bundled;

/// Counts each operation's applications, and suppressions, as the world reports them.
#[derive(Default)]
struct Ledger {
    applied: BTreeMap<u64, u64>,
    suppressed: u64,
}

impl Observer for Ledger {
    fn observe(&mut self, _now: SimTime, what: &Observation) {
        match *what {
            Observation::EffectApplied { op, .. } => *self.applied.entry(op).or_default() += 1,
            Observation::EffectSuppressed { .. } => self.suppressed += 1,
            _ => {}
        }
    }
}

impl Ledger {
    fn total(&self) -> u64 {
        self.applied.values().sum()
    }
}

/// The bundled scenario's variant with arrivals stopped 5 s before the end, so that every
/// order's attempts (at most 3 × 1.2 s) finish within the run.
fn charges(variant: &str, seed: u64) -> (Outcome, Ledger) {
    let stop = "clients.shoppers.shape=Step(at: \"115s\", to: \"0/s\")";
    let scenario = load_bundled("partial-failure-double-charge", Some(variant), &[stop]);
    scenario.run_watched(seed, Ledger::default()).expect("runs")
}

/// A charge takes U(0.1 s, 1.2 s) against a 1 s timeout: an attempt outlasts it with
/// p = 0.2 / 1.1 = 2/11, and then the next attempt is sent (3 at most) while the first still
/// charges. Payments has 200 workers for about 13 busy, so nothing queues, and each order
/// gets X extra charges: 0 with 1 − p, 1 with p(1 − p), 2 with p². E[X] = p + p² ≈ 0.2149,
/// Var[X] = p(1 − p) + 4p² − E[X]². Over seeds 1–3 (about 6,900 orders) the measured mean
/// lies within 2.576 standard errors (99 %).
#[test]
fn double_charges_match_the_share_of_charges_slower_than_the_timeout() {
    let p: f64 = 2.0 / 11.0;
    let mean = p + p * p;
    let var = p * (1.0 - p) + 4.0 * p * p - mean * mean;
    let (mut orders, mut extra) = (0u64, 0u64);
    for seed in 1..=3 {
        let (outcome, ledger) = charges("naive", seed);
        assert!(ledger.applied.values().all(|&n| (1..=3).contains(&n)), "at most 3 attempts");
        orders += ledger.applied.len() as u64;
        extra += ledger.total() - ledger.applied.len() as u64;
        let verdict = &outcome.verdicts[0];
        assert_eq!((verdict.name, verdict.holds), ("ExactlyOnceEffects", false));
        // The property counts what the world reported.
        let distinct = ledger.applied.len() as u64;
        let figures = [
            ("effects_applied", ledger.total()),
            ("expected_operations", distinct),
            ("duplicates_applied", ledger.total() - distinct),
            ("duplicates_suppressed", 0),
        ];
        assert_eq!(verdict.figures, figures);
        let detail = &verdict.violation.as_ref().expect("violated").detail;
        assert!(
            detail.contains("by attempt 1 of request") && detail.contains("again at"),
            "{detail}"
        );
        assert!(detail.contains("by attempt 2 of request"), "{detail}");
    }
    let measured = extra as f64 / orders as f64;
    let bound = 2.576 * (var / orders as f64).sqrt();
    assert!(orders > 6_500, "{orders} orders");
    assert!(
        (measured - mean).abs() <= bound,
        "{extra} extra charges over {orders} orders: {measured:.4}, expected {mean:.4} ± {bound:.4}"
    );
}

/// The idempotency key changes no event: the same seed sends the same attempts, and every
/// charge `naive` applied twice `fixed` applies once and suppresses once.
#[test]
fn an_idempotency_key_suppresses_exactly_the_duplicates() {
    let (naive_outcome, naive) = charges("naive", 4);
    let (fixed_outcome, fixed) = charges("fixed", 4);
    assert_eq!(naive_outcome.stats.trace_hash, fixed_outcome.stats.trace_hash);
    assert_eq!(naive.applied.keys().collect::<Vec<_>>(), fixed.applied.keys().collect::<Vec<_>>());
    assert!(fixed.applied.values().all(|&n| n == 1));
    let duplicates = naive.total() - naive.applied.len() as u64;
    assert!(duplicates > 300, "{duplicates} duplicates");
    assert_eq!(fixed.suppressed, duplicates);
    assert!(fixed_outcome.verdicts.iter().all(|v| v.holds));
}

/// Entity and transition moves as the world reports them: (valid, invalid, skipped).
#[derive(Default)]
struct Moves(u64, u64, u64);

impl Observer for Moves {
    fn observe(&mut self, _now: SimTime, what: &Observation) {
        match *what {
            Observation::EventApplied { valid: true, .. } => self.0 += 1,
            Observation::EventApplied { valid: false, .. } => self.1 += 1,
            Observation::EventSkipped { .. } => self.2 += 1,
            _ => {}
        }
    }
}

/// A shop sends, once a second from 1 s to 30 s, each order's three events out of order:
/// created (version 1), shipped (version 3), paid (version 2), orders 0 to 9 in turn.
fn out_of_order(check: &str) -> (Outcome, Moves) {
    let text = format!(
        r#"Scenario(name: "t", duration: "30.5s",
            clients: {{ "shop": (target: "orders", rate: "1/s", arrivals: Fixed, key: Repeat(3),
                fields: {{"event": Cycle(["created", "shipped", "paid"]), "version": Cycle(["1", "3", "2"])}}) }},
            services: {{ "orders": (workers: 1, steps: [Work(time: Const("1ms")),
                Apply(field: "event", initial: "none", version: "version", {check}
                    states: {{"none": ["created"], "created": ["paid", "cancelled"],
                              "paid": ["shipped", "cancelled"], "shipped": [], "cancelled": []}})]) }},
            invariants: [FinalStateMatchesLastEvent, ValidTransitions])"#
    );
    let scenario = load("t.ron", &text, &Overrides::default()).unwrap_or_else(|e| panic!("{e}"));
    scenario.run_watched(1, Moves::default()).expect("runs")
}

/// Without a version check each order applies all three: none → created (valid), created →
/// shipped and shipped → paid (invalid), ending paid although its last event (version 3) is
/// shipped. With it, paid (version 2) is skipped after version 3: each order ends shipped.
/// The check cannot make created → shipped valid: it skips stale events, it does not fill
/// in the one that never came first.
#[test]
fn version_checks_make_events_out_of_order_harmless_to_the_final_state() {
    let (naive, moves) = out_of_order("");
    assert_eq!((moves.0, moves.1, moves.2), (10, 20, 0));
    let [last, valid] = &naive.verdicts[..] else { panic!("two verdicts") };
    assert!(!last.holds && !valid.holds);
    let detail = &last.violation.as_ref().expect("violated").detail;
    assert!(
        detail.starts_with("`orders` key 0 ends paid but its last event moves it to shipped: applied shipped (version 3, request 1 at 2.001s), then paid (version 2, request 2 at 3.001s)"),
        "{detail}"
    );
    let (fixed, moves) = out_of_order("check: Version,");
    assert_eq!((moves.0, moves.1, moves.2), (10, 10, 10));
    let [last, valid] = &fixed.verdicts[..] else { panic!("two verdicts") };
    assert!(last.holds, "{:?}", last.violation);
    let detail = &valid.violation.as_ref().expect("created → shipped is still invalid").detail;
    assert!(detail.starts_with("`orders` key 0 moved created → shipped"), "{detail}");
}
