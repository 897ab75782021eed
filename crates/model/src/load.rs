//! Offered load over time: a base rate shaped by `Const`, `Ramp`, `Step` or `Spike`.

use faultline_engine::{SimDuration, SimTime};

/// Requests per second.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Rate(pub f64);

/// How a client's rate changes over the run. Times are offsets from the start of the run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LoadShape {
    /// The base rate throughout.
    Const,
    /// Base rate until `start`, then linearly to `to` at `end`, then `to`.
    Ramp { to: Rate, start: SimTime, end: SimTime },
    /// Base rate until `at`, then `to`.
    Step { at: SimTime, to: Rate },
    /// Base rate × `factor` during [`at`, `at + length`), base rate otherwise.
    Spike { at: SimTime, until: SimTime, factor: f64 },
}

impl LoadShape {
    /// The rate at `now` for a client whose base rate is `base`.
    pub fn rate_at(&self, base: Rate, now: SimTime) -> f64 {
        match *self {
            LoadShape::Const => base.0,
            LoadShape::Ramp { to, start, end } => ramp(base.0, to.0, start, end, now),
            LoadShape::Step { at, to } => {
                if now < at {
                    base.0
                } else {
                    to.0
                }
            }
            LoadShape::Spike { at, until, factor } if now >= at && now < until => base.0 * factor,
            LoadShape::Spike { .. } => base.0,
        }
    }

    /// The first instant from `now` on at which the rate is above zero: `now` itself unless the
    /// load is paused there, the end of the pause if it ends, `None` if it never does. (A
    /// client's base rate is above zero, so a ramp is at zero only once it has ended there.)
    pub fn resumes_at(&self, base: Rate, now: SimTime) -> Option<SimTime> {
        if self.rate_at(base, now) > 0.0 {
            return Some(now);
        }
        let later = match *self {
            LoadShape::Const | LoadShape::Ramp { .. } => None,
            LoadShape::Step { at, .. } => (now < at).then_some(at),
            LoadShape::Spike { at, until, .. } => (now >= at && now < until).then_some(until),
        }?;
        (self.rate_at(base, later) > 0.0).then_some(later)
    }

    /// An upper bound of the rate over the whole run.
    pub fn max_rate(&self, base: Rate) -> f64 {
        match *self {
            LoadShape::Const => base.0,
            LoadShape::Ramp { to, .. } | LoadShape::Step { to, .. } => base.0.max(to.0),
            LoadShape::Spike { factor, .. } => base.0 * factor.max(1.0),
        }
    }

    /// The stretch of the shape that `now` falls in: an upper bound of the rate over it, and
    /// the instant it ends (`SimTime::MAX` for the last). A Poisson process thinned stretch by
    /// stretch draws candidates at the rate of the stretch it is in, not at the peak of the
    /// whole run: a brief 10⁶× spike must not cost a million draws per real arrival elsewhere.
    pub fn stretch(&self, base: Rate, now: SimTime) -> (f64, SimTime) {
        let last = SimTime::MAX;
        match *self {
            LoadShape::Const => (base.0, last),
            LoadShape::Step { at, .. } if now < at => (base.0, at),
            LoadShape::Step { to, .. } => (to.0, last),
            LoadShape::Spike { at, .. } if now < at => (base.0, at),
            LoadShape::Spike { until, factor, .. } if now < until => (base.0 * factor, until),
            LoadShape::Spike { .. } => (base.0, last),
            LoadShape::Ramp { start, .. } if now < start => (base.0, start),
            LoadShape::Ramp { to, start, end } if now < end => {
                ramp_stretch(base.0, to.0, start, end, now)
            }
            LoadShape::Ramp { to, .. } => (to.0, last),
        }
    }

