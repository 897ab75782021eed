//! Open-loop clients: they send requests on their own schedule whatever the system does.
//!
//! While the load shape's rate is zero (a spike of factor 0) a client sends nothing, and it
//! carries on when the rate comes back; only a rate that stays zero ends its requests.
//!
//! A scheduled client sends one request each time its calendar schedule fires, simulated time
//! zero standing for the world's `start`; it draws nothing.

use faultline_engine::{RngStreams, SimDuration, SimRng, SimTime};
use rand::RngExt;
use rand_distr::Exp1;

use crate::payload::PayloadSource;
use crate::{ArrivalProcess, ClientConfig, LoadShape, Payload, Rate, Schedule, Timestamp};

#[derive(Debug)]
pub(crate) struct Client {
    process: ArrivalProcess,
    rate: Rate,
    shape: LoadShape,
    /// The stretch of the shape the last candidate fell in (see [`LoadShape::stretch`]): its
    /// rate bound, 1 / that bound (a multiply, not a divide, per candidate), and its end.
    bound: f64,
    mean_gap: f64,
    stretch_end: SimTime,
    rng: SimRng,
    payloads: PayloadSource,
    /// Set for a scheduled client, which follows it instead of `process`, `rate` and `shape`.
    calendar: Option<Box<Calendar>>,
}

/// A schedule and the instant simulated time zero stands for.
#[derive(Debug)]
struct Calendar {
    schedule: Schedule,
    /// `start` in ns since the Unix epoch.
    start: i128,
    /// No firing has been looked for yet: one exactly at the start counts.
    first: bool,
}

impl Client {
    /// The client of `config` in a world whose time zero is the instant `start`.
    pub(crate) fn new(config: &ClientConfig, start: Timestamp, streams: &RngStreams) -> Self {
        Client {
            process: config.process,
            rate: config.rate,
            shape: config.shape,
            bound: 0.0,
            mean_gap: 0.0,
            // Ended already: the first candidate looks its stretch up.
            stretch_end: SimTime::ZERO,
            rng: streams.stream(&format!("client/{}/arrivals", config.name)),
            payloads: PayloadSource::new(&config.name, config.key, &config.fields, streams),
            calendar: config.schedule.as_ref().map(|schedule| {
                let start = start.as_nanosecond();
                Box::new(Calendar { schedule: schedule.clone(), start, first: true })
            }),
        }
    }

    /// The key and fields of the next request.
    #[inline]
    pub(crate) fn next_payload(&mut self) -> Payload {
        self.payloads.next()
    }

    /// The instant of the next request after `now`, or `None` if the load has dropped to zero
    /// for good. A pause (a spike of factor 0) holds requests back until it ends.
    pub(crate) fn next_arrival(&mut self, now: SimTime, end: SimTime) -> Option<SimTime> {
        if let Some(calendar) = &mut self.calendar {
            return calendar.next_firing(now, end);
        }
        match self.process {
            ArrivalProcess::Poisson => self.next_poisson(now, end),
            ArrivalProcess::Fixed => self.next_fixed(now),
        }
    }

    /// One gap of 1 / rate, with the rate where the gap starts; a gap that would end inside a
    /// pause starts again when the pause ends (as the first gap starts at time zero).
    fn next_fixed(&self, now: SimTime) -> Option<SimTime> {
        let gap_from = |at: SimTime| {
            let rate = self.shape.rate_at(self.rate, at);
            (rate > 0.0).then(|| at + SimDuration::from_secs_f64(1.0 / rate))
        };
        let next = gap_from(self.shape.resumes_at(self.rate, now)?)?;
        if self.shape.rate_at(self.rate, next) > 0.0 {
            return Some(next);
        }
        gap_from(self.shape.resumes_at(self.rate, next)?)
    }

    /// Thinning (Lewis–Shedler), stretch by stretch: candidates at the rate bound of the
    /// stretch they fall in, each kept with probability rate(t) / bound. A candidate past the
    /// stretch's end is dropped and drawing starts afresh there, which is exact because the
    /// process is memoryless. A constant stretch never draws the extra uniform.
    fn next_poisson(&mut self, now: SimTime, end: SimTime) -> Option<SimTime> {
        let mut t = now;
        while t <= end {
            if t >= self.stretch_end {
                self.enter_stretch(t);
            }
            if self.bound <= 0.0 {
                // A pause: nothing to draw until it ends (never, for the last stretch).
                t = self.stretch_end;
                continue;
            }
            let gap: f64 = self.rng.sample(Exp1);
            let candidate = t + SimDuration::from_secs_f64(gap * self.mean_gap);
            if candidate >= self.stretch_end {
                t = self.stretch_end;
                continue;
            }
            t = candidate;
            let rate = self.shape.rate_at(self.rate, t);
            if rate >= self.bound || self.rng.random::<f64>() * self.bound < rate {
                return Some(t);
            }
        }
        None
    }

    fn enter_stretch(&mut self, at: SimTime) {
        let (bound, until) = self.shape.stretch(self.rate, at);
        self.bound = bound;
        self.mean_gap = 1.0 / bound;
        self.stretch_end = until;
    }
}

