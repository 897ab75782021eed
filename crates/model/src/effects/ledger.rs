//! The dedup table behind an idempotency key: which operations were applied within the
//! window, forgetting each one once its window has passed.
//!
//! Memory follows the operations applied within one window, never the run. Must never answer
//! "seen" for a key applied a full window ago or more.

use std::collections::{BTreeMap, VecDeque};

use faultline_engine::{SimDuration, SimTime};

/// Operations applied within the last `window`, each with when it was first applied.
#[derive(Debug)]
pub struct DedupTable {
    window: SimDuration,
    /// Operation → when it was applied.
    seen: BTreeMap<u64, SimTime>,
    /// The same entries oldest first, to forget them in order (instants never go back).
    order: VecDeque<(SimTime, u64)>,
}

impl DedupTable {
    /// A table remembering each key for `window` (positive).
    pub fn new(window: SimDuration) -> Self {
        DedupTable { window, seen: BTreeMap::new(), order: VecDeque::new() }
    }

    /// When `op` was applied, if within `within` (at most the table's window) before `now`.
    pub fn applied_within(
        &mut self,
        op: u64,
        now: SimTime,
        within: SimDuration,
    ) -> Option<SimTime> {
        self.forget_before(now);
        self.seen.get(&op).copied().filter(|&at| now - at < within)
    }

    /// Remembers that `op` was applied at `now`, unless it is remembered already (the first
    /// application starts the window, as an idempotency-key store does).
    pub fn record(&mut self, op: u64, now: SimTime) {
        self.forget_before(now);
        if let std::collections::btree_map::Entry::Vacant(entry) = self.seen.entry(op) {
            entry.insert(now);
            self.order.push_back((now, op));
        }
    }

    /// How many keys the table holds.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }

    /// Forgets every key applied a full window or more before `now`.
    fn forget_before(&mut self, now: SimTime) {
        while let Some(&(at, op)) = self.order.front() {
            if now - at < self.window {
                break;
            }
            self.order.pop_front();
            self.seen.remove(&op);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(secs)
    }

    /// A key applied at 10 s with a 60 s window is a duplicate at 69 s and new again at 70 s.
    #[test]
    fn a_key_is_a_duplicate_within_its_window_and_new_after_it() {
        let window = SimDuration::from_secs(60);
        let mut table = DedupTable::new(window);
        assert_eq!(table.applied_within(7, s(10), window), None);
        table.record(7, s(10));
        assert_eq!(table.applied_within(7, s(69), window), Some(s(10)));
        assert_eq!(table.applied_within(8, s(69), window), None, "another key is new");
        assert_eq!(table.applied_within(7, s(70), window), None, "the window has passed");
        assert!(table.is_empty(), "and the key is forgotten");
    }

    /// A duplicate does not restart the window: the first application does.
    #[test]
    fn recording_a_remembered_key_keeps_its_first_instant() {
        let window = SimDuration::from_secs(60);
        let mut table = DedupTable::new(window);
        table.record(1, s(0));
        table.record(1, s(30));
        assert_eq!(table.applied_within(1, s(59), window), Some(s(0)));
        assert_eq!(table.applied_within(1, s(60), window), None);
    }

    /// A step may look back less far than the table keeps (another step's longer window).
    #[test]
    fn a_shorter_look_back_ignores_older_entries() {
        let mut table = DedupTable::new(SimDuration::from_secs(60));
        table.record(1, s(0));
        assert_eq!(table.applied_within(1, s(20), SimDuration::from_secs(10)), None);
        assert_eq!(table.applied_within(1, s(20), SimDuration::from_secs(30)), Some(s(0)));
    }

    /// One new key a second for an hour with a 60 s window: the table never holds more than
    /// the 60 keys of the last window.
    #[test]
    fn memory_follows_the_window_not_the_run() {
        let window = SimDuration::from_secs(60);
        let mut table = DedupTable::new(window);
        let mut most = 0;
        for second in 0..3_600 {
            table.record(second, s(second));
            most = most.max(table.len());
        }
        assert_eq!(most, 60);
        assert_eq!((table.len(), table.order.len()), (60, 60));
    }
}
