//! A subscription (a consumer group): where it is in each partition, what its consumers hold,
//! what waits to be delivered again, and its dead letters. Every message it was given ends in
//! exactly one place: acknowledged, dead-lettered, parked, lost to retention before it was
//! read, in flight, or waiting.

use std::collections::VecDeque;

use faultline_engine::SimTime;

use super::Message;
use super::log::PartitionLog;
use crate::table::Table;

/// How a group's consumers share a topic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryMode {
    /// Each partition belongs to one consumer (partition `p` to consumer `p mod consumers`):
    /// order is kept within a partition up to the consumer's prefetch.
    Partitioned,
    /// Any consumer takes the next message of any partition: a shared queue.
    Competing,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubscriptionConfig {
    pub consumers: u32,
    pub mode: DeliveryMode,
    /// Deliveries a consumer may hold at once.
    pub prefetch: u32,
    /// Receives after which a failing message goes to the dead-letter queue.
    pub max_receives: u32,
}

/// A message handed to a consumer. `receipt` identifies this delivery: an ack or release
/// with an older receipt (the visibility ran out, the message went elsewhere) is ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub message: Message,
    pub partition: u32,
    pub consumer: u32,
    /// How many times the message has been received, this time included.
    pub receive: u32,
    pub delivered: SimTime,
    pub receipt: (u32, u32),
}

/// What became of a released delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Released {
    /// It waits to be delivered again, first in its partition.
    Redelivered,
    /// It was received `max_receives` times: now in the dead-letter queue.
    DeadLettered,
    /// The receipt was stale: nothing changed.
    Stale,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SubscriptionStats {
    pub delivered: u64,
    pub acked: u64,
    pub redelivered: u64,
    pub dead_lettered: u64,
    /// In the dead-letter queue now.
    pub dlq_depth: u64,
    pub replayed: u64,
    /// Dead letters that reached their replay limit: set aside for a person, never replayed.
    pub parked: u64,
    /// Dropped by retention before this subscription read them.
    pub lost_to_retention: u64,
    /// The first of them.
    pub first_lost: Option<LostMessage>,
    pub in_flight: u64,
    /// Published and not yet delivered, or waiting to be delivered again.
    pub waiting: u64,
}

/// A message retention dropped before a subscription read it, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LostMessage {
    pub message: Message,
    pub dropped: SimTime,
}

/// A message waiting to be delivered again (after a failure or a replay).
#[derive(Clone, Copy, Debug)]
struct Again {
    message: Message,
    receives: u32,
    replays: u32,
}

#[derive(Clone, Copy, Debug)]
struct Held {
    delivery: Delivery,
    replays: u32,
    live: bool,
}

#[derive(Debug)]
pub(super) struct Subscription {
    config: SubscriptionConfig,
    /// The next offset to read, per partition.
    next: Vec<u64>,
    again: Vec<VecDeque<Again>>,
    held: Table<Held>,
    holding: Vec<u32>,
    dead: VecDeque<Again>,
    /// Where `Competing` polling starts, moved on each time for fairness.
    turn: usize,
    stats: SubscriptionStats,
}

impl Subscription {
    pub(super) fn new(config: SubscriptionConfig, partitions: u32) -> Self {
        let config = SubscriptionConfig {
            consumers: config.consumers.max(1),
            prefetch: config.prefetch.max(1),
            max_receives: config.max_receives.max(1),
            ..config
        };
        Subscription {
            next: vec![0; partitions as usize],
            again: vec![VecDeque::new(); partitions as usize],
            held: Table::default(),
            holding: vec![0; config.consumers as usize],
            dead: VecDeque::new(),
            turn: 0,
            config,
            stats: SubscriptionStats::default(),
        }
    }

    /// Retention dropped `partition` below offset `first`: what this subscription had not read
    /// there is lost.
    /// `lost` is the message at this subscription's place in `partition`, if it loses it.
    pub(super) fn skip_to(&mut self, partition: usize, first: u64, lost: Option<LostMessage>) {
        let next = &mut self.next[partition];
        if *next < first {
            self.stats.lost_to_retention += first - *next;
            *next = first;
            if self.stats.first_lost.is_none() {
                self.stats.first_lost = lost;
            }
        }
    }

    /// The next offset this subscription reads in `partition`.
    pub(super) fn next_offset(&self, partition: usize) -> u64 {
        self.next[partition]
    }

    fn owns(&self, consumer: u32, partition: usize) -> bool {
        match self.config.mode {
            DeliveryMode::Partitioned => partition as u32 % self.config.consumers == consumer,
            DeliveryMode::Competing => true,
        }
    }

