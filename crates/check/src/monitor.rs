//! The monitor: watches a run through the model's observer hook and judges each invariant.

use faultline_engine::{SimDuration, SimTime, human_secs as secs};
use faultline_model::policy::BreakerState;
use faultline_model::{Latencies, Metrics, Observation, Observer, Outcome};

use crate::Invariant;

/// The first time an invariant did not hold.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    pub at: SimTime,
    /// The request involved, when there is one.
    pub request: Option<u64>,
    /// The observed value in words, e.g. `p99 = 12.4s over 53,112 requests`.
    pub detail: String,
}

/// The judgement on one invariant.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub name: &'static str,
    pub description: String,
    pub holds: bool,
    pub violation: Option<Violation>,
}

/// Online state of one invariant.
#[derive(Debug)]
enum Watch {
    Latency {
        /// `None` when the invariant starts at the warm-up: then the run's own latency
        /// histogram holds exactly the same requests and recording twice would be waste.
        latencies: Option<Latencies>,
        first_slow: Option<(SimTime, u64, SimDuration)>,
    },
    Queue {
        first: Option<(SimTime, u64, usize)>,
        deepest: usize,
    },
    /// First (time, request, wait) over the bound, and the longest wait seen.
    Wait {
        first: Option<(SimTime, u64, SimDuration)>,
        longest: SimDuration,
    },
    /// Judged from the finished run's metrics alone.
    AtEnd,
}

/// Watches a run and judges its invariants at the end.
#[derive(Debug)]
pub struct Monitor {
    invariants: Vec<Invariant>,
    watches: Vec<Watch>,
    /// Indices of the invariants each hook must look at, so a hook nobody watches costs
    /// nothing per request.
    on_enqueue: Vec<usize>,
    on_start: Vec<usize>,
    on_done: Vec<usize>,
    arrived: u64,
    completed: u64,
    failed: u64,
    rejected: u64,
}

impl Monitor {
    /// `longest` bounds the latencies the monitor must hold (the run's duration).
    /// `warmup` is the run's: latencies the run measures itself from then on need no copy here.
    pub fn new(invariants: Vec<Invariant>, longest: SimDuration, warmup: SimTime) -> Self {
        let watches: Vec<Watch> =
            invariants.iter().map(|inv| Watch::for_invariant(inv, longest, warmup)).collect();
        let watching = |wanted: fn(&Watch) -> bool| {
            watches.iter().enumerate().filter(|(_, w)| wanted(w)).map(|(i, _)| i).collect()
        };
        Monitor {
            on_enqueue: watching(|w| matches!(w, Watch::Queue { .. })),
            on_start: watching(|w| matches!(w, Watch::Wait { .. })),
            on_done: watching(|w| matches!(w, Watch::Latency { .. })),
            invariants,
            watches,
            arrived: 0,
            completed: 0,
            failed: 0,
            rejected: 0,
        }
    }

    /// Judges every invariant; `in_flight` is the number of requests alive at the end.
    pub fn verdicts(&self, metrics: &Metrics, in_flight: u64) -> Vec<Verdict> {
        self.invariants
            .iter()
            .zip(&self.watches)
            .map(|(invariant, watch)| self.judge(invariant, watch, metrics, in_flight))
            .collect()
    }

    fn judge(
        &self,
        invariant: &Invariant,
        watch: &Watch,
        metrics: &Metrics,
        in_flight: u64,
    ) -> Verdict {
        let violation = match (invariant, watch) {
            (
                Invariant::LatencySlo { percentile, bound, .. },
                Watch::Latency { latencies, first_slow },
            ) => {
                let latencies = latencies.as_ref().unwrap_or(metrics.latency_histogram());
                latency_violation(*percentile, *bound, latencies, *first_slow)
            }
            (Invariant::QueueBounded { max, .. }, Watch::Queue { first, deepest }) => {
                first.map(|(at, request, depth)| Violation {
                    at,
                    request: Some(request),
                    detail: format!("queue reached {depth} > {max} (deepest {deepest})"),
                })
            }
            (Invariant::ClassMaxWait { bound, .. }, Watch::Wait { first, longest }) => {
                first.map(|(at, request, wait)| Violation {
                    at,
                    request: Some(request),
                    detail: format!(
                        "request {request} waited {} > {} (longest wait {})",
                        secs(wait.as_secs_f64()),
                        secs(bound.as_secs_f64()),
                        secs(longest.as_secs_f64())
                    ),
                })
            }
            (Invariant::Progress { stuck }, _) => progress_violation(metrics, *stuck),
            (Invariant::NoSecondOutage { fault_end }, _) => second_outage(metrics, *fault_end),
            (Invariant::NoLostRequests, _) => self.accounting_violation(metrics, in_flight),
            (Invariant::ServiceSlo { service, percentile, bound, .. }, _) => {
                service_violation(metrics, *service, *percentile, *bound)
            }
            (Invariant::RetryAmplification { max }, _) => amplification_violation(metrics, *max),
            (Invariant::BreakerOpensWithin { within, degraded_at }, _) => {
                breaker_violation(metrics, *degraded_at, *degraded_at + *within)
            }
            (Invariant::GoodputRecovers { share, within, trigger_end }, _) => {
                recovery_violation(metrics, *share, *trigger_end + *within)
            }
            _ => None,
        };
        Verdict {
            name: invariant.name(),
            description: invariant.describe(),
            holds: violation.is_none(),
            violation,
        }
    }

