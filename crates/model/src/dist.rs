//! Distributions of durations (service times, delays), sampled from a component's own stream.

use faultline_engine::{SimDuration, SimRng};
use rand::RngExt;
use rand_distr::{Exp1, StandardNormal};

/// z such that P(Z ≤ z) = 0.99 for a standard normal Z; links a log-normal's median and p99.
const Z_99: f64 = 2.326_347_874_040_841;

/// A distribution of non-negative durations. Parameters are in seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dist {
    /// Always the same value.
    Const { secs: f64 },
    /// Exponential with the given mean (memoryless; service times of M/M/c).
    Exp { mean: f64 },
    /// Uniform between `min` and `max`.
    Uniform { min: f64, max: f64 },
    /// Log-normal given as `ln X ~ N(mu, sigma²)`; build it with [`Dist::log_normal`].
    LogNormal { mu: f64, sigma: f64 },
    /// Pareto with minimum `scale` and tail index `shape` (heavy-tailed when shape ≤ 2).
    Pareto { scale: f64, shape: f64 },
}

impl Dist {
    /// The log-normal whose median and 99th percentile are the given values (p99 > median > 0).
    pub fn log_normal(median: f64, p99: f64) -> Dist {
        let mu = median.ln();
        Dist::LogNormal { mu, sigma: (p99.ln() - mu) / Z_99 }
    }

    /// The distribution's mean in seconds (infinite for Pareto with shape ≤ 1).
    pub fn mean(&self) -> f64 {
        match *self {
            Dist::Const { secs } => secs,
            Dist::Exp { mean } => mean,
            Dist::Uniform { min, max } => (min + max) / 2.0,
            Dist::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Pareto { scale, shape } if shape > 1.0 => shape * scale / (shape - 1.0),
            Dist::Pareto { .. } => f64::INFINITY,
        }
    }

    /// One draw in seconds.
    #[inline]
    pub fn sample_secs(&self, rng: &mut SimRng) -> f64 {
        match *self {
            Dist::Const { secs } => secs,
            Dist::Exp { mean } => mean * rng.sample::<f64, _>(Exp1),
            Dist::Uniform { min, max } => min + (max - min) * rng.random::<f64>(),
            Dist::LogNormal { mu, sigma } => {
                (mu + sigma * rng.sample::<f64, _>(StandardNormal)).exp()
            }
            // Inverse transform; 1 - u lies in (0, 1], so the power is finite.
            Dist::Pareto { scale, shape } => scale / (1.0 - rng.random::<f64>()).powf(1.0 / shape),
        }
    }

    /// One draw, rounded to the nanosecond.
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> SimDuration {
        SimDuration::from_secs_f64(self.sample_secs(rng))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_engine::RngStreams;

    fn sample_mean(dist: Dist, n: usize) -> f64 {
        let mut rng = RngStreams::new(1).stream("test");
        (0..n).map(|_| dist.sample_secs(&mut rng)).sum::<f64>() / n as f64
    }

    #[test]
    fn sample_means_match_analytic_means() {
        // 200k draws: the standard error is under 0.5 % of the mean for all of these, so a 2 %
        // tolerance is more than four standard errors wide.
        let cases = [
            Dist::Exp { mean: 0.02 },
            Dist::Uniform { min: 1.0, max: 3.0 },
            Dist::log_normal(0.005, 0.08),
            Dist::Pareto { scale: 1.0, shape: 4.0 },
        ];
        for dist in cases {
            let (got, want) = (sample_mean(dist, 200_000), dist.mean());
            assert!((got - want).abs() / want < 0.02, "{dist:?}: mean {got} vs {want}");
        }
    }

    #[test]
    fn log_normal_hits_its_median_and_p99() {
        let dist = Dist::log_normal(0.005, 0.08);
        let mut rng = RngStreams::new(3).stream("ln");
        let mut draws: Vec<f64> = (0..100_000).map(|_| dist.sample_secs(&mut rng)).collect();
        draws.sort_by(f64::total_cmp);
        let (median, p99) = (draws[50_000], draws[99_000]);
        assert!((median / 0.005 - 1.0).abs() < 0.03, "median {median}");
        assert!((p99 / 0.08 - 1.0).abs() < 0.06, "p99 {p99}");
    }

    #[test]
    fn const_and_pareto_respect_their_minimum() {
        let mut rng = RngStreams::new(5).stream("p");
        assert_eq!(Dist::Const { secs: 1.0 }.sample(&mut rng), SimDuration::from_secs(1));
        let pareto = Dist::Pareto { scale: 0.5, shape: 1.2 };
        assert!((0..10_000).all(|_| pareto.sample_secs(&mut rng) >= 0.5));
    }
}
