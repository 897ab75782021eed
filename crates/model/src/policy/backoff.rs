//! Delays between retries: constant or capped exponential backoff, with the jitter variants of
//! AWS's "Exponential Backoff and Jitter".

use faultline_engine::{SimDuration, SimRng};
use rand::RngExt;

/// How a retry delay is randomised around (or below) the un-jittered backoff `d`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jitter {
    /// Exactly `d`: every client retries in lock-step, the thundering herd.
    None,
    /// Uniform in `[0, d]`.
    Full,
    /// `d/2` plus uniform in `[0, d/2]`: never shorter than half the backoff.
    Equal,
    /// Uniform in `[base, 3 × previous]`, capped: each delay grows from the last one drawn rather
    /// than from the retry number.
    Decorrelated,
}

/// The un-jittered delay `d(n)` before retry `n`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Backoff {
    /// Always the same delay.
    Constant(SimDuration),
    /// `min(cap, base × multiplier^(n-1))`.
    Exponential { base: SimDuration, multiplier: f64, cap: SimDuration },
}

impl Backoff {
    /// `(base, cap)`: the shortest and longest un-jittered delays. Constant is its own base and cap.
    fn base_and_cap(&self) -> (SimDuration, SimDuration) {
        match *self {
            Backoff::Constant(delay) => (delay, delay),
            Backoff::Exponential { base, cap, .. } => (base, cap),
        }
    }
}

/// A retry-delay policy: a [`Backoff`] shape and a [`Jitter`] kind.
///
/// Stateless: decorrelated jitter's only memory, the previous delay, is passed in by the caller,
/// so one policy can serve every request of a client.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryDelay {
    backoff: Backoff,
    jitter: Jitter,
}

impl RetryDelay {
    /// # Panics
    /// If an exponential multiplier is not a finite number ≥ 1 (a shrinking backoff is a
    /// configuration mistake the scenario layer should have rejected).
    pub fn new(backoff: Backoff, jitter: Jitter) -> Self {
        if let Backoff::Exponential { multiplier, .. } = backoff {
            assert!(
                multiplier.is_finite() && multiplier >= 1.0,
                "backoff multiplier must be finite and at least 1, got {multiplier}"
            );
        }
        RetryDelay { backoff, jitter }
    }

    pub fn backoff(&self) -> Backoff {
        self.backoff
    }

    pub fn jitter(&self) -> Jitter {
        self.jitter
    }

    /// The un-jittered delay `d(n)` before retry `retry` (1 = first retry; 0 is treated as 1).
    /// Saturates at the cap however large `retry` or the multiplier is.
    pub fn unjittered(&self, retry: u32) -> SimDuration {
        match self.backoff {
            Backoff::Constant(delay) => delay,
            Backoff::Exponential { base, multiplier, cap } => {
                let exponent = retry.saturating_sub(1);
                SimDuration::from_nanos(scaled(
                    base.as_nanos(),
                    multiplier,
                    exponent,
                    cap.as_nanos(),
                ))
            }
        }
    }

    /// Delay before retry number `retry` (1 = first retry). `previous` is the delay used before
    /// the previous retry (`None` for the first), needed by decorrelated jitter.
    ///
    /// A jittered delay consumes exactly one draw from `rng` and [`Jitter::None`] consumes none,
    /// so the stream stays aligned across variants that differ only in their parameters.
    pub fn delay(
        &self,
        retry: u32,
        previous: Option<SimDuration>,
        rng: &mut SimRng,
    ) -> SimDuration {
        let (lo, hi) = self.bounds(retry, previous);
        match self.jitter {
            Jitter::None => lo,
            Jitter::Full | Jitter::Equal | Jitter::Decorrelated => uniform(lo, hi, rng),
        }
    }

    /// The bounds `[lo, hi]` that [`delay`](Self::delay) always falls within for this retry:
    /// `[d, d]` (None), `[0, d]` (Full), `[d - ⌊d/2⌋, d]` (Equal) and
    /// `[min(cap, base), min(cap, max(base, 3 × previous))]` with `previous` defaulting to `base`
    /// (Decorrelated; neither the multiplier nor `retry` plays a part).
    pub fn bounds(&self, retry: u32, previous: Option<SimDuration>) -> (SimDuration, SimDuration) {
        match self.jitter {
            Jitter::None => {
                let d = self.unjittered(retry);
                (d, d)
            }
            Jitter::Full => (SimDuration::ZERO, self.unjittered(retry)),
            Jitter::Equal => {
                // ⌈d/2⌉ + U[0, ⌊d/2⌋]: the two halves add up to d even for an odd number of ns.
                let d = self.unjittered(retry).as_nanos();
                (SimDuration::from_nanos(d - d / 2), SimDuration::from_nanos(d))
            }
            Jitter::Decorrelated => {
                let (base, cap) = self.backoff.base_and_cap();
                let grown = previous.unwrap_or(base).as_nanos().saturating_mul(3);
                let hi = SimDuration::from_nanos(grown).max(base).min(cap);
                (base.min(cap), hi)
            }
        }
    }
}

