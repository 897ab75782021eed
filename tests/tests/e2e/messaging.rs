//! Brokers in whole runs: a consumer that crashes holding messages loses none of them, replays
//! park poison messages after their limit and never loop, every subscribed group gets every
//! message, retention drops what a slow group has not read (and NoLostMessages says so), and
//! a producer's retries publish duplicates.

use std::collections::BTreeMap;

use faultline_engine::SimTime;
use faultline_model::broker::SubscriptionReport;
use faultline_model::{Observation, Observer};
use faultline_scenario::{Overrides, Scenario, load};

fn scenario(text: &str) -> Scenario {
    load("messaging.ron", text, &Overrides::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// Every message of the subscription is in exactly one place.
fn assert_accounted(r: &SubscriptionReport) {
    let s = r.stats;
    let places = s.acked + s.dlq_depth + s.parked + s.lost_to_retention + s.in_flight + s.waiting;
    assert_eq!(places, r.published, "{r:?}");
}

/// A consumer of two crashes for 5 s while it holds up to 10 deliveries: they come back when
/// their 1 s visibility runs out, the other consumer takes them, and nothing is lost.
#[test]
fn a_consumer_that_crashes_holding_messages_loses_none() {
    let s = scenario(
        r#"Scenario(name: "crash", duration: "30s", seed: 1,
            clients: { "producer": (target: "events", rate: "100/s", key: Sequence) },
            topics: { "events": (on: "broker", partitions: 4) },
            services: {
                "broker": (workers: 8, service_time: Const("1ms")),
                "worker": (instances: 2, workers: 10, service_time: Const("50ms"),
                    consumer: (topic: "events", order: Any, prefetch: 10, visibility: "1s")),
            },
            faults: [Crash(node: "worker/0", at: "10s", restart_after: "5s")],
            invariants: [NoLostMessages])"#,
    );
    let outcome = s.run(1).expect("runs");
    let r = &outcome.metrics.brokers[0];
    assert_accounted(r);
    assert!(outcome.all_hold(), "{:?}", outcome.verdicts);
    assert!(r.expired >= 5, "the crashed consumer's deliveries expired: {r:?}");
    assert!(r.stats.redelivered >= r.expired, "and were delivered again: {r:?}");
    assert!(r.stats.acked + r.stats.in_flight + r.stats.waiting == r.published, "{r:?}");
    assert!(r.stats.in_flight + r.stats.waiting <= 20, "caught up by the end: {r:?}");
}

/// How many times each message went to the dead-letter queue.
#[derive(Default)]
struct DeadLetters(BTreeMap<u64, u32>);

impl Observer for DeadLetters {
    fn observe(&mut self, _now: SimTime, what: &Observation) {
        if let Observation::MessageDeadLettered { message, .. } = *what {
            *self.0.entry(message).or_default() += 1;
        }
    }
}

/// 5 % of messages are poison. Each fails twice into the dead-letter queue; the replay job
/// (every 5 s, at most 2 replays per message) sends it back twice, then parks it. No message is
/// dead-lettered more than 3 times (it never loops), every message that used up its replays
/// and met the job again is parked, every good message is acknowledged, and none is lost.
#[test]
fn replays_park_poison_messages_after_their_limit_and_never_loop() {
    let s = scenario(
        r#"Scenario(name: "replay", duration: "120s", seed: 3,
            clients: { "shop": (target: "orders", rate: "50/s", fields: {"order": Sequence}) },
            topics: { "events": (on: "broker", partitions: 2) },
            services: {
                "orders": (workers: 10, steps: [Publish(topic: "events", key: "order", poison: "5%")]),
                "broker": (workers: 8, service_time: Const("1ms")),
                "worker": (workers: 10, service_time: Const("5ms"),
                    consumer: (topic: "events", prefetch: 10, visibility: "10s", max_receives: 2,
                        dead_letters: (replay: (every: "5s", limit: 2)))),
            },
            invariants: [NoLostMessages])"#,
    );
    let (outcome, dead) = s.run_watched(3, DeadLetters::default()).expect("runs");
    let r = &outcome.metrics.brokers[0];
    assert_accounted(r);
    assert!(outcome.all_hold(), "{:?}", outcome.verdicts);
    let times: Vec<u32> = dead.0.values().copied().collect();
    assert!(times.iter().all(|&n| n <= 3), "a message dead-lettered more than 3 times");
    let exhausted = times.iter().filter(|&&n| n == 3).count() as u64;
    // The last 5 s's exhausted letters wait for the next run of the job.
    assert!(r.stats.parked > 0 && r.stats.parked <= exhausted, "{r:?}, {exhausted} exhausted");
    assert!(exhausted - r.stats.parked <= r.stats.dlq_depth, "{r:?}");
    // Each dead letter was replayed, parked, or waits in the queue.
    assert_eq!(r.stats.dead_lettered, r.stats.replayed + r.stats.parked + r.stats.dlq_depth);
    let poison = dead.0.len() as u64;
    let share = poison as f64 / r.published as f64;
    assert!((0.035..0.065).contains(&share), "{poison} poison of {}", r.published);
    // Good messages are all acknowledged (but those of the last instants, still on their way).
    assert!(r.stats.acked + poison + r.stats.in_flight + r.stats.waiting >= r.published, "{r:?}");
}