    pub(super) fn poll(
        &mut self,
        logs: &[PartitionLog],
        consumer: u32,
        now: SimTime,
        out: &mut Vec<Delivery>,
    ) {
        let partitions = logs.len();
        let start = self.turn;
        self.turn = (self.turn + 1) % partitions;
        let mut progress = true;
        while progress && self.holding[consumer as usize] < self.config.prefetch {
            progress = false;
            for i in 0..partitions {
                let p = (start + i) % partitions;
                if self.holding[consumer as usize] >= self.config.prefetch {
                    break;
                }
                if !self.owns(consumer, p) {
                    continue;
                }
                if let Some(next) = self.take(logs, p) {
                    out.push(self.hand_out(next, p as u32, consumer, now));
                    progress = true;
                }
            }
        }
    }

    /// The next message of partition `p`: one to deliver again first, else the next in the log.
    fn take(&mut self, logs: &[PartitionLog], p: usize) -> Option<Again> {
        if let Some(again) = self.again[p].pop_front() {
            return Some(again);
        }
        let message = *logs[p].get(self.next[p])?;
        self.next[p] += 1;
        Some(Again { message, receives: 0, replays: 0 })
    }

    fn hand_out(&mut self, again: Again, partition: u32, consumer: u32, now: SimTime) -> Delivery {
        let receive = again.receives + 1;
        let fresh = Held {
            delivery: Delivery {
                message: again.message,
                partition,
                consumer,
                receive,
                delivered: now,
                receipt: (0, 1),
            },
            replays: again.replays,
            live: true,
        };
        // A reused slot's receipt is one generation on: its old receipts are stale.
        let slot = self.held.insert_with(fresh, |old, new| {
            new.delivery.receipt.1 = old.delivery.receipt.1.wrapping_add(1);
        });
        let held = self.held.get_mut(slot);
        held.delivery.receipt.0 = slot;
        self.holding[consumer as usize] += 1;
        self.stats.delivered += 1;
        held.delivery
    }

    /// The held delivery `delivery` names, taken out of flight, if its receipt is current.
    fn settle(&mut self, delivery: Delivery) -> Option<Held> {
        let (slot, generation) = delivery.receipt;
        let held = *self.held.get(slot);
        if !held.live || held.delivery.receipt.1 != generation {
            return None;
        }
        self.held.get_mut(slot).live = false;
        self.held.free(slot);
        self.holding[held.delivery.consumer as usize] -= 1;
        Some(held)
    }

    pub(super) fn ack(&mut self, delivery: Delivery) -> bool {
        let acked = self.settle(delivery).is_some();
        self.stats.acked += u64::from(acked);
        acked
    }

    pub(super) fn release(&mut self, delivery: Delivery) -> Released {
        let Some(held) = self.settle(delivery) else { return Released::Stale };
        let d = held.delivery;
        let again = Again { message: d.message, receives: d.receive, replays: held.replays };
        if d.receive >= self.config.max_receives {
            self.dead.push_back(again);
            self.stats.dead_lettered += 1;
            return Released::DeadLettered;
        }
        self.again[d.partition as usize].push_front(again);
        self.stats.redelivered += 1;
        Released::Redelivered
    }

    pub(super) fn replay(&mut self, count: usize, limit: u32) -> (u64, u64) {
        let (mut replayed, mut parked) = (0, 0);
        for _ in 0..count.min(self.dead.len()) {
            let Some(letter) = self.dead.pop_front() else { break };
            if letter.replays >= limit {
                parked += 1;
                continue;
            }
            let partition = super::partition_for(letter.message.key, self.next.len()) as usize;
            let again = Again { receives: 0, replays: letter.replays + 1, ..letter };
            self.again[partition].push_back(again);
            replayed += 1;
        }
        self.stats.replayed += replayed;
        self.stats.parked += parked;
        (replayed, parked)
    }

    pub(super) fn stats(&self) -> SubscriptionStats {
        SubscriptionStats {
            dlq_depth: self.dead.len() as u64,
            in_flight: self.holding.iter().map(|&h| u64::from(h)).sum(),
            waiting: self.again.iter().map(|q| q.len() as u64).sum(),
            ..self.stats
        }
    }

    /// Messages of the log not yet read, per partition, for `waiting`.
    pub(super) fn unread(&self, logs: &[PartitionLog]) -> u64 {
        logs.iter()
            .zip(&self.next)
            .map(|(log, &next)| log.end().saturating_sub(next.max(log.base())))
            .sum()
    }
}
