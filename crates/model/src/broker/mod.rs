//! A message broker: topics split into partitions, subscriptions (consumer groups) each with its
//! own place in every partition, at-least-once delivery with acknowledgements and a visibility
//! timeout, a receive limit after which a message goes to the subscription's dead-letter
//! queue, replays of dead letters with a limit per message (parked past it, never looping), and
//! retention bounded by count and age (what falls off unread is counted).
//!
//! Pure decisions, as `register/` is: the world (to come: `world/broker.rs`) carries
//! publishes and deliveries over the network, runs the visibility timers and turns consumers'
//! answers into acks and nacks. It must never read a clock, touch a job, or decide a message's
//! fate on the network.

mod config;
mod log;
mod report;
mod subscription;
#[cfg(test)]
mod tests;

pub use config::{
    DlqAlarm, PublishConfig, ReplayConfig, ReplayTrigger, SubscriberConfig, TopicConfig,
};
pub use log::{Retention, TopicStats};
pub use report::{DepthSample, MAX_ALERTS_KEPT, SubscriptionReport};
pub use subscription::{
    Delivery, DeliveryMode, LostMessage, Released, SubscriptionConfig, SubscriptionStats,
};

use faultline_engine::{SimTime, mix};

use crate::Payload;

use log::PartitionLog;
use subscription::Subscription;

/// The partition of `partitions` a key picks: the same for a publish and a replay.
fn partition_for(key: u64, partitions: usize) -> u32 {
    (mix(key) % partitions as u64) as u32
}

/// A message as the broker keeps it: small and `Copy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message {
    /// Unique in the run, in order of publishing.
    pub id: u64,
    /// Picks the partition; the entity it is about.
    pub key: u64,
    pub published: SimTime,
    /// The client request that published it (consumers' work belongs to it too).
    pub request: u64,
    /// What the producer attached (fields, an event kind, a version), opaque here.
    pub payload: Payload,
}

/// One topic: its partitions' logs and the subscriptions reading them.
#[derive(Debug)]
pub struct Topic {
    partitions: Vec<PartitionLog>,
    subscriptions: Vec<Subscription>,
    retention: Retention,
    next_id: u64,
}

impl Topic {
    pub fn new(
        partitions: u32,
        retention: Retention,
        subscriptions: &[SubscriptionConfig],
    ) -> Self {
        let partitions = partitions.max(1);
        Topic {
            partitions: (0..partitions).map(|_| PartitionLog::default()).collect(),
            subscriptions: subscriptions
                .iter()
                .map(|c| Subscription::new(*c, partitions))
                .collect(),
            retention,
            next_id: 0,
        }
    }

    /// The partition a key's messages go to.
    pub fn partition_of(&self, key: u64) -> u32 {
        partition_for(key, self.partitions.len())
    }

    /// Appends a message about `payload.key`, published by `request`; returns it. Every subscription will see
    /// it (publish/subscribe), unless retention drops it first.
    pub fn publish(&mut self, request: u64, payload: Payload, now: SimTime) -> Message {
        let key = payload.key;
        let message = Message { id: self.next_id, key, published: now, request, payload };
        self.next_id += 1;
        let partition = self.partition_of(key) as usize;
        self.partitions[partition].append(message);
        self.enforce_retention(partition, now);
        message
    }

    /// Drops what retention no longer keeps from `partition`; a subscription that had not read
    /// a dropped message counts it as lost to retention.
    fn enforce_retention(&mut self, partition: usize, now: SimTime) {
        let log = &self.partitions[partition];
        let keep = log.kept_from(self.retention, now);
        if keep == log.base() {
            return;
        }
        for s in &mut self.subscriptions {
            // The first message it loses, still in the log: for its report.
            let first = log.get(s.next_offset(partition)).copied();
            s.skip_to(partition, keep, first.map(|message| LostMessage { message, dropped: now }));
        }
        self.partitions[partition].trim(self.retention, now);
    }

    /// Up to what the consumer `consumer` of subscription `sub` may still take (its prefetch
    /// less what it holds), delivered now with a visibility deadline of `now + visibility`.
    pub fn poll(&mut self, sub: usize, consumer: u32, now: SimTime, out: &mut Vec<Delivery>) {
        for partition in 0..self.partitions.len() {
            self.enforce_retention(partition, now);
        }
        self.subscriptions[sub].poll(&self.partitions, consumer, now, out);
        self.forget_read();
    }

    /// Forgets, in each partition, what every subscription has read.
    fn forget_read(&mut self) {
        if self.subscriptions.is_empty() {
            return; // nobody reads: retention alone decides
        }
        for (p, log) in self.partitions.iter_mut().enumerate() {
            let read = self.subscriptions.iter().map(|s| s.next_offset(p)).min().unwrap_or(0);
            log.forget_below(read);
        }
    }

    /// The consumer finished the delivery successfully.
    pub fn ack(&mut self, sub: usize, delivery: Delivery) -> bool {
        self.subscriptions[sub].ack(delivery)
    }

    /// The consumer failed the delivery, or its visibility ran out: it is delivered again, or
    /// dead-lettered once it has been received `max_receives` times.
    pub fn release(&mut self, sub: usize, delivery: Delivery) -> Released {
        self.subscriptions[sub].release(delivery)
    }

    /// Moves up to `count` dead letters of `sub` back to be delivered again; a message already
    /// replayed `limit` times is parked instead. Returns (replayed, parked).
    pub fn replay(&mut self, sub: usize, count: usize, limit: u32) -> (u64, u64) {
        self.subscriptions[sub].replay(count, limit)
    }

    /// What subscription `sub` has done with the messages it was given.
    pub fn subscription_stats(&self, sub: usize) -> SubscriptionStats {
        let s = &self.subscriptions[sub];
        let stats = s.stats();
        SubscriptionStats { waiting: stats.waiting + s.unread(&self.partitions), ..stats }
    }

    pub fn stats(&self) -> TopicStats {
        let mut stats = TopicStats::default();
        for p in &self.partitions {
            stats.add(p.stats());
        }
        stats
    }
}