/// Two groups read one topic: each gets every message (publish/subscribe).
#[test]
fn every_subscribed_group_gets_every_message() {
    let s = scenario(
        r#"Scenario(name: "fanout", duration: "20s", seed: 1,
            clients: { "producer": (target: "events", rate: "200/s", key: Uniform(50)) },
            topics: { "events": (on: "broker", partitions: 8) },
            services: {
                "broker": (workers: 8, service_time: Const("1ms")),
                "mail": (instances: 3, workers: 4, service_time: Exp(mean: "5ms"),
                    consumer: (topic: "events", prefetch: 4)),
                "audit": (workers: 4, service_time: Exp(mean: "2ms"),
                    consumer: (topic: "events", order: Any, prefetch: 8)),
            },
            invariants: [NoLostMessages])"#,
    );
    let outcome = s.run(1).expect("runs");
    let groups: Vec<&str> = outcome.metrics.brokers.iter().map(|r| r.group.as_str()).collect();
    assert_eq!(groups, ["audit", "mail"]);
    for r in &outcome.metrics.brokers {
        assert_accounted(r);
        assert!(r.published > 3_500, "{r:?}");
        assert!(r.stats.acked + r.stats.in_flight + r.stats.waiting == r.published, "{r:?}");
        assert!(r.stats.in_flight + r.stats.waiting < 30, "{r:?}");
    }
}

/// A group slower than the producers, on a topic that keeps messages 2 s: what it has not read
/// in time is dropped, counted, and NoLostMessages names it.
#[test]
fn retention_drops_what_a_slow_group_has_not_read_and_that_is_a_loss() {
    let s = scenario(
        r#"Scenario(name: "retention", duration: "30s", seed: 1,
            clients: { "producer": (target: "events", rate: "200/s") },
            topics: { "events": (on: "broker", retention: (age: "2s")) },
            services: {
                "broker": (workers: 8, service_time: Const("1ms")),
                "slow": (workers: 1, service_time: Const("10ms"), consumer: (topic: "events", prefetch: 1)),
            },
            invariants: [NoLostMessages])"#,
    );
    let outcome = s.run(1).expect("runs");
    let r = &outcome.metrics.brokers[0];
    assert_accounted(r);
    // 200/s offered, 100/s read: about half is dropped.
    let lost = r.stats.lost_to_retention as f64 / r.published as f64;
    assert!((0.4..0.55).contains(&lost), "{r:?}");
    let verdict = &outcome.verdicts[0];
    assert!(!verdict.holds);
    let detail = &verdict.violation.as_ref().expect("a violation").detail;
    assert!(detail.contains("dropped by retention before they were read"), "{detail}");
    // The first message lost was dropped once 2 s old: retention is enforced at the broker's
    // next publish or poll, at most a few milliseconds later at 200 publishes a second.
    let first = r.stats.first_lost.expect("a first loss");
    let age = (first.dropped - first.message.published).as_secs_f64();
    assert!((2.0..2.05).contains(&age), "dropped {age} s after it was published");
    assert!(detail.contains(&format!("the first, message {}", first.message.id)), "{detail}");
}

/// A producer whose publish times out before the broker's answer retries, and the broker keeps
/// both: at-least-once publishing makes duplicates.
#[test]
fn a_producers_retries_publish_duplicates() {
    let s = scenario(
        r#"Scenario(name: "duplicates", duration: "20s", seed: 1,
            clients: { "producer": (target: "events", rate: "50/s", timeout: "5s") },
            topics: { "events": (on: "broker") },
            services: {
                "broker": (workers: 8, service_time: Exp(mean: "20ms")),
                "worker": (workers: 4, service_time: Const("1ms"), consumer: (topic: "events")),
            },
            invariants: [NoLostMessages])"#,
    );
    let once = s.run(1).expect("runs").metrics.brokers[0].published;
    let retried = scenario(
        r#"Scenario(name: "duplicates", duration: "20s", seed: 1,
            clients: { "producer": (target: "events", rate: "50/s", timeout: "20ms",
                retry: (max_attempts: 3, retry_on: [Timeout], backoff: Constant("1ms"))) },
            topics: { "events": (on: "broker") },
            services: {
                "broker": (workers: 8, service_time: Exp(mean: "20ms")),
                "worker": (workers: 4, service_time: Const("1ms"), consumer: (topic: "events")),
            },
            invariants: [NoLostMessages])"#,
    )
    .run(1)
    .expect("runs");
    let published = retried.metrics.brokers[0].published;
    // A 20 ms timeout on exponential work of mean 20 ms times out 1/e of first attempts, and
    // each timed-out attempt still publishes: about 1.5 messages per request.
    let ratio = published as f64 / retried.metrics.arrived as f64;
    assert!(
        (1.35..1.65).contains(&ratio),
        "{published} messages for {} requests",
        retried.metrics.arrived
    );
    assert!(once.abs_diff(retried.metrics.arrived) < 5, "one message per request without retries");
}

