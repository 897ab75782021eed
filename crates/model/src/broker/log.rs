//! A partition's log: messages in publishing order with their offsets, trimmed from the front
//! by retention. Memory follows what retention keeps, never what was ever published.

use std::collections::VecDeque;

use faultline_engine::{SimDuration, SimTime};

use super::Message;

/// How much of a partition is kept: at most `max_messages`, none older than `max_age`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    pub max_messages: u64,
    pub max_age: Option<SimDuration>,
}

/// What a topic's partitions hold and dropped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TopicStats {
    pub published: u64,
    /// Held now: unread by some subscription (or, with none, all retention keeps).
    pub held: u64,
    /// Dropped by retention before every subscription had read them.
    pub expired: u64,
}

impl TopicStats {
    pub(super) fn add(&mut self, other: TopicStats) {
        self.published += other.published;
        self.held += other.held;
        self.expired += other.expired;
    }
}

#[derive(Debug, Default)]
pub(super) struct PartitionLog {
    /// The offset of `messages[0]`.
    base: u64,
    messages: VecDeque<Message>,
    expired: u64,
}

impl PartitionLog {
    pub(super) fn append(&mut self, message: Message) {
        self.messages.push_back(message);
    }

    /// The offset the next message will get.
    pub(super) fn end(&self) -> u64 {
        self.base + self.messages.len() as u64
    }

    pub(super) fn base(&self) -> u64 {
        self.base
    }

    /// The message at `offset`, if retention still keeps it.
    pub(super) fn get(&self, offset: u64) -> Option<&Message> {
        offset.checked_sub(self.base).and_then(|i| self.messages.get(i as usize))
    }

    /// The first offset `retention` keeps at `now` (the current first when it drops nothing).
    pub(super) fn kept_from(&self, retention: Retention, now: SimTime) -> u64 {
        let over = (self.messages.len() as u64).saturating_sub(retention.max_messages);
        let aged = retention.max_age.map_or(0, |age| {
            self.messages.iter().take_while(|m| m.published + age <= now).count() as u64
        });
        self.base + over.max(aged)
    }

    /// Drops from the front what `retention` no longer keeps at `now`; returns the new first
    /// offset when anything went.
    pub(super) fn trim(&mut self, retention: Retention, now: SimTime) -> Option<u64> {
        let keep = self.kept_from(retention, now);
        let before = self.base;
        while self.base < keep && self.messages.pop_front().is_some() {
            self.base += 1;
            self.expired += 1;
        }
        (self.base != before).then_some(self.base)
    }

    /// Forgets the messages below `offset`: every subscription has read them (a delivery
    /// holds its own copy), so memory follows what is still unread.
    pub(super) fn forget_below(&mut self, offset: u64) {
        while self.base < offset && self.messages.pop_front().is_some() {
            self.base += 1;
        }
    }

    pub(super) fn stats(&self) -> TopicStats {
        TopicStats {
            published: self.end(),
            held: self.messages.len() as u64,
            expired: self.expired,
        }
    }
}
