//! Open-loop clients: they send requests on their own schedule whatever the system does.

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

    /// The instant of the next request after `now`, or `None` if the load has dropped to zero.
    pub(crate) fn next_arrival(&mut self, now: SimTime, end: SimTime) -> Option<SimTime> {
        match self.process {
            ArrivalProcess::Poisson => self.next_poisson(now, end),
            ArrivalProcess::Fixed => {
                let rate = self.shape.rate_at(self.rate, now);
                (rate > 0.0).then(|| now + SimDuration::from_secs_f64(1.0 / rate))
            }
        }
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
            if rate >= self.max_rate || self.rng.random::<f64>() * self.max_rate < rate {
                return Some(t);
            }
        }
        None
    }
}
