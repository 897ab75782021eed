//! Mechanisms checked on small scenarios written inline: batching, abandoned work, cancellation,
//! bulkheads and load shedding behave as documented.

use faultline_scenario::{Outcome, Overrides, load};

fn run_text(text: &str, sets: &[&str]) -> Outcome {
    let overrides = Overrides { variant: None, sets: sets.iter().map(|s| s.to_string()).collect() };
    let scenario = load("inline.ron", text, &overrides).unwrap_or_else(|e| panic!("{e}"));
    scenario.run(1).expect("within limits")
}

const BATCHING: &str = r#"Scenario(
    name: "batching",
    duration: "20s",
    clients: { "c": (target: "app", rate: "1000/s") },
    services: {
        "app": (workers: 2000, steps: [Batch(to: "db", max: 10, wait: "50ms", per_item: 0.1)]),
        "db": (workers: 4, service_time: Const("5ms")),
    },
)"#;

#[test]
fn a_batcher_sends_one_call_per_full_batch() {
    let m = run_text(BATCHING, &[]).metrics;
    let db = &m.services[1];
    // 1,000 requests/s with batches of 10 filling in about 10 ms: one db call per 10 requests.
    let per_call = m.completed as f64 / db.completed as f64;
    assert!((9.5..=10.0).contains(&per_call), "{per_call} requests per db call");
    assert!(m.completed as f64 > 0.99 * m.arrived as f64);
}

#[test]
fn a_batcher_sends_a_partial_batch_after_its_wait() {
    let m = run_text(BATCHING, &["clients.c.rate=10/s"]).metrics;
    // At 10 requests/s, 50 ms collects about half a request: most batches leave with one.
    let per_call = m.completed as f64 / m.services[1].completed as f64;
    assert!(per_call < 1.5, "{per_call}");
    // Each waited about the 50 ms window before its query.
    assert!(m.latency().p50 > 0.045 && m.latency().p50 < 0.06, "p50 {}", m.latency().p50);
}

const SLOW_CALLEE: &str = r#"Scenario(
    name: "abandoned",
    duration: "30s",
    clients: { "c": (target: "api", rate: "20/s", timeout: "100ms") },
    services: { "api": (workers: 1000, service_time: Const("300ms")) },
)"#;

#[test]
fn abandoned_work_is_done_anyway_and_counted_as_wasted() {
    let m = run_text(SLOW_CALLEE, &[]).metrics;
    assert_eq!(m.completed, 0, "every call outlives the 100 ms timeout");
    assert!(m.timed_out > 500);
    // Each abandoned job still ran its full 300 ms on a worker.
    let per_job = m.wasted_work_s / m.services[0].completed as f64;
    assert!((per_job - 0.3).abs() < 1e-6, "{per_job}");
}

#[test]
fn cancellation_withdraws_queued_work() {
    let queued = r#"Scenario(
        name: "cancel",
        duration: "30s",
        clients: { "c": (target: "api", rate: "20/s", timeout: "100ms", cancel_on_timeout: true) },
        services: { "api": (workers: 1, service_time: Const("300ms")) },
    )"#;
    let m = run_text(queued, &[]).metrics;
    let without =
        run_text(&queued.replace("cancel_on_timeout: true", "cancel_on_timeout: false"), &[]);
    // Cancelled requests leave the queue: the one worker is not busy with dead work for ever.
    assert!(m.services[0].max_queue < 20, "queue {}", m.services[0].max_queue);
    assert!(without.metrics.services[0].max_queue > 100);
}

#[test]
fn a_bulkhead_caps_calls_in_flight_and_rejects_the_rest() {
    let text = r#"Scenario(
        name: "bulkhead",
        duration: "10s",
        clients: { "c": (target: "api", rate: "200/s") },
        services: {
            "api": (workers: 1000, steps: [Call(to: "db", max_concurrent: 5)]),
            "db": (workers: 100, service_time: Const("100ms")),
        },
    )"#;
    let m = run_text(text, &[]).metrics;
    // 5 in flight × 100 ms each: at most 50 calls/s get through; the rest are turned away.
    let through = m.services[1].completed as f64 / 10.0;
    assert!(through <= 51.0 && through > 45.0, "{through}/s");
    assert!(m.rejections_by[faultline_model::Rejection::Bulkhead as usize] > 1_000);
}

