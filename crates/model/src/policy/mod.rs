//! Resilience policies as pure state machines: retry delays, retry budgets, circuit breakers and
//! token buckets.
//!
//! Nothing here knows about the simulation. Time comes in as [`SimTime`]/[`SimDuration`] and
//! randomness as `&mut SimRng`, so each policy is a deterministic function of its inputs and can be
//! tested against hand-computed cases. Memory is fixed at construction: no call allocates.

pub mod backoff;
pub mod breaker;
pub mod budget;
pub mod token_bucket;

pub use backoff::{Backoff, Jitter, RetryDelay};
pub use breaker::{
    Breaker, BreakerConfig, BreakerState, CallOutcome, CountsAsFailure, Transition, Window,
};
pub use budget::RetryBudget;
pub use token_bucket::TokenBucket;

use faultline_engine::{SimDuration, SimTime};
use std::ops::AddAssign;

/// How many sub-windows a sliding time window is cut into. Ten keeps memory fixed and small while
/// letting an entry age out within a tenth of the window of its nominal expiry.
const SUB_WINDOWS: usize = 10;

/// A sliding time window of per-sub-window counters `C`, kept in a fixed ring.
///
/// Sub-window `k` covers `[k·width, (k+1)·width)`. At time `now` the window holds the sub-window
/// containing `now` and the `SUB_WINDOWS - 1` before it, so an entry stays counted for more than
/// `(SUB_WINDOWS - 1)·width` and at most `SUB_WINDOWS·width` after it was added.
#[derive(Clone, Debug)]
struct SubWindows<C> {
    /// Width of one sub-window in nanoseconds; at least 1.
    width: u64,
    /// The highest sub-window index seen; times are clamped to it so a late, out-of-order `now`
    /// cannot overwrite a newer slot with an older one.
    latest: u64,
    /// `(sub-window index, counters)`; a slot whose index is too old is stale and reads as empty.
    slots: [(u64, C); SUB_WINDOWS],
}

impl<C: Copy + Default + AddAssign> SubWindows<C> {
    /// A window of (at least) `window`, rounded up to a whole number of nanosecond sub-windows.
    fn new(window: SimDuration) -> Self {
        assert!(!window.is_zero(), "a sliding window must be longer than zero");
        let width = window.as_nanos().div_ceil(SUB_WINDOWS as u64);
        SubWindows { width, latest: 0, slots: [(0, C::default()); SUB_WINDOWS] }
    }

    /// The sub-window index for `now`, never earlier than one already seen.
    fn index(&self, now: SimTime) -> u64 {
        (now.as_nanos() / self.width).max(self.latest)
    }

    /// The counters of the sub-window containing `now`, emptied first if the slot held an old one.
    fn current(&mut self, now: SimTime) -> &mut C {
        let index = self.index(now);
        self.latest = index;
        let slot = &mut self.slots[(index % SUB_WINDOWS as u64) as usize];
        if slot.0 != index {
            *slot = (index, C::default());
        }
        &mut slot.1
    }

    /// The counters summed over the sub-windows still inside the window at `now`.
    fn total(&self, now: SimTime) -> C {
        let index = self.index(now);
        let mut sum = C::default();
        for &(slot_index, counts) in &self.slots {
            // `latest` never decreases, so no slot is ahead of `index`.
            if index - slot_index < SUB_WINDOWS as u64 {
                sum += counts;
            }
        }
        sum
    }

    /// Forgets everything counted so far.
    fn clear(&mut self) {
        self.slots = [(0, C::default()); SUB_WINDOWS];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_ms(ms: u64) -> SimTime {
        SimTime::from_nanos(ms * 1_000_000)
    }

    #[test]
    fn entries_age_out_after_the_window() {
        // 10 s window → ten 1 s sub-windows. An entry added at 0.5 s (sub-window 0) is counted
        // while now lies in sub-windows 0..=9, i.e. until just before t = 10 s.
        let mut window = SubWindows::<u64>::new(SimDuration::from_secs(10));
        *window.current(at_ms(500)) += 1;
        *window.current(at_ms(3_000)) += 2;
        assert_eq!(window.total(at_ms(9_999)), 3);
        assert_eq!(window.total(at_ms(10_000)), 2);
        assert_eq!(window.total(at_ms(12_999)), 2);
        assert_eq!(window.total(at_ms(13_000)), 0);
    }

    #[test]
    fn a_reused_slot_starts_empty() {
        let mut window = SubWindows::<u64>::new(SimDuration::from_secs(10));
        *window.current(at_ms(1_000)) += 5;
        // Sub-window 11 shares slot 1 with sub-window 1.
        *window.current(at_ms(11_000)) += 1;
        assert_eq!(window.total(at_ms(11_000)), 1);
    }

    #[test]
    fn late_times_count_in_the_newest_sub_window() {
        let mut window = SubWindows::<u64>::new(SimDuration::from_secs(10));
        *window.current(at_ms(15_000)) += 1;
        *window.current(at_ms(2_000)) += 1;
        assert_eq!(window.total(at_ms(15_000)), 2);
        window.clear();
        assert_eq!(window.total(at_ms(15_000)), 0);
    }
}
