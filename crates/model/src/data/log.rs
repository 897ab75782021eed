//! The primary's log and each replica's copy: positions written, shipped, received, applied.
//!
//! A write appends at the next position and sets its key's value to that position. A shipment
//! names a range of positions; a replica takes the entries that extend what it received without
//! a gap (a gap means a lost shipment: it waits for the resend) and queues each to be applied at
//! its ready instant, never before the entry ahead of it. The log is trimmed below the lowest
//! position every replica has acknowledged, so memory follows keys and entries in flight.

use std::collections::{BTreeMap, VecDeque};

use faultline_engine::{SimDuration, SimTime};

/// One write in the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) position: u64,
    pub(crate) key: u64,
    /// When the primary made it.
    pub(crate) at: SimTime,
}

/// An entry a replica received and has not applied yet.
#[derive(Clone, Copy, Debug)]
struct Queued {
    entry: Entry,
    ready: SimTime,
}

/// One read replica.
#[derive(Debug, Default)]
struct Replica {
    /// The highest position the primary knows it received.
    acked: u64,
    /// `acked` when the primary last looked (a resend goes out when it did not move).
    acked_when_looked: u64,
    received: u64,
    applied: u64,
    values: BTreeMap<u64, u64>,
    queued: VecDeque<Queued>,
}

/// A database: the primary's log and values, and its replicas (numbered from 1; 0 is the
/// primary).
#[derive(Debug)]
pub(crate) struct Database {
    /// Entries after `trimmed`, up to `head`.
    log: VecDeque<Entry>,
    trimmed: u64,
    head: u64,
    values: BTreeMap<u64, u64>,
    replicas: Vec<Replica>,
}

impl Database {
    pub(crate) fn new(replicas: usize) -> Self {
        Database {
            log: VecDeque::new(),
            trimmed: 0,
            head: 0,
            values: BTreeMap::new(),
            replicas: (0..replicas).map(|_| Replica::default()).collect(),
        }
    }

    pub(crate) fn replicas(&self) -> usize {
        self.replicas.len()
    }

    fn replica(&self, copy: u32) -> &Replica {
        &self.replicas[copy as usize - 1]
    }

    fn replica_mut(&mut self, copy: u32) -> &mut Replica {
        &mut self.replicas[copy as usize - 1]
    }

    /// The primary writes `key`: returns the new entry's position.
    pub(crate) fn write(&mut self, key: u64, now: SimTime) -> u64 {
        self.head += 1;
        self.log.push_back(Entry { position: self.head, key, at: now });
        self.values.insert(key, self.head);
        self.head
    }

    /// The entry at `position`, if still in the log.
    pub(crate) fn entry(&self, position: u64) -> Option<Entry> {
        let index = position.checked_sub(self.trimmed + 1)?;
        self.log.get(usize::try_from(index).ok()?).copied()
    }

    /// What `copy` (0: the primary) holds for `key` (0: never written) and the position it
    /// reflects.
    pub(crate) fn read(&self, copy: u32, key: u64) -> (u64, u64) {
        if copy == 0 {
            return (self.values.get(&key).copied().unwrap_or(0), self.head);
        }
        let r = self.replica(copy);
        (r.values.get(&key).copied().unwrap_or(0), r.applied)
    }

    /// Whether a read of `key` at `copy` misses a write the primary holds.
    pub(crate) fn is_stale(&self, copy: u32, key: u64) -> bool {
        self.read(copy, key).0 != self.read(0, key).0
    }

    pub(crate) fn applied(&self, copy: u32) -> u64 {
        if copy == 0 { self.head } else { self.replica(copy).applied }
    }

    /// A shipment of positions `from ..= to` reaches replica `copy` at `now`: it queues the
    /// entries that extend what it received, each ready after a delay from `delay` and never
    /// before the one ahead of it. Returns the position it now acknowledges, and the ready
    /// instant of its first queued entry if that entry is new (nothing was queued before).
    pub(crate) fn receive(
        &mut self,
        copy: u32,
        (from, to): (u64, u64),
        now: SimTime,
        mut delay: impl FnMut() -> SimDuration,
    ) -> (u64, Option<SimTime>) {
        let was_empty = self.replica(copy).queued.is_empty();
        let start = self.replica(copy).received + 1;
        if from <= start {
            for position in start..=to {
                // Positions at or below every acknowledgement are trimmed, and this replica
                // acknowledged less than `start`: the entry is still in the log.
                let entry = self.entry(position).expect("unacknowledged entries stay in the log");
                let r = self.replica_mut(copy);
                let behind = r.queued.back().map_or(now, |q| q.ready);
                r.queued.push_back(Queued { entry, ready: (now + delay()).max(behind) });
                r.received = position;
            }
        }
        let r = self.replica(copy);
        let first = (was_empty && !r.queued.is_empty()).then(|| r.queued[0].ready);
        (r.received, first)
    }

    /// Replica `copy` applies every queued entry ready at `now`; returns when the next one is
    /// ready, if any.
    pub(crate) fn apply_due(&mut self, copy: u32, now: SimTime) -> Option<SimTime> {
        let r = self.replica_mut(copy);
        while let Some(q) = r.queued.front().filter(|q| q.ready <= now).copied() {
            r.queued.pop_front();
            r.values.insert(q.entry.key, q.entry.position);
            r.applied = q.entry.position;
        }
        r.queued.front().map(|q| q.ready)
    }

    /// The primary hears that replica `copy` received up to `received`; trims the log below
    /// what every replica acknowledged.
    pub(crate) fn acknowledged(&mut self, copy: u32, received: u64) {
        let r = self.replica_mut(copy);
        r.acked = r.acked.max(received);
        let everyone = self.replicas.iter().map(|r| r.acked).min().unwrap_or(self.head);
        while self.log.front().is_some_and(|e| e.position <= everyone) {
            self.log.pop_front();
            self.trimmed += 1;
        }
    }

    /// What the primary resends to replica `copy` when it looks: everything after its
    /// acknowledged position, if it is behind and that position did not move since it last
    /// looked.
    pub(crate) fn resend(&mut self, copy: u32) -> Option<(u64, u64)> {
        let head = self.head;
        let r = self.replica_mut(copy);
        let stuck = r.acked == r.acked_when_looked;
        r.acked_when_looked = r.acked;
        (stuck && r.acked < head).then_some((r.acked + 1, head))
    }

    /// How far behind `copy` is in time at `now`: since the oldest write it has not applied
    /// was made; zero when it has applied everything (and always for the primary).
    pub(crate) fn lag(&self, copy: u32, now: SimTime) -> SimDuration {
        if copy == 0 {
            return SimDuration::ZERO;
        }
        let r = self.replica(copy);
        let oldest = match r.queued.front() {
            Some(q) => Some(q.entry.at),
            None if r.received < self.head => self.entry(r.received + 1).map(|e| e.at),
            None => None,
        };
        oldest.map_or(SimDuration::ZERO, |at| now - at)
    }

    /// Entries held: the log and every replica's queue (for memory tests).
    #[cfg(test)]
    pub(crate) fn held(&self) -> usize {
        self.log.len() + self.replicas.iter().map(|r| r.queued.len()).sum::<usize>()
    }
}
