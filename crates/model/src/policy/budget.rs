//! Retry budget: retries may be at most a fixed fraction of the first attempts made recently, so
//! retries cannot multiply load on a struggling dependency.

use super::SubWindows;
use faultline_engine::{SimDuration, SimTime};
use std::ops::AddAssign;

/// The ratio is kept in millionths so the budget is integer arithmetic: `⌊0.29 × 100⌋` in floating
/// point is 28, because 0.29 × 100 rounds to 28.999999999999996.
const RATIO_SCALE: u64 = 1_000_000;

/// First attempts and retries counted in one sub-window.
#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    calls: u64,
    retries: u64,
}

impl AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.calls += other.calls;
        self.retries += other.retries;
    }
}

/// Retries may be at most `ratio` of the calls (first attempts) made in the last `window`.
///
/// The budget at `now` is `max(min_retries_per_window, ⌊ratio × calls⌋) − retries`, both counted
/// over the window. The window slides in ten steps: a call or retry stops counting between 0.9 and
/// 1.0 window after it was recorded (see the module's sliding window). Retries are not calls: a
/// retry never raises the budget for further retries.
#[derive(Clone, Debug)]
pub struct RetryBudget {
    /// `ratio` in millionths, rounded to nearest.
    ratio_millionths: u64,
    min_retries_per_window: u32,
    counts: SubWindows<Counts>,
}

impl RetryBudget {
    /// `ratio` is rounded to the nearest millionth.
    ///
    /// # Panics
    /// If `ratio` is negative or not finite, or `window` is zero.
    pub fn new(ratio: f64, window: SimDuration, min_retries_per_window: u32) -> Self {
        assert!(
            ratio.is_finite() && ratio >= 0.0,
            "retry ratio must be finite and ≥ 0, got {ratio}"
        );
        RetryBudget {
            ratio_millionths: (ratio * RATIO_SCALE as f64).round() as u64,
            min_retries_per_window,
            counts: SubWindows::new(window),
        }
    }

    /// A first attempt was made at `now`.
    pub fn record_call(&mut self, now: SimTime) {
        self.counts.current(now).calls += 1;
    }

    /// Asks to spend one retry now; true (and recorded) if within budget, false otherwise.
    pub fn try_retry(&mut self, now: SimTime) -> bool {
        if self.remaining(now) == 0 {
            return false;
        }
        self.counts.current(now).retries += 1;
        true
    }

    /// Retries that would still be granted at `now`.
    pub fn remaining(&self, now: SimTime) -> u64 {
        let Counts { calls, retries } = self.counts.total(now);
        // u128: calls × ratio in millionths could pass u64 for absurd call counts.
        let earned = (u128::from(calls) * u128::from(self.ratio_millionths)
            / u128::from(RATIO_SCALE))
        .min(u128::from(u64::MAX)) as u64;
        earned.max(u64::from(self.min_retries_per_window)).saturating_sub(retries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_ms(ms: u64) -> SimTime {
        SimTime::from_nanos(ms * 1_000_000)
    }

    /// 10 % of the last 10 s (ten 1 s sub-windows), with a floor of `min` retries.
    fn budget(min: u32) -> RetryBudget {
        RetryBudget::new(0.1, SimDuration::from_secs(10), min)
    }

    /// Asks for retries at `now` until refused; returns how many were granted.
    fn grant_all(budget: &mut RetryBudget, now: SimTime) -> u32 {
        let mut granted = 0;
        while budget.try_retry(now) {
            granted += 1;
            assert!(granted <= 1_000, "budget never ran out");
        }
        granted
    }

    #[test]
    fn ten_percent_of_a_hundred_calls_is_ten_retries() {
        let mut budget = budget(0);
        for i in 0..100 {
            budget.record_call(at_ms(i * 50)); // spread over 0..5 s, all inside the window
        }
        for _ in 0..10 {
            assert!(budget.try_retry(at_ms(5_000)));
        }
        assert!(!budget.try_retry(at_ms(5_000)), "the 11th retry is over budget");
        assert_eq!(budget.remaining(at_ms(5_000)), 0);
    }

    #[test]
    fn after_a_quiet_window_only_the_minimum_is_granted() {
        let mut budget = budget(3);
        for _ in 0..100 {
            budget.record_call(at_ms(0));
        }
        assert_eq!(grant_all(&mut budget, at_ms(1_000)), 10);
        // At 20 s both the calls (sub-window 0) and the retries (sub-window 1) have aged out.
        assert_eq!(grant_all(&mut budget, at_ms(20_000)), 3);
        assert_eq!(grant_all(&mut budget, at_ms(20_500)), 0, "the minimum is per window");
    }

    #[test]
    fn old_calls_stop_earning_retries() {
        // 50 calls at 0 s (sub-window 0) and 50 at 5 s (sub-window 5). At 9.999 s all 100 count;
        // at 10 s sub-window 0 has left the window, so only 50 calls earn ⌊0.1 × 50⌋ = 5.
        let mut budget = budget(0);
        for _ in 0..50 {
            budget.record_call(at_ms(0));
        }
        for _ in 0..50 {
            budget.record_call(at_ms(5_000));
        }
        assert_eq!(budget.remaining(at_ms(9_999)), 10);
        assert_eq!(grant_all(&mut budget, at_ms(10_000)), 5);
        // Those 5 retries (sub-window 10) outlive the calls at 5 s, which leave at 15 s.
        assert_eq!(budget.remaining(at_ms(15_000)), 0);
        budget.record_call(at_ms(15_000));
        assert_eq!(budget.remaining(at_ms(15_000)), 0);
    }

    #[test]
    fn ratio_is_exact_in_millionths() {
        // ⌊0.29 × 100⌋ = 29, though 0.29 × 100 is 28.999999999999996 in floating point.
        let mut budget = RetryBudget::new(0.29, SimDuration::from_secs(1), 0);
        for _ in 0..100 {
            budget.record_call(at_ms(0));
        }
        assert_eq!(grant_all(&mut budget, at_ms(0)), 29);
    }

    #[test]
    fn retries_do_not_earn_more_retries() {
        let mut budget = RetryBudget::new(1.0, SimDuration::from_secs(1), 0);
        budget.record_call(at_ms(0));
        budget.record_call(at_ms(0));
        assert_eq!(grant_all(&mut budget, at_ms(0)), 2);
    }
}
