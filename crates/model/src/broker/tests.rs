//! The broker's promises, one at a time: redelivery, the receive limit, order within a
//! partition, no loss when a consumer dies holding a message, every group getting everything,
//! replays that park instead of looping, and an account where every message is somewhere.

use faultline_engine::{SimDuration, SimTime};

use super::*;

fn at(ms: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_millis(ms)
}

/// A payload about `key`.
fn keyed(key: u64) -> crate::Payload {
    crate::Payload { key, ..crate::Payload::default() }
}

const KEEP_ALL: Retention = Retention { max_messages: u64::MAX, max_age: None };

fn group(
    consumers: u32,
    mode: DeliveryMode,
    prefetch: u32,
    max_receives: u32,
) -> SubscriptionConfig {
    SubscriptionConfig { consumers, mode, prefetch, max_receives }
}

fn poll(topic: &mut Topic, sub: usize, consumer: u32, now: SimTime) -> Vec<Delivery> {
    let mut out = Vec::new();
    topic.poll(sub, consumer, now, &mut out);
    out
}

/// Every message the subscription was given is in exactly one place.
fn assert_accounted(topic: &Topic, sub: usize) {
    let s = topic.subscription_stats(sub);
    let places = s.acked + s.dlq_depth + s.parked + s.lost_to_retention + s.in_flight + s.waiting;
    assert_eq!(places, topic.stats().published, "{s:?}");
}

#[test]
fn a_message_whose_visibility_runs_out_is_delivered_again() {
    let mut topic = Topic::new(1, KEEP_ALL, &[group(1, DeliveryMode::Competing, 1, 5)]);
    topic.publish(0, keyed(7), at(0));
    let [first] = poll(&mut topic, 0, 0, at(1)).try_into().expect("one delivery");
    assert!(poll(&mut topic, 0, 0, at(2)).is_empty(), "prefetch 1: nothing more while held");
    // The world releases it when its visibility timeout fires.
    assert_eq!(topic.release(0, first), Released::Redelivered);
    let [again] = poll(&mut topic, 0, 0, at(3)).try_into().expect("delivered again");
    assert_eq!((again.message, again.receive), (first.message, 2));
    assert!(!topic.ack(0, first), "the first delivery's receipt is stale");
    assert!(topic.ack(0, again));
    assert_accounted(&topic, 0);
}

#[test]
fn the_receive_limit_sends_a_failing_message_to_the_dead_letter_queue() {
    let mut topic = Topic::new(1, KEEP_ALL, &[group(1, DeliveryMode::Competing, 1, 3)]);
    topic.publish(0, keyed(7), at(0));
    let mut released = Vec::new();
    for t in 1..=4 {
        if let [d] = poll(&mut topic, 0, 0, at(t)).as_slice() {
            released.push(topic.release(0, *d));
        }
    }
    use Released::{DeadLettered, Redelivered};
    assert_eq!(
        released,
        vec![Redelivered, Redelivered, DeadLettered],
        "received 3 times, then dead"
    );
    let s = topic.subscription_stats(0);
    assert_eq!((s.delivered, s.redelivered, s.dead_lettered, s.dlq_depth), (3, 2, 1, 1));
    assert_accounted(&topic, 0);
}

#[test]
fn a_partition_delivers_in_order_and_partitions_are_independent() {
    let mut topic = Topic::new(4, KEEP_ALL, &[group(1, DeliveryMode::Partitioned, 1000, 5)]);
    for i in 0..200 {
        topic.publish(i, keyed(i % 10), at(i));
    }
    let deliveries = poll(&mut topic, 0, 0, at(500));
    assert_eq!(deliveries.len(), 200);
    for key in 0..10 {
        let bodies: Vec<u64> =
            deliveries.iter().filter(|d| d.message.key == key).map(|d| d.message.request).collect();
        assert!(bodies.windows(2).all(|w| w[0] < w[1]), "key {key} out of order: {bodies:?}");
        let partitions: Vec<u32> =
            deliveries.iter().filter(|d| d.message.key == key).map(|d| d.partition).collect();
        assert!(partitions.iter().all(|&p| p == topic.partition_of(key)));
    }
    let used: std::collections::BTreeSet<u32> = deliveries.iter().map(|d| d.partition).collect();
    assert!(used.len() > 1, "ten keys spread over the four partitions");
}

/// Partitioned: partition `p` goes to consumer `p mod consumers` only.
#[test]
fn partitions_are_shared_out_among_a_groups_consumers() {
    let mut topic = Topic::new(4, KEEP_ALL, &[group(2, DeliveryMode::Partitioned, 100, 5)]);
    for i in 0..100 {
        topic.publish(i, keyed(i), at(0));
    }
    let zero = poll(&mut topic, 0, 0, at(1));
    let one = poll(&mut topic, 0, 1, at(1));
    assert_eq!(zero.len() + one.len(), 100);
    assert!(zero.iter().all(|d| d.partition % 2 == 0) && one.iter().all(|d| d.partition % 2 == 1));
}

