//! Queueing theory beside the simulation: for each service that is a plain M/M/c queue, the
//! Erlang C prediction (utilisation ρ, mean queue wait Wq, mean time at the service W, and the
//! share of arrivals that wait, P(wait)) next to the run's own figures.
//!
//! It must never guess: a service gets a prediction only when every assumption of the model
//! holds (Poisson arrivals at a constant rate from clients straight to it, one exponential
//! work step, FIFO, an unbounded queue, no retries, timeouts, breakers, limiters, faults,
//! network, crashes or instances); otherwise nothing is said.

use std::collections::BTreeMap;

use faultline_engine::human_secs;
use faultline_model::{
    ArrivalProcess, CallConfig, Discipline, Dist, Endpoint, ForEach, LoadShape, Metrics,
    ServiceConfig, Step, WorldConfig,
};
use serde::Serialize;

/// Erlang C: the probability that an arrival waits in an M/M/c queue with `servers` servers
/// and offered load a = λ/μ (< `servers`). Through the Erlang B recursion, which is
/// numerically stable for any number of servers.
pub fn erlang_c(servers: u32, offered: f64) -> f64 {
    let erlang_b = (1..=servers).fold(1.0, |b, k| offered * b / (f64::from(k) + offered * b));
    let rho = offered / f64::from(servers);
    erlang_b / (1.0 - rho + rho * erlang_b)
}

/// The four figures of an M/M/c queue, predicted or measured. Times in seconds.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct QueueFigures {
    /// ρ = λ/(cμ): the share of worker time spent busy.
    pub utilisation: f64,
    /// Wq: mean time waiting in the queue.
    pub mean_wait_s: f64,
    /// W = Wq + 1/μ: mean time at the service.
    pub mean_time_s: f64,
    /// P(wait): the share of arrivals that find every worker busy.
    pub wait_probability: f64,
}

impl QueueFigures {
    /// The steady state of M/M/c with arrival rate `lambda`, service rate `mu` per worker and
    /// `servers` workers; `None` when the queue is unstable (ρ ≥ 1) and has no steady state.
    pub fn mmc(lambda: f64, mu: f64, servers: u32) -> Option<Self> {
        let c = f64::from(servers);
        let rho = lambda / (c * mu);
        // NaN (no workers' worth of rate) has no steady state either.
        if rho.is_nan() || rho >= 1.0 {
            return None;
        }
        let wait_probability = erlang_c(servers, lambda / mu);
        let mean_wait_s = wait_probability / (c * mu - lambda);
        Some(QueueFigures {
            utilisation: rho,
            mean_wait_s,
            mean_time_s: mean_wait_s + 1.0 / mu,
            wait_probability,
        })
    }
}

/// One M/M/c service of a run: its parameters, the prediction, and what the run measured.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AnalyticSummary {
    /// `M/M/1`, `M/M/8`.
    pub model: String,
    /// λ: requests per second sent to it, by every client that calls it.
    pub arrival_rate_per_s: f64,
    /// μ: requests per second one worker serves (1 / mean service time).
    pub service_rate_per_s: f64,
    pub workers: u32,
    /// λ/(cμ), also when it is 1 or more.
    pub offered_utilisation: f64,
    /// ρ ≥ 1: the queue grows without bound, and there is no steady state to predict.
    pub unstable: bool,
    /// Queueing theory's figures; `null` when unstable.
    pub predicted: Option<QueueFigures>,
    /// The run's figures after the warm-up: busy share, mean queue wait, mean time at the
    /// service, share of jobs that waited.
    pub simulated: QueueFigures,
}

impl AnalyticSummary {
    /// The line of the text summary.
    pub fn line(&self, service: &str) -> String {
        let head = format!("analytic    {service}: {}", self.model);
        let Some(p) = &self.predicted else {
            return format!(
                "{head}, λ/(cμ) = {:.3} ≥ 1: unstable, the queue grows without bound (no \
                 steady-state prediction)",
                self.offered_utilisation
            );
        };
        let s = &self.simulated;
        format!(
            "{head} predicted (simulated) ρ {:.3} ({:.3}) · Wq {} ({}) · W {} ({}) · P(wait) \
             {:.3} ({:.3})",
            p.utilisation,
            s.utilisation,
            human_secs(p.mean_wait_s),
            human_secs(s.mean_wait_s),
            human_secs(p.mean_time_s),
            human_secs(s.mean_time_s),
            p.wait_probability,
            s.wait_probability
        )
    }
}

/// Every service of the run that is a plain M/M/c queue, by name, with its prediction.
pub fn analytic_summaries(world: &WorldConfig, m: &Metrics) -> BTreeMap<String, AnalyticSummary> {
    let mut out = BTreeMap::new();
    for (index, service) in world.services.iter().enumerate() {
        let Some((lambda, mu)) = mmc_rates(world, index) else { continue };
        let metrics = &m.services[index];
        let c = f64::from(service.workers);
        let predicted = QueueFigures::mmc(lambda, mu, service.workers);
        let summary = AnalyticSummary {
            model: format!("M/M/{}", service.workers),
            arrival_rate_per_s: lambda,
            service_rate_per_s: mu,
            workers: service.workers,
            offered_utilisation: lambda / (c * mu),
            unstable: predicted.is_none(),
            predicted,
            simulated: QueueFigures {
                utilisation: metrics.utilization(m.end()),
                mean_wait_s: metrics.queue_wait().mean,
                mean_time_s: metrics.latency().mean,
                wait_probability: metrics.waited_share(),
            },
        };
        out.insert(service.name.clone(), summary);
    }
    out
}

