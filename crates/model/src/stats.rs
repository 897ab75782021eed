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

/// A service's queue length and busy workers integrated over time from time zero, on one
/// clock: one update per change, and any span's average is a difference of two integrals.
#[derive(Clone, Copy, Debug, Default)]
pub struct Occupancy {
    last: SimTime,
    queue: u32,
    busy: u32,
    /// Integrals over [0, last], in value × nanoseconds.
    area: Areas,
}

/// The integrals of queue length and busy workers up to some instant.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Areas {
    pub queue: f64,
    pub busy: f64,
}

impl Areas {
    /// Average queue length and busy workers over a span `span_nanos` long, from the integrals
    /// `earlier` taken at its start and these taken at its end.
    pub fn mean_since(&self, earlier: &Areas, span_nanos: u64) -> Areas {
        let span = span_nanos as f64;
        Areas {
            queue: (self.queue - earlier.queue) / span,
            busy: (self.busy - earlier.busy) / span,
        }
    }
}

impl Occupancy {
    #[inline]
    pub fn set(&mut self, now: SimTime, queue: u32, busy: u32) {
        self.area = self.areas_at(now);
        self.last = now;
        self.queue = queue;
        self.busy = busy;
    }

    /// The integrals up to `now` (not before the last change).
    #[inline]
    pub fn areas_at(&self, now: SimTime) -> Areas {
        let dt = now.saturating_since(self.last).as_nanos() as f64;
        Areas {
            queue: self.area.queue + f64::from(self.queue) * dt,
            busy: self.area.busy + f64::from(self.busy) * dt,
        }
    }

    pub fn queue(&self) -> u32 {
        self.queue
    }

    pub fn busy(&self) -> u32 {
        self.busy
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

    #[test]
    fn occupancy_averages_any_span_from_two_snapshots() {
        let t = SimTime::from_nanos;
        let mut occupancy = Occupancy::default();
        occupancy.set(t(0), 4, 1);
        occupancy.set(t(10), 2, 2); // queue 4, busy 1 over [0, 10]
        let at_10 = occupancy.areas_at(t(10));
        occupancy.set(t(30), 0, 0); // queue 2, busy 2 over [10, 30]
        assert_eq!(occupancy.areas_at(t(40)), Areas { queue: 80.0, busy: 50.0 });
        let mean = occupancy.areas_at(t(40)).mean_since(&at_10, 30);
        assert_eq!(mean, Areas { queue: 40.0 / 30.0, busy: 40.0 / 30.0 });
    }
}