/// What became of each message and each order in a run: receives into the dead-letter queue
/// per message, the orders (requests) each message belongs to, and shipments per order.
#[derive(Default)]
struct Ledger {
    /// Per message: trips to the dead-letter queue, its request, when it first went there.
    dead: BTreeMap<u64, (u32, u64, SimTime)>,
    shipped: BTreeMap<u64, u32>,
}

impl Observer for Ledger {
    fn observe(&mut self, now: SimTime, what: &Observation) {
        match *what {
            Observation::MessageDeadLettered { message, request, .. } => {
                self.dead.entry(message).or_insert((0, request, now)).0 += 1;
            }
            Observation::EffectApplied { op, .. } => *self.shipped.entry(op).or_default() += 1,
            _ => {}
        }
    }
}

/// dlq-replay `fixed` on its seeds 1-3: poison messages are parked after their limit (two
/// replays: three trips to the dead-letter queue) and never come back; every order whose
/// message was dead-lettered and replayed is shipped exactly once; nothing is lost.
#[test]
fn dlq_replay_parks_poison_applies_replayed_orders_once_and_loses_nothing() {
    let s = faultline_tests::load_bundled("dlq-replay", Some("fixed"), &[]);
    for seed in 1..=3 {
        let (outcome, ledger) = s.run_watched(seed, Ledger::default()).expect("runs");
        let r = &outcome.metrics.brokers[0];
        assert_accounted(r);
        assert!(outcome.all_hold(), "seed {seed}: {:?}", outcome.verdicts);
        assert!(ledger.dead.values().all(|&(n, ..)| n <= 3), "seed {seed}: a message looped");
        let exhausted = ledger.dead.values().filter(|&&(n, ..)| n == 3).count() as u64;
        assert!(r.stats.parked >= 20, "seed {seed}: {r:?}");
        assert!(r.stats.parked <= exhausted && exhausted - r.stats.parked <= r.stats.dlq_depth);
        // Replayed good messages: dead-lettered once, in the bad minutes before the fix at 5 min
        // (a poison message from then was dead-lettered again by the replays at 5 and 6 min).
        // One client numbering its orders from 0: an order's number is its request's id.
        let fix = SimTime::ZERO + faultline_engine::SimDuration::from_secs(300);
        let replayed: Vec<u64> = ledger
            .dead
            .values()
            .filter(|&&(n, _, first)| n == 1 && first < fix)
            .map(|&(_, order, _)| order)
            .collect();
        assert!(replayed.len() > 2_000, "seed {seed}: {} replayed orders", replayed.len());
        for order in replayed {
            assert_eq!(ledger.shipped.get(&order), Some(&1), "seed {seed}: order {order}");
        }
        assert_eq!(r.stats.lost_to_retention, 0);
    }
}

/// Every message is poison, so each receive fails as soon as it gets a worker and, released with no receive limit, is delivered again at once: a livelock at
/// one instant. It used to nest a stack frame per delivery until the stack overflowed; now the
/// redeliveries are a loop that counts as work at this instant and the run stops, naming the
/// consumer group.
#[test]
fn a_consumer_failing_every_receive_at_once_is_stuck_not_a_stack_overflow() {
    let s = scenario(
        r#"Scenario(name: "spin", duration: "10s", seed: 1,
            clients: { "web": (target: "orders", rate: "1/s") },
            topics: { "events": (on: "broker") },
            services: {
                "orders": (workers: 1, steps: [Publish(topic: "events", poison: "100%")]),
                "broker": (workers: 1, service_time: Const("1ms")),
                "sms": (workers: 1, consumer: (topic: "events"), service_time: Const("1ms")),
            },
            limits: (max_work_per_instant: 50000))"#,
    );
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024) // a nested delivery per receive would overflow this at once
        .spawn(move || s.run(1).map(|o| o.stats.events))
        .expect("spawn");
    let err = handle.join().expect("no panic, no overflow").expect_err("a livelock");
    let faultline_engine::LimitExceeded::Stuck { limit, component, doing, at } = err else {
        panic!("stopped by another limit: {err}")
    };
    assert_eq!(limit, 50_000);
    assert_eq!(component, "consumer group `sms` of topic `events`");
    assert_eq!(doing, "delivering released messages again at once");
    // The first request arrives within the first second (1/s); the broker takes 1 ms.
    assert!(at < SimTime::ZERO + faultline_engine::SimDuration::from_secs(2), "{at:?}");
}