    /// Expected number of arrivals in [0, end), used to refuse runs that would blow the limits.
    pub fn expected_arrivals(&self, base: Rate, end: SimTime) -> f64 {
        // The shapes are piecewise linear, so 2,000 midpoint slices are exact to well under 1 %.
        const SLICES: u64 = 2_000;
        let slice = (end.as_nanos() / SLICES).max(1);
        let total: f64 = (0..SLICES)
            .map(|i| self.rate_at(base, SimTime::from_nanos(i * slice + slice / 2)))
            .sum();
        total * slice as f64 / 1e9
    }
}

/// Within a ramp, from `now`, a stretch over which the rate changes by a factor of two at most,
/// and its bound: twice the rate now when rising, the rate now when falling. Thinning then keeps
/// half the candidates or more, and a ramp across many orders of magnitude (20/s to 10⁹/s over
/// days) takes one stretch per doubling instead of drawing at its peak from the start.
fn ramp_stretch(from: f64, to: f64, start: SimTime, end: SimTime, now: SimTime) -> (f64, SimTime) {
    let rate = ramp(from, to, start, end, now);
    let slope = (to - from) / (end - start).as_secs_f64();
    let (bound, secs) = if slope > 0.0 {
        (2.0 * rate, rate / slope)
    } else if slope < 0.0 {
        (rate, rate / (2.0 * -slope))
    } else {
        (rate, f64::INFINITY)
    };
    // At least a nanosecond, so that drawing always moves on.
    let until = now + SimDuration::from_secs_f64(secs).max(SimDuration::from_nanos(1));
    (bound.min(from.max(to)), until.min(end))
}

fn ramp(from: f64, to: f64, start: SimTime, end: SimTime, now: SimTime) -> f64 {
    if now <= start {
        from
    } else if now >= end {
        to
    } else {
        let done = (now - start).as_secs_f64() / (end - start).as_secs_f64();
        from + (to - from) * done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> SimTime {
        SimTime::from_nanos(secs * 1_000_000_000)
    }

    #[test]
    fn shapes_give_the_documented_rates() {
        let base = Rate(100.0);
        let ramp = LoadShape::Ramp { to: Rate(200.0), start: s(10), end: s(20) };
        assert_eq!(ramp.rate_at(base, s(5)), 100.0);
        assert_eq!(ramp.rate_at(base, s(15)), 150.0);
        assert_eq!(ramp.rate_at(base, s(25)), 200.0);
        let step = LoadShape::Step { at: s(10), to: Rate(50.0) };
        assert_eq!((step.rate_at(base, s(9)), step.rate_at(base, s(10))), (100.0, 50.0));
        let spike = LoadShape::Spike { at: s(10), until: s(20), factor: 3.0 };
        assert_eq!(spike.rate_at(base, s(15)), 300.0);
        assert_eq!(spike.rate_at(base, s(20)), 100.0);
        assert_eq!(spike.max_rate(base), 300.0);
    }

    #[test]
    fn a_paused_load_resumes_when_the_pause_ends_or_never() {
        let base = Rate(10.0);
        let pause = LoadShape::Spike { at: s(10), until: s(20), factor: 0.0 };
        assert_eq!(pause.resumes_at(base, s(5)), Some(s(5)));
        assert_eq!(pause.resumes_at(base, s(10)), Some(s(20)));
        assert_eq!(pause.resumes_at(base, s(20)), Some(s(20)));
        let stop = LoadShape::Step { at: s(10), to: Rate(0.0) };
        assert_eq!(stop.resumes_at(base, s(10)), None);
        let fade = LoadShape::Ramp { to: Rate(0.0), start: s(10), end: s(20) };
        assert_eq!(
            (fade.resumes_at(base, s(15)), fade.resumes_at(base, s(20))),
            (Some(s(15)), None)
        );
    }

    #[test]
    fn expected_arrivals_integrates_the_shape() {
        let spike = LoadShape::Spike { at: s(10), until: s(20), factor: 3.0 };
        let n = spike.expected_arrivals(Rate(100.0), s(100));
        assert!((n - 12_000.0).abs() < 120.0, "{n}");
    }
}