/// (λ, μ) when service `index` is a plain M/M/c queue: see the module's list of assumptions.
fn mmc_rates(world: &WorldConfig, index: usize) -> Option<(f64, f64)> {
    let service = &world.services[index];
    let untouched = world.network.is_none()
        && !world.faults.iter().any(|f| f.service == index)
        && !world.node_faults.iter().any(|f| f.service == index)
        && !world.groups.iter().any(|g| (g.first..g.first + g.count).contains(&index));
    let mu = plain_queue(service)?;
    let called_by_services = world
        .services
        .iter()
        .any(|s| calls_in(&s.steps).any(|call| call.target == Endpoint::Service(index)));
    if !untouched || called_by_services {
        return None;
    }
    let callers: Vec<_> =
        world.clients.iter().filter(|c| c.call.target == Endpoint::Service(index)).collect();
    let poisson = |c: &&faultline_model::ClientConfig| {
        c.process == ArrivalProcess::Poisson
            && c.shape == LoadShape::Const
            && c.schedule.is_none()
            && c.for_each == ForEach::Once
            && c.token.is_none()
            && plain_call(&c.call)
    };
    if callers.is_empty() || !callers.iter().all(poisson) {
        return None;
    }
    Some((callers.iter().map(|c| c.rate.0).sum(), mu))
}

/// μ when the service is `c` workers taking one exponential step from an unbounded FIFO queue
/// with nothing in front of it or holding it back.
fn plain_queue(s: &ServiceConfig) -> Option<f64> {
    let plain = s.queue_capacity.is_none()
        && s.rate_limit.is_none()
        && s.discipline == Discipline::Fifo
        && !s.hold_while_open
        && s.drain_rate.is_none()
        && s.ageing.is_none()
        && s.shed_after.is_none();
    match s.steps[..] {
        [Step::Work { time: Dist::Exp { mean }, contention }]
            if plain && contention.is_zero() && mean > 0.0 =>
        {
            Some(1.0 / mean)
        }
        _ => None,
    }
}

/// A call with nothing but its target: no timeout, retry, breaker, bulkhead or weight.
fn plain_call(call: &CallConfig) -> bool {
    call.timeout.is_none()
        && call.retry.is_none_or(|r| r.max_attempts <= 1)
        && call.breaker.is_none()
        && call.max_concurrent.is_none()
        && call.ejection.is_none()
        && call.weight == 1.0
}

/// Every call a handler's steps make, sub-tasks' included.
fn calls_in(steps: &[Step]) -> Box<dyn Iterator<Item = &CallConfig> + '_> {
    Box::new(steps.iter().flat_map(|step| -> Box<dyn Iterator<Item = &CallConfig> + '_> {
        match step {
            Step::Call(call) | Step::Batch { call, .. } => Box::new(std::iter::once(call)),
            Step::Parallel(calls) => Box::new(calls.iter()),
            Step::Fanout { steps, .. } => calls_in(steps),
            _ => Box::new(std::iter::empty()),
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_c_matches_hand_computed_cases() {
        // M/M/1: P(wait) = ρ.
        assert!((erlang_c(1, 0.9) - 0.9).abs() < 1e-12);
        // M/M/2 with a = 1: a²/(2!(1 − ρ)) / (1 + a + a²/(2!(1 − ρ))) = 1 / (1 + 1 + 1) = 1/3.
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn mm1_and_mm8_figures_match_the_textbook() {
        // M/M/1, λ = 0.9, μ = 1: Wq = ρ/(μ − λ) = 9 s, W = 1/(μ − λ) = 10 s.
        let one = QueueFigures::mmc(0.9, 1.0, 1).unwrap();
        assert!((one.utilisation - 0.9).abs() < 1e-12);
        assert!((one.mean_wait_s - 9.0).abs() < 1e-9);
        assert!((one.mean_time_s - 10.0).abs() < 1e-9);
        // M/M/8, λ = 7.2: Wq ≈ 0.876916 s (tables), W = Wq + 1 s.
        let eight = QueueFigures::mmc(7.2, 1.0, 8).unwrap();
        assert!((eight.mean_wait_s - 0.876916).abs() < 1e-5, "{eight:?}");
        assert!((eight.mean_time_s - eight.mean_wait_s - 1.0).abs() < 1e-12);
        assert!((eight.wait_probability - 0.876916 * 0.8).abs() < 1e-5); // Wq (cμ − λ)
    }

    #[test]
    fn no_steady_state_at_or_past_full_utilisation() {
        assert_eq!(QueueFigures::mmc(1.0, 1.0, 1), None);
        assert_eq!(QueueFigures::mmc(9.0, 1.0, 8), None);
    }
}
