//! Time-weighted averages of piecewise-constant quantities (queue length, busy workers).

use faultline_engine::SimTime;

/// The integral of a step function over time, counted from `from` onwards.
#[derive(Clone, Copy, Debug, Default)]
pub struct TimeAverage {
    from: SimTime,
    last: SimTime,
    value: f64,
    /// Integral of the value over [from, last], in value × nanoseconds.
    area: f64,
}

impl TimeAverage {
    /// Starts integrating at `from`; changes before it only set the current value.
    pub fn starting_at(from: SimTime) -> Self {
        TimeAverage { from, ..Default::default() }
    }

    #[inline]
    pub fn set(&mut self, now: SimTime, value: f64) {
        self.advance(now);
        self.value = value;
    }

    #[inline]
    fn advance(&mut self, now: SimTime) {
        let start = self.last.max(self.from);
        if now > start {
            self.area += self.value * (now - start).as_nanos() as f64;
        }
        self.last = now;
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    /// The average over [from, until].
    pub fn mean_until(&self, until: SimTime) -> f64 {
        let mut copy = *self;
        copy.advance(until);
        let span = until.saturating_since(self.from).as_nanos() as f64;
        if span > 0.0 { copy.area / span } else { copy.value }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_a_step_function_from_its_start() {
        let t = SimTime::from_nanos;
        let mut avg = TimeAverage::starting_at(t(10));
        avg.set(t(0), 5.0); // before the start: not counted
        avg.set(t(20), 1.0); // 5 over [10, 20]
        avg.set(t(30), 0.0); // 1 over [20, 30]
        assert_eq!(avg.mean_until(t(40)), (50.0 + 10.0) / 30.0);
    }
}