/// `min(cap, base × multiplier^exponent)` in nanoseconds.
///
/// Exponentiation by squaring rather than `powf`: every step is one IEEE multiplication, which is
/// exactly rounded everywhere, so the result does not depend on the platform's libm. An overflow
/// to infinity simply compares above the cap.
fn scaled(base: u64, multiplier: f64, exponent: u32, cap: u64) -> u64 {
    if base == 0 {
        return 0; // 0 × ∞ would be NaN
    }
    let (mut factor, mut square, mut rest) = (1.0_f64, multiplier, exponent);
    while rest > 0 {
        if rest & 1 == 1 {
            factor *= square;
        }
        square *= square;
        rest >>= 1;
    }
    let nanos = base as f64 * factor;
    // Checked in floating point first: a cast of ∞ or of anything ≥ 2^64 would saturate anyway,
    // but the comparison says what is meant.
    if nanos >= cap as f64 { cap } else { (nanos.round() as u64).min(cap) }
}

/// Uniform in `[lo, hi]` (to the nanosecond, `hi` itself only by rounding) from one draw.
fn uniform(lo: SimDuration, hi: SimDuration, rng: &mut SimRng) -> SimDuration {
    let span = hi.as_nanos() - lo.as_nanos();
    let offset = (span as f64 * rng.random::<f64>()) as u64;
    // `span as f64` may round up for spans above 2^53 ns (104 days); clamp so `hi` holds.
    SimDuration::from_nanos(lo.as_nanos() + offset.min(span))
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_engine::RngStreams;

    const MS: u64 = 1_000_000;

    fn ms(millis: u64) -> SimDuration {
        SimDuration::from_millis(millis)
    }

    /// base 100 ms, ×2 per retry, capped at 1 s.
    fn doubling(jitter: Jitter) -> RetryDelay {
        RetryDelay::new(
            Backoff::Exponential { base: ms(100), multiplier: 2.0, cap: ms(1000) },
            jitter,
        )
    }

    #[test]
    fn exponential_sequence_doubles_up_to_the_cap() {
        // 100·2^0, 100·2^1, 100·2^2, 100·2^3 = 800, then 1600 and 3200 capped at 1000.
        let policy = doubling(Jitter::None);
        let mut rng = RngStreams::new(1).stream("backoff");
        let got: Vec<u64> =
            (1..=6).map(|n| policy.delay(n, None, &mut rng).as_nanos() / MS).collect();
        assert_eq!(got, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(policy.unjittered(0), ms(100), "retry 0 is read as the first retry");
    }

    #[test]
    fn fractional_multiplier_rounds_to_the_nanosecond() {
        // 100 ms × 1.5^k: 100, 150, 225, 337.5 ms exactly (1.5^k is exact in binary).
        let policy = RetryDelay::new(
            Backoff::Exponential {
                base: ms(100),
                multiplier: 1.5,
                cap: SimDuration::from_secs(60),
            },
            Jitter::None,
        );
        let got: Vec<u64> = (1..=4).map(|n| policy.unjittered(n).as_nanos()).collect();
        assert_eq!(got, [100 * MS, 150 * MS, 225 * MS, 337_500_000]);
    }

    #[test]
    fn huge_retry_numbers_and_multipliers_saturate_at_the_cap() {
        let policy = doubling(Jitter::None);
        assert_eq!(policy.unjittered(u32::MAX), ms(1000));
        let steep = RetryDelay::new(
            Backoff::Exponential { base: ms(1), multiplier: 1e300, cap: SimDuration::MAX },
            Jitter::None,
        );
        assert_eq!(steep.unjittered(3), SimDuration::MAX, "1e600 overflows to ∞, then caps");
        let from_zero = RetryDelay::new(
            Backoff::Exponential { base: SimDuration::ZERO, multiplier: 1e300, cap: ms(5) },
            Jitter::None,
        );
        assert_eq!(from_zero.unjittered(100), SimDuration::ZERO);
    }

    #[test]
    fn constant_backoff_ignores_the_retry_number() {
        let policy = RetryDelay::new(Backoff::Constant(ms(250)), Jitter::None);
        assert_eq!(policy.unjittered(1), ms(250));
        assert_eq!(policy.unjittered(40), ms(250));
        // Decorrelated on a constant backoff has base = cap, so it cannot move.
        let decorrelated = RetryDelay::new(Backoff::Constant(ms(250)), Jitter::Decorrelated);
        let mut rng = RngStreams::new(2).stream("backoff");
        assert_eq!(decorrelated.delay(3, Some(ms(250)), &mut rng), ms(250));
    }

    /// Mean of 10,000 delays for retry `n`, asserting each lies within `bounds`.
    fn mean_within_bounds(policy: RetryDelay, n: u32) -> f64 {
        let mut rng = RngStreams::new(7).stream("backoff/jitter");
        let (lo, hi) = policy.bounds(n, None);
        let mut sum = 0.0;
        for _ in 0..10_000 {
            let delay = policy.delay(n, None, &mut rng);
            assert!(lo <= delay && delay <= hi, "{policy:?}: {delay:?} outside [{lo:?}, {hi:?}]");
            sum += delay.as_secs_f64();
        }
        sum / 10_000.0
    }

    #[test]
    fn full_and_equal_jitter_stay_in_bounds_with_the_analytic_mean() {
        // Retry 3: d = 400 ms. Full is U[0, d]: mean d/2 = 200 ms, sd d/√12 ≈ 115 ms, so the
        // standard error of 10,000 draws is ≈ 1.2 ms. Equal is d/2 + U[0, d/2]: mean 3d/4 =
        // 300 ms, standard error ≈ 0.6 ms. A 6 ms tolerance is five or more standard errors.
        assert_eq!(doubling(Jitter::Full).bounds(3, None), (SimDuration::ZERO, ms(400)));
        assert_eq!(doubling(Jitter::Equal).bounds(3, None), (ms(200), ms(400)));
        let full = mean_within_bounds(doubling(Jitter::Full), 3);
        let equal = mean_within_bounds(doubling(Jitter::Equal), 3);
        assert!((full - 0.200).abs() < 0.006, "full jitter mean {full}");
        assert!((equal - 0.300).abs() < 0.006, "equal jitter mean {equal}");
    }

    #[test]
    fn no_jitter_draws_nothing_and_equals_its_bounds() {
        let policy = doubling(Jitter::None);
        assert_eq!(policy.bounds(2, None), (ms(200), ms(200)));
        let mut rng = RngStreams::new(3).stream("backoff");
        let mut untouched = rng.clone();
        policy.delay(2, None, &mut rng);
        assert_eq!(rng.random::<u64>(), untouched.random::<u64>());
    }

    #[test]
    fn equal_jitter_on_an_odd_delay_reaches_the_top() {
        let policy = RetryDelay::new(Backoff::Constant(SimDuration::from_nanos(7)), Jitter::Equal);
        assert_eq!(
            policy.bounds(1, None),
            (SimDuration::from_nanos(4), SimDuration::from_nanos(7))
        );
    }

    #[test]
    fn decorrelated_chain_stays_between_base_and_cap() {
        let policy = doubling(Jitter::Decorrelated);
        // First retry: U[base, 3·base] = [100, 300] ms. After a 500 ms delay: [100, 1500] capped.
        assert_eq!(policy.bounds(1, None), (ms(100), ms(300)));
        assert_eq!(policy.bounds(2, Some(ms(500))), (ms(100), ms(1000)));
        let mut rng = RngStreams::new(11).stream("backoff/decorrelated");
        let mut previous = None;
        let mut reached_cap = false;
        for n in 1..=10_000 {
            let (lo, hi) = policy.bounds(n, previous);
            let delay = policy.delay(n, previous, &mut rng);
            assert!(lo <= delay && delay <= hi, "retry {n}: {delay:?} outside [{lo:?}, {hi:?}]");
            assert!(ms(100) <= delay && delay <= ms(1000), "retry {n}: {delay:?}");
            reached_cap |= delay > ms(900);
            previous = Some(delay);
        }
        assert!(reached_cap, "the chain should wander up near the cap");
    }

    #[test]
    #[should_panic(expected = "multiplier")]
    fn shrinking_multiplier_is_refused() {
        RetryDelay::new(
            Backoff::Exponential { base: ms(1), multiplier: 0.5, cap: ms(10) },
            Jitter::None,
        );
    }
}