    /// Counts kept here independently of the model's metrics, so a model that drops a request
    /// cannot also hide it.
    fn accounting_violation(&self, metrics: &Metrics, in_flight: u64) -> Option<Violation> {
        let accounted = self.completed + self.failed + self.rejected + in_flight;
        (accounted != self.arrived).then(|| Violation {
            at: metrics.end(),
            request: None,
            detail: format!(
                "{} arrived but {} completed + {} failed + {} rejected + {} in flight = {accounted}",
                self.arrived, self.completed, self.failed, self.rejected, in_flight
            ),
        })
    }
}

fn latency_violation(
    percentile: f64,
    bound: SimDuration,
    latencies: &Latencies,
    first_slow: Option<(SimTime, u64, SimDuration)>,
) -> Option<Violation> {
    let q = percentile / 100.0;
    let (lowest, _) = latencies.quantile_bucket(q)?;
    // The histogram rounds values into buckets; compare at its resolution so that a bucket that
    // merely contains the bound does not count as a violation.
    if lowest <= bound.as_nanos() {
        return None;
    }
    let observed = latencies.quantile(q).as_nanos();
    let (at, request, took) = first_slow?;
    Some(Violation {
        at,
        request: Some(request),
        detail: format!(
            "p{} = {} over {} requests; first over the bound: request {request}, {}",
            percentile,
            secs(observed as f64 / 1e9),
            latencies.len(),
            secs(took.as_secs_f64())
        ),
    })
}

fn service_violation(
    metrics: &Metrics,
    service: usize,
    percentile: f64,
    bound: SimDuration,
) -> Option<Violation> {
    let s = &metrics.services[service];
    let observed = s.latency_quantile(percentile / 100.0);
    (observed > bound.as_secs_f64() * (1.0 + HISTOGRAM_SLACK)).then(|| Violation {
        at: metrics.end(),
        request: None,
        detail: format!(
            "p{percentile} at {} = {} over {} requests",
            s.name,
            secs(observed),
            s.completed
        ),
    })
}

/// The run-total histograms resolve values to 1 %; a percentile that equals the bound within
/// that resolution is not a violation.
const HISTOGRAM_SLACK: f64 = 1e-2;

/// A request in flight longer than `stuck` at the end, or a starved pool; names the pool and the
/// requests holding its workers.
fn progress_violation(metrics: &Metrics, stuck: SimDuration) -> Option<Violation> {
    let end = metrics.end();
    let oldest = metrics.oldest_in_flight.filter(|(_, arrived)| end - *arrived > stuck);
    if oldest.is_none() && metrics.starved_pools.is_empty() {
        return None;
    }
    let mut detail = match oldest {
        Some((request, arrived)) => format!(
            "request {request} in flight for {} (since {})",
            secs((end - arrived).as_secs_f64()),
            secs(arrived.as_secs_f64())
        ),
        None => "no request stuck yet".into(),
    };
    for pool in &metrics.starved_pools {
        let name = &metrics.services[pool.service].name;
        detail += &format!(
            "; pool `{name}` deadlocked: all {} workers wait on sub-tasks queued behind them in \
             the same pool ({} jobs queued); requests holding it: {:?}",
            pool.workers, pool.queued, pool.waiting_requests
        );
    }
    let at = oldest.map_or(end, |(_, arrived)| arrived + stuck);
    Some(Violation { at, request: oldest.map(|(r, _)| r), detail })
}

/// A breaker that closed after the fault ended and then opened again; or one that never closed.
fn second_outage(metrics: &Metrics, fault_end: SimTime) -> Option<Violation> {
    let after: Vec<_> = metrics.breaker_changes.iter().filter(|c| c.at >= fault_end).collect();
    let Some(closed) = after.iter().position(|c| c.to == BreakerState::Closed) else {
        let opened_ever = metrics.breaker_changes.iter().any(|c| c.to == BreakerState::Open);
        return opened_ever.then(|| Violation {
            at: metrics.end(),
            request: None,
            detail: "the breaker never closed again after the fault ended".into(),
        });
    };
    let reopened = after[closed..].iter().find(|c| c.to == BreakerState::Open)?;
    Some(Violation {
        at: reopened.at,
        request: None,
        detail: format!(
            "{} closed at {} and opened again at {}: the recovery knocked the dependency over",
            after[closed].site,
            secs(after[closed].at.as_secs_f64()),
            secs(reopened.at.as_secs_f64())
        ),
    })
}