#[test]
fn shedding_drops_work_that_waited_too_long() {
    let text = r#"Scenario(
        name: "shed",
        duration: "20s",
        clients: { "c": (target: "api", rate: "20/s") },
        services: { "api": (workers: 1, service_time: Const("100ms"), shed_after: "1s") },
    )"#;
    let m = run_text(text, &[]).metrics;
    // Twice the capacity: the queue would grow without bound; shedding caps waits at 1 s.
    // (The histogram reports a bucket's upper edge: within 1 % of the value.)
    let longest = m.services[0].queue_wait().max;
    assert!(longest <= 1.01, "longest wait {longest}");
    assert!(m.rejections_by[faultline_model::Rejection::Shed as usize] > 100);
}

/// Stack for the runs below: ample for a run whose nesting is bounded by the scenario's shape,
/// far too small for one that nests once per queued job (100,000 or more of them here).
const BOUNDED_STACK: usize = 1 << 20;

/// Runs `text` on a thread with a [`BOUNDED_STACK`]; checks that every request is accounted for
/// and that the backlog the run was built around did form.
fn run_deep(text: &'static str) -> Outcome {
    let outcome = std::thread::Builder::new()
        .stack_size(BOUNDED_STACK)
        .spawn(move || run_text(text, &[]))
        .expect("a thread")
        .join()
        .expect("the run ends");
    let m = &outcome.metrics;
    assert!(outcome.all_hold(), "{:?}", outcome.verdicts);
    assert_eq!(m.arrived, m.completed + m.failed + m.rejected + outcome.in_flight);
    assert!(m.services[0].max_queue > 90_000, "backlog {}", m.services[0].max_queue);
    outcome
}

/// A backlog of jobs that each end as they start, from 10 s on.
const DEEP_BACKLOG: &str = r#"Scenario(name: "deep", duration: "30s",
    clients: { "a": (target: "api", rate: "20000/s") },
    services: {
        "api": (workers: 1, steps: [Call(to: "db")]),
        "db": (workers: 1, service_time: Const("10s")),
    },
    faults: [Down(service: "db", at: "5s", length: "20s")],
    invariants: [NoLostRequests])"#;

/// One api worker waits 10 s on the db while 200,000 requests queue behind it; the db is down by
/// then, so each queued job ends the moment it starts, and the worker goes through the whole
/// backlog at one instant.
#[test]
fn a_backlog_that_ends_at_once_is_worked_through_without_nesting() {
    let m = run_deep(DEEP_BACKLOG).metrics;
    assert!(m.failed > 400_000, "{} failed", m.failed);
}

/// Working through such a backlog still counts as work at one instant: with a low enough limit
/// the run stops with the typed error, not by itself.
#[test]
fn working_through_a_backlog_counts_as_work_at_one_instant() {
    let sets = vec!["limits.max_work_per_instant=1000".to_string()];
    let overrides = Overrides { variant: None, sets };
    let scenario = load("inline.ron", DEEP_BACKLOG, &overrides).unwrap_or_else(|e| panic!("{e}"));
    let err = scenario.run(1).expect_err("stuck");
    let text = err.to_string();
    assert!(text.contains("service `api` kept starting queued work"), "{text}");
}

/// The same through a fan-out: the first job waits on sub-tasks queued behind the backlog until
/// their timeout; by then the api itself is down (refusing new requests too, so the backlog is
/// the 100,000 from before), its later jobs' sub-tasks are refused at once and each job ends as
/// it starts.
#[test]
fn fan_outs_refused_at_once_are_worked_through_without_nesting() {
    let text = r#"Scenario(name: "deep-fanout", duration: "30s",
        clients: { "a": (target: "api", rate: "20000/s") },
        services: {
            "api": (workers: 1, steps: [
                Fanout(count: 2, timeout: "10s", steps: [Work(time: Const("1ms"))]),
            ]),
        },
        faults: [Down(service: "api", at: "5s", length: "20s")],
        invariants: [NoLostRequests])"#;
    let m = run_deep(text).metrics;
    assert!(m.services[0].completed > 90_000, "{} api jobs", m.services[0].completed);
}