impl Calendar {
    /// The first firing after `now` (at or after it, the first time), as simulated time, or
    /// `None` if there is none by `end`.
    fn next_firing(&mut self, now: SimTime, end: SimTime) -> Option<SimTime> {
        let mut after = self.start + i128::from(now.as_nanos());
        if std::mem::take(&mut self.first) {
            after -= 1;
        }
        let firing = self.schedule.next_after(Timestamp::from_nanosecond(after).ok()?)?;
        let at = u64::try_from(firing.as_nanosecond() - self.start).ok()?;
        (at <= end.as_nanos()).then_some(SimTime::from_nanos(at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CallConfig;

    fn s(secs: u64) -> SimTime {
        SimTime::from_nanos(secs * 1_000_000_000)
    }

    /// Arrival times of a 10/s client paused (spike of factor 0) from 10 s to 20 s of 60 s.
    fn arrivals(process: ArrivalProcess) -> Vec<SimTime> {
        let pause = LoadShape::Spike { at: s(10), until: s(20), factor: 0.0 };
        arrivals_of(process, 10.0, pause, s(60))
    }

    fn arrivals_of(
        process: ArrivalProcess,
        rate: f64,
        shape: LoadShape,
        end: SimTime,
    ) -> Vec<SimTime> {
        let config = ClientConfig {
            name: "c".into(),
            process,
            rate: Rate(rate),
            shape,
            call: CallConfig::plain(crate::Endpoint::Service(0), None),
            class: 0,
            key: None,
            fields: vec![],
            schedule: None,
        };
        let mut client = Client::new(&config, Timestamp::UNIX_EPOCH, &RngStreams::new(3));
        let mut times = vec![];
        let mut now = SimTime::ZERO;
        while let Some(t) = client.next_arrival(now, end).filter(|t| *t <= end) {
            times.push(t);
            now = t;
        }
        times
    }

    fn count(times: &[SimTime], from: u64, to: u64) -> usize {
        times.iter().filter(|t| **t >= s(from) && **t < s(to)).count()
    }

    #[test]
    fn a_fixed_client_resumes_after_a_pause() {
        let times = arrivals(ArrivalProcess::Fixed);
        assert_eq!(count(&times, 10, 20), 0, "nothing is sent during the pause");
        let after = count(&times, 20, 61);
        assert!((399..=401).contains(&after), "{after} arrivals in the last 40 s at 10/s");
    }

    #[test]
    fn a_poisson_client_resumes_after_a_pause() {
        let times = arrivals(ArrivalProcess::Poisson);
        assert_eq!(count(&times, 10, 20), 0, "nothing is sent during the pause");
        let after = count(&times, 20, 61);
        // 400 expected; four standard deviations (4 × 20) either side.
        assert!((320..=480).contains(&after), "{after} arrivals in the last 40 s at 10/s");
    }

    /// A brief huge spike is thinned within its own stretch: the 29.99995 s around it draw at
    /// the base rate (the run would otherwise draw 10⁸ candidates per second for 30 s).
    #[test]
    fn a_poisson_client_thins_each_stretch_at_its_own_rate() {
        let at = s(15);
        let until = at + SimDuration::from_nanos(50_000);
        let spike = LoadShape::Spike { at, until, factor: 1e6 };
        let times = arrivals_of(ArrivalProcess::Poisson, 100.0, spike, s(30));
        let inside = times.iter().filter(|t| **t >= at && **t < until).count() as f64;
        let outside = times.len() as f64 - inside;
        // Poisson counts: 5,000 expected inside (sd 71), 3,000 outside (sd 55); 4 sd either side.
        assert!((inside - 5_000.0).abs() < 4.0 * 71.0, "{inside} arrivals in the spike");
        assert!((outside - 3_000.0).abs() < 4.0 * 55.0, "{outside} arrivals around it");
    }

    /// Within a ramp, candidates at the stretch's peak are thinned to the rate at their instant.
    #[test]
    fn a_poisson_client_follows_a_ramp() {
        let ramp = LoadShape::Ramp { to: Rate(200.0), start: s(10), end: s(30) };
        let times = arrivals_of(ArrivalProcess::Poisson, 0.0001, ramp, s(40));
        // The rate climbs from about 0 to 200/s over 10–30 s: 500 expected in the first half
        // (sd 22), 1,500 in the second (sd 39), then 2,000 at 200/s (sd 45); 4 sd either side.
        let (first, second, flat) =
            (count(&times, 10, 20), count(&times, 20, 30), count(&times, 30, 41));
        assert!(first.abs_diff(500) < 90, "{first} in 10–20 s");
        assert!(second.abs_diff(1_500) < 156, "{second} in 20–30 s");
        assert!(flat.abs_diff(2_000) < 180, "{flat} in 30–40 s");
        assert_eq!(count(&times, 0, 10), 0, "about 0.001 expected before the ramp");
    }

    /// A ramp across eight orders of magnitude over 1,001 days, in a 30 s run: candidates are
    /// drawn near the rate of the moment (the ramp's stretches double), not at 10⁹/s.
    #[test]
    fn a_poisson_client_thins_a_long_steep_ramp_near_its_current_rate() {
        let (start, days) = (s(3), 1001 * 86_400);
        let ramp = LoadShape::Ramp { to: Rate(1e9), start, end: s(days) };
        let times = arrivals_of(ArrivalProcess::Poisson, 20.0, ramp, s(30));
        // 20/s for 30 s, plus a slope of (10⁹ − 20) / (1,001 days − 3 s) ≈ 11.56/s² over 27 s:
        // 600 + 11.56 × 27² / 2 ≈ 4,814 expected (sd 69); 4 sd either side.
        let slope = (1e9 - 20.0) / (days as f64 - 3.0);
        let expected = 600.0 + slope * 27.0 * 27.0 / 2.0;
        let n = times.len() as f64;
        assert!(
            (n - expected).abs() < 4.0 * expected.sqrt(),
            "{n} arrivals, {expected:.0} expected"
        );
    }
}