/// The first breaker opening at or after `from`; a violation if it is later than `deadline` or
/// never comes.
fn breaker_violation(metrics: &Metrics, from: SimTime, deadline: SimTime) -> Option<Violation> {
    let opened =
        metrics.breaker_changes.iter().find(|c| c.to == BreakerState::Open && c.at >= from);
    match opened {
        Some(change) if change.at <= deadline => None,
        Some(change) => Some(Violation {
            at: deadline,
            request: None,
            detail: format!("{} opened only at {}", change.site, secs(change.at.as_secs_f64())),
        }),
        None => Some(Violation {
            at: deadline,
            request: None,
            detail: "no breaker opened at all after the degradation".into(),
        }),
    }
}

fn amplification_violation(metrics: &Metrics, max: f64) -> Option<Violation> {
    let observed = metrics.amplification();
    (observed > max).then(|| Violation {
        at: metrics.end(),
        request: None,
        detail: format!(
            "{:.2} attempts per call ({} attempts of which {} retries; {} client requests)",
            observed, metrics.attempts, metrics.retries, metrics.arrived
        ),
    })
}

/// Goodput over offered load from `deadline` to the end, judged over that whole stretch; the
/// first window below the share is where the violation is reported.
fn recovery_violation(metrics: &Metrics, share: f64, deadline: SimTime) -> Option<Violation> {
    let from = deadline.as_secs_f64();
    let after: Vec<_> = metrics.windows.iter().filter(|w| w.start_s >= from).collect();
    let offered: u64 = after.iter().map(|w| w.arrived).sum();
    let goodput: u64 = after.iter().map(|w| w.completed).sum();
    if offered == 0 || goodput as f64 >= share * offered as f64 {
        return None;
    }
    let first_low = after.iter().find(|w| (w.completed as f64) < share * w.arrived as f64);
    let at = first_low.map_or(deadline, |w| SimTime::ZERO + SimDuration::from_secs_f64(w.start_s));
    Some(Violation {
        at,
        request: None,
        detail: format!(
            "goodput {:.0} % of offered load after {} ({goodput} of {offered} requests succeeded)",
            100.0 * goodput as f64 / offered as f64,
            secs(from)
        ),
    })
}

impl Watch {
    fn for_invariant(invariant: &Invariant, longest: SimDuration, warmup: SimTime) -> Watch {
        match invariant {
            Invariant::LatencySlo { after, .. } => Watch::Latency {
                latencies: (*after != warmup).then(|| Latencies::new(longest)),
                first_slow: None,
            },
            Invariant::QueueBounded { .. } => Watch::Queue { first: None, deepest: 0 },
            Invariant::ClassMaxWait { .. } => {
                Watch::Wait { first: None, longest: SimDuration::ZERO }
            }
            _ => Watch::AtEnd,
        }
    }
}

impl Monitor {
    #[inline]
    fn on_arrival(&mut self, _now: SimTime, _client: usize, _request: u64) {
        self.arrived += 1;
    }

    #[inline]
    fn on_enqueue(&mut self, now: SimTime, service: usize, depth: usize, request: u64) {
        for &i in &self.on_enqueue {
            if let (
                Invariant::QueueBounded { service: watched, max, .. },
                Watch::Queue { first, deepest },
            ) = (&self.invariants[i], &mut self.watches[i])
                && *watched == service
            {
                *deepest = (*deepest).max(depth);
                if depth > *max && first.is_none() {
                    *first = Some((now, request, depth));
                }
            }
        }
    }

    #[inline]
    fn on_start(
        &mut self,
        now: SimTime,
        _service: usize,
        request: u64,
        class: u8,
        wait: SimDuration,
    ) {
        for &i in &self.on_start {
            if let (
                Invariant::ClassMaxWait { class: watched, bound, .. },
                Watch::Wait { first, longest },
            ) = (&self.invariants[i], &mut self.watches[i])
                && *watched == class
            {
                *longest = (*longest).max(wait);
                if wait > *bound && first.is_none() {
                    *first = Some((now, request, wait));
                }
            }
        }
    }