/// The same behind an open breaker: after a few calls fail on the down db, the breaker refuses
/// the rest of the backlog's calls without sending them.
#[test]
fn a_backlog_behind_an_open_breaker_is_worked_through_without_nesting() {
    let text = r#"Scenario(name: "deep-breaker", duration: "30s",
        clients: { "a": (target: "api", rate: "20000/s") },
        services: {
            "api": (workers: 1, steps: [Call(to: "db", breaker: (
                window: Count(10), failure_rate: 0.5, minimum_calls: 5, open_duration: "60s",
                half_open_probes: 1, count_as_failure: [Error],
            ))]),
            "db": (workers: 1, service_time: Const("10s")),
        },
        faults: [Down(service: "db", at: "5s", length: "10s")],
        invariants: [NoLostRequests])"#;
    let m = run_deep(text).metrics;
    let refused = m.rejections_by[faultline_model::Rejection::BreakerOpen as usize];
    assert!(refused > 150_000, "{refused} refused by the breaker");
}

/// The same through a batch of one, sent the moment a job joins it and refused by the down db.
#[test]
fn batches_refused_at_once_are_worked_through_without_nesting() {
    let text = r#"Scenario(name: "deep-batch", duration: "30s",
        clients: { "a": (target: "api", rate: "20000/s") },
        services: {
            "api": (workers: 1, steps: [Batch(to: "db", max: 1, wait: "1ms")]),
            "db": (workers: 1, service_time: Const("10s")),
        },
        faults: [Down(service: "db", at: "5s", length: "20s")],
        invariants: [NoLostRequests])"#;
    let m = run_deep(text).metrics;
    assert!(m.failed > 400_000, "{} failed", m.failed);
}

/// Shedding while working through such a backlog: high-priority jobs go first and end at once;
/// then the low-priority jobs that waited too long are shed, and the rest end at once too.
#[test]
fn shedding_inside_a_backlog_that_ends_at_once_is_accounted() {
    let text = r#"Scenario(name: "deep-shed", duration: "30s",
        clients: {
            "hi": (target: "api", rate: "10000/s", class: "high"),
            "lo": (target: "api", rate: "10000/s", class: "low"),
        },
        services: {
            "api": (workers: 1, steps: [Call(to: "db")], shed_after: "5s",
                    queue: Priority(order: ["high", "low"])),
            "db": (workers: 1, service_time: Const("10s")),
        },
        faults: [Down(service: "db", at: "5s", length: "20s")],
        invariants: [NoLostRequests])"#;
    let m = run_deep(text).metrics;
    let shed = m.rejections_by[faultline_model::Rejection::Shed as usize];
    assert!(shed > 40_000, "{shed} shed");
}

/// Ten fan-outs of 1,000 sub-tasks each: 10,000 call sites named `api→api`, `api→api#2`, ….
fn wide_fan_outs() -> String {
    let fanout = r#"Fanout(count: 1000, steps: [Work(time: Const("1us"))])"#;
    let steps = [fanout; 10].join(", ");
    format!(
        r#"Scenario(
        name: "wide",
        duration: "5s",
        clients: {{ "c": (target: "api", rate: "1/s", arrivals: Fixed) }},
        services: {{ "api": (workers: 100, steps: [{steps}]) }},
    )"#
    )
}

#[test]
fn wide_fan_outs_build_at_once() {
    // Naming each site once scanned every site for every suffix tried, so building this world
    // took minutes (found by the generated-scenario test).
    let m = run_text(&wide_fan_outs(), &[]).metrics;
    assert!(m.completed >= 4, "{} completed", m.completed);
    assert_eq!(m.services[0].completed, m.completed * 10_001, "each request and its sub-tasks");
}

#[test]
fn holding_the_queue_looks_only_at_breakers() {
    // Every start asked each of the service's 10,000 call sites whether its breaker was open,
    // though none has a breaker: 10⁸ questions per request (found by the generated-scenario
    // test). Now only sites with a breaker are asked.
    let m = run_text(&wide_fan_outs(), &["services.api.hold_while_open=true"]).metrics;
    assert_eq!(m.services[0].completed, m.completed * 10_001, "nothing is held");
}
