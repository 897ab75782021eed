//! Token bucket rate limiter with exact integer refill, so it admits exactly what its rate and
//! burst allow, however long the run.

use faultline_engine::SimTime;

/// Sub-units per token. With 10^15 per token, a rate of `r` tokens/s refills `r × 10^6`
/// sub-units per nanosecond, an integer for any rate given to the millionth of a token per second.
const UNITS_PER_TOKEN: u128 = 1_000_000_000_000_000;

/// Sub-units per nanosecond for a rate of one token per second.
const UNITS_PER_NANO_AT_ONE_PER_SEC: f64 = 1e6;

/// A token bucket: `rate` tokens per second, at most `burst` tokens, starting full.
///
/// Tokens are kept as an integer count of 10^-15 tokens, refilled by elapsed nanoseconds × an
/// integer rate. A floating-point level would drift (ten refills of 0.1 token are not one token),
/// and a token due at exactly 100 ms could arrive a nanosecond late. Here it cannot: the rate is
/// rounded once, to the nearest millionth of a token per second, and everything after is exact.
#[derive(Clone, Debug)]
pub struct TokenBucket {
    /// Sub-units added per nanosecond.
    refill_per_nano: u128,
    /// `burst` tokens in sub-units.
    capacity: u128,
    /// Current level in sub-units, as of `last`.
    level: u128,
    /// The latest time seen; refills are computed from here.
    last: SimTime,
}

impl TokenBucket {
    /// `rate` tokens per second (rounded to the nearest millionth), at most `burst` tokens,
    /// starting full.
    ///
    /// # Panics
    /// If `rate` is negative or not finite.
    pub fn new(rate: f64, burst: u32) -> Self {
        assert!(rate.is_finite() && rate >= 0.0, "token rate must be finite and ≥ 0, got {rate}");
        let capacity = u128::from(burst) * UNITS_PER_TOKEN;
        TokenBucket {
            // A finite f64 cast to u128 saturates, and even 1e300 × 1e6 stays finite.
            refill_per_nano: (rate * UNITS_PER_NANO_AT_ONE_PER_SEC).round() as u128,
            capacity,
            level: capacity,
            last: SimTime::ZERO,
        }
    }

    /// Takes one token if available at `now`.
    pub fn try_take(&mut self, now: SimTime) -> bool {
        self.refill(now);
        if self.level < UNITS_PER_TOKEN {
            return false;
        }
        self.level -= UNITS_PER_TOKEN;
        true
    }

    /// Whole tokens available at `now`, without taking any.
    pub fn available(&self, now: SimTime) -> u32 {
        // ≤ burst, which is a u32.
        (self.level_at(now) / UNITS_PER_TOKEN) as u32
    }

    fn refill(&mut self, now: SimTime) {
        self.level = self.level_at(now);
        self.last = self.last.max(now);
    }

    /// The level at `now`; a `now` before the last one seen adds nothing.
    fn level_at(&self, now: SimTime) -> u128 {
        let elapsed = u128::from(now.saturating_since(self.last).as_nanos());
        // u64 ns × (rate × 10^6) fits u128 for any rate below ~10^13 tokens/s; saturate beyond.
        let added = elapsed.saturating_mul(self.refill_per_nano);
        self.level.saturating_add(added).min(self.capacity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_ms(ms: u64) -> SimTime {
        SimTime::from_nanos(ms * 1_000_000)
    }

    fn admitted(bucket: &mut TokenBucket, times: impl IntoIterator<Item = SimTime>) -> usize {
        times.into_iter().filter(|&t| bucket.try_take(t)).count()
    }

    #[test]
    fn burst_then_rate() {
        // Burst 5, 10/s. Twenty at t = 0: the 5 stored tokens. Twenty at t = 1 s: 10 tokens have
        // been earned but the bucket holds only 5. Then one every 10 ms over (1 s, 2 s]: a token
        // accrues every 100 ms, exactly at 1.1, 1.2, …, 2.0 s, so 10 of the 100 get one.
        let mut bucket = TokenBucket::new(10.0, 5);
        assert_eq!(admitted(&mut bucket, [at_ms(0); 20]), 5);
        assert_eq!(admitted(&mut bucket, [at_ms(1_000); 20]), 5);
        assert_eq!(admitted(&mut bucket, (1..=100).map(|i| at_ms(1_000 + 10 * i))), 10);
    }

    #[test]
    fn steady_arrivals_at_twice_the_rate() {
        // Burst 1, 10/s, a request every 50 ms at t = 0, 50, …, 10 000 ms (201 requests). The
        // first takes the initial token; after that a token accrues exactly every 100 ms, so the
        // requests at 100, 200, …, 10 000 ms are admitted and those at odd multiples of 50 ms
        // find half a token: 1 + 100 = 101.
        let mut bucket = TokenBucket::new(10.0, 1);
        assert_eq!(admitted(&mut bucket, (0..=200).map(|i| at_ms(50 * i))), 101);
    }

    #[test]
    fn fractional_rate_is_exact_to_the_nanosecond() {
        // 0.5/s: the next token is due 2 s after the first is taken, not a nanosecond earlier.
        let mut bucket = TokenBucket::new(0.5, 1);
        assert!(bucket.try_take(at_ms(0)));
        assert!(!bucket.try_take(SimTime::from_nanos(1_999_999_999)));
        assert!(bucket.try_take(at_ms(2_000)));
        // 1/3 per second is rounded to 333 333 sub-units per ns (0.333333 tokens/s). One token
        // is 10^15 sub-units: 3 000 003 000 ns earn 999 999 999 999 000 of them, one ns more
        // earns 1 000 000 000 332 333, so the token is due at exactly 3 000 003 001 ns.
        let mut bucket = TokenBucket::new(1.0 / 3.0, 1);
        assert!(bucket.try_take(at_ms(0)));
        assert!(!bucket.try_take(SimTime::from_nanos(3_000_003_000)));
        assert!(bucket.try_take(SimTime::from_nanos(3_000_003_001)));
    }

    #[test]
    fn never_holds_more_than_the_burst() {
        let mut bucket = TokenBucket::new(1_000.0, 3);
        assert_eq!(admitted(&mut bucket, [at_ms(0); 3]), 3);
        let a_day_later = SimTime::from_nanos(86_400 * 1_000_000_000);
        assert_eq!(bucket.available(a_day_later), 3);
        assert_eq!(admitted(&mut bucket, [a_day_later; 10]), 3);
        assert_eq!(admitted(&mut bucket, [SimTime::MAX; 10]), 3, "no overflow at the end of time");
    }

    #[test]
    fn zero_rate_and_zero_burst() {
        let mut no_refill = TokenBucket::new(0.0, 2);
        assert_eq!(admitted(&mut no_refill, (0..100).map(|s| at_ms(1_000 * s))), 2);
        let mut empty = TokenBucket::new(1e6, 0);
        assert!(!empty.try_take(at_ms(5)));
    }

    #[test]
    fn an_earlier_time_adds_nothing() {
        let mut bucket = TokenBucket::new(10.0, 1);
        assert!(bucket.try_take(at_ms(1_000)));
        assert!(!bucket.try_take(at_ms(500)));
        assert!(!bucket.try_take(at_ms(1_099)), "refill still counts from 1 s, not 0.5 s");
        assert!(bucket.try_take(at_ms(1_100)));
    }
}
