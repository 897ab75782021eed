//! Open-loop clients: they send requests on their own schedule whatever the system does.
//!
//! While the load shape's rate is zero (a spike of factor 0) a client sends nothing, and it
//! carries on when the rate comes back; only a rate that stays zero ends its requests.
//!
//! A scheduled client sends one request each time its calendar schedule fires, simulated time
//! zero standing for the world's `start`, or one per customer (one schedule sending to every
//! customer, or one schedule per customer in the customer's own zone, key = the customer's
//! number); it draws nothing for its timing.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use faultline_engine::{RngStreams, SimDuration, SimRng, SimTime};
use rand::RngExt;
use rand_distr::Exp1;

use crate::payload::PayloadSource;
use crate::{
    ArrivalProcess, ClientConfig, ForEach, LoadShape, Payload, Rate, Schedule, Timestamp,
    instant_at,
};

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

/// A scheduled client's timers and the instant simulated time zero stands for. Each timer's
/// next firing is computed when its last one is sent, so a timer costs one look-up per firing,
/// never an event of its own.
#[derive(Debug)]
struct Calendar {
    timers: Vec<Timer>,
    start: Timestamp,
    /// Each live timer's next firing, soonest first, ties in timer order: (instant, timer).
    due: BinaryHeap<Reverse<(SimTime, u32)>>,
    /// The firing being sent, one request per key: its instant, its timer and the next key.
    sending: Option<(SimTime, u32, u64)>,
    /// The key of the request the last instant returned stands for, when its timer sets keys.
    key: Option<u64>,
    /// The timers have been looked up once (the first firings count from the start itself).
    started: bool,
}

/// A schedule, and the keys each of its firings sends a request for (`first .. first +
/// count`), or `None` for one request with the client's own payload.
#[derive(Debug)]
struct Timer {
    schedule: Schedule,
    keys: Option<(u64, u64)>,
}

impl Calendar {
    fn new(schedule: &Schedule, for_each: &ForEach, start: Timestamp) -> Calendar {
        let timer = |schedule: Schedule, keys| Timer { schedule, keys };
        let timers: Vec<Timer> = match for_each {
            ForEach::Once => vec![timer(schedule.clone(), None)],
            ForEach::Customers { count } => {
                vec![timer(schedule.clone(), Some((0, u64::from(*count))))]
            }
            ForEach::CustomersInTheirZones { zones } => (0..)
                .zip(zones)
                .map(|(i, zone)| {
                    let own = Schedule { cron: schedule.cron, zone: zone.clone() };
                    timer(own, Some((i, 1)))
                })
                .collect(),
        };
        let due = BinaryHeap::with_capacity(timers.len());
        Calendar { timers, start, due, sending: None, key: None, started: false }
    }
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
            calendar: config
                .schedule
                .as_ref()
                .map(|schedule| Box::new(Calendar::new(schedule, &config.for_each, start))),
        }
    }

    /// The key and fields of the next request.
    #[inline]
    pub(crate) fn next_payload(&mut self) -> Payload {
        let mut payload = self.payloads.next();
        if let Some(key) = self.calendar.as_ref().and_then(|c| c.key) {
            payload.key = key;
        }
        payload
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
    /// The instant of the next request at or after `now`, or `None` if there is none by `end`:
    /// the next key of the firing being sent, else the soonest timer's next firing.
    fn next_firing(&mut self, now: SimTime, end: SimTime) -> Option<SimTime> {
        if !std::mem::replace(&mut self.started, true) {
            // A firing exactly at `now` (the start) counts.
            let before = now.as_nanos().checked_sub(1).map(SimTime::from_nanos);
            for timer in 0..self.timers.len() as u32 {
                self.plan(timer, before, end);
            }
        }
        if let Some((at, timer, key)) = self.sending {
            let (first, count) = self.timers[timer as usize].keys.unwrap_or((0, 1));
            if key < first + count {
                self.sending = Some((at, timer, key + 1));
                self.key = Some(key);
                return Some(at);
            }
        }
        let Reverse((at, timer)) = self.due.pop()?;
        self.plan(timer, Some(at), end);
        self.key = None;
        self.sending = None;
        if let Some((first, _)) = self.timers[timer as usize].keys {
            self.sending = Some((at, timer, first + 1));
            self.key = Some(first);
        }
        Some(at)
    }

    /// Queues `timer`'s first firing strictly after `after` (`None`: before time zero), if it
    /// comes by `end`.
    fn plan(&mut self, timer: u32, after: Option<SimTime>, end: SimTime) {
        if self.timers[timer as usize].keys.is_some_and(|(_, count)| count == 0) {
            return; // for no one: never fires
        }
        let from = match after {
            Some(t) => instant_at(self.start, t),
            None => match Timestamp::from_nanosecond(self.start.as_nanosecond() - 1) {
                Ok(t) => t,
                Err(_) => return,
            },
        };
        let Some(firing) = self.timers[timer as usize].schedule.next_after(from) else { return };
        let Ok(at) = u64::try_from(firing.as_nanosecond() - self.start.as_nanosecond()) else {
            return;
        };
        if at <= end.as_nanos() {
            self.due.push(Reverse((SimTime::from_nanos(at), timer)));
        }
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
            for_each: crate::ForEach::Once,
            token: None,
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