    #[inline]
    fn on_done(&mut self, now: SimTime, request: u64, arrived: SimTime, outcome: Outcome) {
        match outcome {
            Outcome::Success => self.completed += 1,
            Outcome::Rejected(_) => self.rejected += 1,
            Outcome::Error | Outcome::Timeout => self.failed += 1,
        }
        if outcome != Outcome::Success {
            return;
        }
        let latency = now - arrived;
        for &i in &self.on_done {
            if let (
                Invariant::LatencySlo { bound, after, .. },
                Watch::Latency { latencies, first_slow },
            ) = (&self.invariants[i], &mut self.watches[i])
                && arrived >= *after
            {
                if let Some(latencies) = latencies {
                    latencies.record(latency);
                }
                if latency > *bound && first_slow.is_none() {
                    *first_slow = Some((now, request, latency));
                }
            }
        }
    }
}

impl Observer for Monitor {
    #[inline]
    fn observe(&mut self, now: SimTime, what: &Observation) {
        match *what {
            Observation::RequestArrived { client, request } => {
                self.on_arrival(now, client, request)
            }
            Observation::AttemptQueued { service, request, depth } => {
                self.on_enqueue(now, service, depth, request)
            }
            Observation::JobStarted { service, request, class, wait } => {
                self.on_start(now, service, request, class, wait)
            }
            Observation::RequestEnded { request, arrived, outcome } => {
                self.on_done(now, request, arrived, outcome)
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_model::Metrics;

    fn t(ms: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_millis(ms)
    }

    fn metrics() -> Metrics {
        Metrics::new(
            &[("s".into(), 1)],
            &["default".into()],
            SimTime::ZERO,
            t(10_000),
            SimDuration::from_secs(1),
        )
    }

    fn monitor(invariant: Invariant) -> Monitor {
        Monitor::new(vec![invariant], SimDuration::from_secs(10), SimTime::from_nanos(1))
    }

    #[test]
    fn queue_bound_reports_the_first_request_over_it() {
        let mut m =
            monitor(Invariant::QueueBounded { service: 0, service_name: "s".into(), max: 2 });
        m.on_enqueue(t(1), 0, 2, 10);
        m.on_enqueue(t(2), 1, 9, 11); // another service: not watched
        m.on_enqueue(t(3), 0, 3, 12);
        m.on_enqueue(t(4), 0, 4, 13);
        let verdict = &m.verdicts(&metrics(), 0)[0];
        let violation = verdict.violation.as_ref().expect("violated");
        assert_eq!((violation.at, violation.request), (t(3), Some(12)));
        assert!(violation.detail.contains("deepest 4"), "{}", violation.detail);
    }

    #[test]
    fn latency_slo_judges_the_percentile_not_single_requests() {
        let slo = Invariant::LatencySlo {
            percentile: 99.0,
            bound: SimDuration::from_millis(100),
            after: t(0),
        };
        let mut m = monitor(slo.clone());
        for id in 0..1000 {
            let slow = id == 500; // one slow request in 1,000 is below the 99th percentile
            let latency = SimDuration::from_millis(if slow { 900 } else { 10 });
            m.on_done(t(0) + latency, id, t(0), Outcome::Success);
        }
        assert!(m.verdicts(&metrics(), 0)[0].holds);
        let mut m = monitor(slo);
        for id in 0..1000 {
            let latency = SimDuration::from_millis(if id % 10 == 0 { 900 } else { 10 });
            m.on_done(t(0) + latency, id, t(0), Outcome::Success);
        }
        let verdict = &m.verdicts(&metrics(), 0)[0];
        assert_eq!(verdict.violation.as_ref().map(|v| v.request), Some(Some(0)));
    }

    #[test]
    fn latency_slo_ignores_requests_before_its_start() {
        let slo = Invariant::LatencySlo {
            percentile: 50.0,
            bound: SimDuration::from_millis(100),
            after: t(5_000),
        };
        let mut m = monitor(slo);
        m.on_done(t(1_000) + SimDuration::from_secs(3), 1, t(1_000), Outcome::Success);
        m.on_done(t(5_990) + SimDuration::from_millis(10), 2, t(5_990), Outcome::Success);
        assert!(m.verdicts(&metrics(), 0)[0].holds);
    }

    #[test]
    fn accounting_catches_a_request_that_vanished() {
        let mut m = monitor(Invariant::NoLostRequests);
        for id in 0..3 {
            m.on_arrival(t(id), 0, id);
        }
        m.on_done(t(0) + SimDuration::from_millis(5), 0, t(0), Outcome::Success);
        m.on_done(t(6), 1, t(6), Outcome::Rejected(faultline_model::Rejection::QueueFull));
        assert!(m.verdicts(&metrics(), 1)[0].holds, "one still in flight: all accounted");
        assert!(!m.verdicts(&metrics(), 0)[0].holds, "one unaccounted for");
    }
}
