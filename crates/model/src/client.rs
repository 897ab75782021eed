//! Open-loop clients: they send requests on their own schedule whatever the system does.
//!
//! While the load shape's rate is zero (a spike of factor 0) a client sends nothing, and it
//! carries on when the rate comes back; only a rate that stays zero ends its requests.

use faultline_engine::{RngStreams, SimDuration, SimRng, SimTime};
use rand::RngExt;
use rand_distr::Exp1;

use crate::{ArrivalProcess, ClientConfig, LoadShape, Rate};

#[derive(Debug)]
pub(crate) struct Client {
    process: ArrivalProcess,
    rate: Rate,
    shape: LoadShape,
    max_rate: f64,
    /// 1 / `max_rate`: the mean gap between candidates (a multiply, not a divide, per arrival).
    mean_gap: f64,
    rng: SimRng,
}

impl Client {
    pub(crate) fn new(config: &ClientConfig, streams: &RngStreams) -> Self {
        let max_rate = config.shape.max_rate(config.rate);
        Client {
            process: config.process,
            rate: config.rate,
            shape: config.shape,
            max_rate,
            mean_gap: 1.0 / max_rate,
            rng: streams.stream(&format!("client/{}/arrivals", config.name)),
        }
    }

    /// The instant of the next request after `now`, or `None` if the load has dropped to zero
    /// for good. A pause (a spike of factor 0) holds requests back until it ends.
    pub(crate) fn next_arrival(&mut self, now: SimTime, end: SimTime) -> Option<SimTime> {
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

    /// Thinning (Lewis–Shedler): candidates at the peak rate, each kept with probability
    /// rate(t) / peak. Exact for any shape; a constant shape never draws the extra uniform.
    fn next_poisson(&mut self, now: SimTime, end: SimTime) -> Option<SimTime> {
        if self.max_rate <= 0.0 {
            return None;
        }
        let mut t = now;
        while t <= end {
            let gap: f64 = self.rng.sample(Exp1);
            t += SimDuration::from_secs_f64(gap * self.mean_gap);
            let rate = self.shape.rate_at(self.rate, t);
            if rate == 0.0 {
                // No candidate survives a pause; the process is memoryless, so starting afresh
                // where it ends is exact and skips drawing candidates through it.
                t = self.shape.resumes_at(self.rate, t)?;
                continue;
            }
            if rate >= self.max_rate || self.rng.random::<f64>() * self.max_rate < rate {
                return Some(t);
            }
        }
        None
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
        let config = ClientConfig {
            name: "c".into(),
            process,
            rate: Rate(10.0),
            shape: LoadShape::Spike { at: s(10), until: s(20), factor: 0.0 },
            call: CallConfig::plain(0, None),
            class: 0,
        };
        let mut client = Client::new(&config, &RngStreams::new(3));
        let end = s(60);
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
}