/// A consumer that dies holding a message never acknowledges it: its visibility runs out and
/// another consumer gets it. Nothing is lost.
#[test]
fn a_consumer_that_crashes_mid_message_causes_a_redelivery_not_a_loss() {
    let mut topic = Topic::new(1, KEEP_ALL, &[group(2, DeliveryMode::Competing, 1, 5)]);
    topic.publish(0, keyed(1), at(0));
    let [held] = poll(&mut topic, 0, 0, at(1)).try_into().expect("consumer 0 takes it");
    // Consumer 0 crashes; at the visibility deadline the world releases what it held.
    assert_eq!(topic.release(0, held), Released::Redelivered);
    let [taken] = poll(&mut topic, 0, 1, at(2)).try_into().expect("consumer 1 gets it");
    assert_eq!(taken.message, held.message);
    assert!(topic.ack(0, taken));
    let s = topic.subscription_stats(0);
    assert_eq!((s.acked, s.dlq_depth, s.lost_to_retention), (1, 0, 0));
    assert_accounted(&topic, 0);
}

#[test]
fn every_group_gets_every_message() {
    let groups =
        [group(1, DeliveryMode::Competing, 100, 5), group(3, DeliveryMode::Partitioned, 100, 5)];
    let mut topic = Topic::new(3, KEEP_ALL, &groups);
    for i in 0..30 {
        topic.publish(i, keyed(i), at(i));
    }
    let first: Vec<u64> = poll(&mut topic, 0, 0, at(40)).iter().map(|d| d.message.id).collect();
    let mut second: Vec<u64> =
        (0..3).flat_map(|c| poll(&mut topic, 1, c, at(40))).map(|d| d.message.id).collect();
    second.sort_unstable();
    assert_eq!(first.len(), 30);
    assert_eq!(second, (0..30).collect::<Vec<_>>());
}

/// Replays move dead letters back; one that has been replayed `limit` times is parked, so a
/// poison message cannot loop however often replays run.
#[test]
fn replays_park_a_message_past_its_limit_and_never_loop() {
    let mut topic = Topic::new(1, KEEP_ALL, &[group(1, DeliveryMode::Competing, 1, 2)]);
    topic.publish(0, keyed(1), at(0));
    let mut t = 0;
    let mut fail_until_dead = |topic: &mut Topic| loop {
        t += 1;
        let [d] = poll(topic, 0, 0, at(t)).try_into().expect("a delivery");
        if topic.release(0, d) == Released::DeadLettered {
            break;
        }
    };
    fail_until_dead(&mut topic);
    for _ in 0..3 {
        assert_eq!(topic.replay(0, 10, 3), (1, 0));
        fail_until_dead(&mut topic);
    }
    assert_eq!(topic.replay(0, 10, 3), (0, 1), "the fourth replay parks it");
    assert_eq!(topic.replay(0, 10, 3), (0, 0), "and nothing is left to replay");
    let s = topic.subscription_stats(0);
    assert_eq!((s.delivered, s.replayed, s.parked, s.dlq_depth), (8, 3, 1, 0));
    assert_accounted(&topic, 0);
}

/// Retention by count drops the oldest messages; a subscription that had not read them counts
/// them as lost, and memory holds only what is kept.
#[test]
fn retention_drops_the_oldest_and_counts_what_was_never_read() {
    let keep_10 = Retention { max_messages: 10, max_age: None };
    let mut topic = Topic::new(1, keep_10, &[group(1, DeliveryMode::Competing, 5, 5)]);
    for i in 0..5 {
        topic.publish(i, keyed(1), at(i));
    }
    let read = poll(&mut topic, 0, 0, at(5));
    for d in read {
        topic.ack(0, d);
    }
    for i in 5..40 {
        topic.publish(i, keyed(1), at(i));
    }
    // The 5 read were forgotten when read; retention then dropped 25 of the 35 unread.
    let stats = topic.stats();
    assert_eq!((stats.published, stats.held, stats.expired), (40, 10, 25));
    let s = topic.subscription_stats(0);
    assert_eq!((s.acked, s.lost_to_retention, s.waiting), (5, 25, 10));
    assert_accounted(&topic, 0);
    let by_age = Retention { max_messages: u64::MAX, max_age: Some(SimDuration::from_millis(100)) };
    let mut aged = Topic::new(1, by_age, &[group(1, DeliveryMode::Competing, 5, 5)]);
    aged.publish(0, keyed(1), at(0));
    assert!(poll(&mut aged, 0, 0, at(100)).is_empty(), "100 ms old: gone");
    assert_eq!(aged.subscription_stats(0).lost_to_retention, 1);
}

#[test]
fn messages_every_group_has_read_are_forgotten() {
    let groups =
        [group(1, DeliveryMode::Competing, 100, 5), group(1, DeliveryMode::Competing, 100, 5)];
    let mut topic = Topic::new(1, KEEP_ALL, &groups);
    for i in 0..50 {
        topic.publish(i, keyed(1), at(i));
    }
    assert_eq!(poll(&mut topic, 0, 0, at(50)).len(), 50);
    assert_eq!(topic.stats().held, 50, "the second group has read nothing yet");
    let second = poll(&mut topic, 1, 0, at(51));
    assert_eq!(topic.stats().held, 0, "both have read everything: memory follows the unread");
    // A release puts the delivery's own copy back: nothing is lost by forgetting.
    assert_eq!(topic.release(1, second[0]), Released::Redelivered);
    let [again] = poll(&mut topic, 1, 0, at(52)).try_into().expect("delivered again");
    assert_eq!(again.message, second[0].message);
    assert_accounted(&topic, 0);
    assert_accounted(&topic, 1);
}
