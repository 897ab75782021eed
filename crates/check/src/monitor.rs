//! The monitor: watches a run through the model's observer hook and judges each invariant.

use faultline_engine::{SimDuration, SimTime};
use faultline_model::{Metrics, Observer};
use hdrhistogram::Histogram;

use crate::Invariant;
use crate::invariant::secs;

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
        latencies: Histogram<u64>,
        first_slow: Option<(SimTime, u64, SimDuration)>,
    },
    Queue {
        first: Option<(SimTime, u64, usize)>,
        deepest: usize,
    },
    Accounting,
}

/// Watches a run and judges its invariants at the end.
#[derive(Debug)]
pub struct Monitor {
    invariants: Vec<Invariant>,
    watches: Vec<Watch>,
    arrived: u64,
    completed: u64,
    rejected: u64,
}

impl Monitor {
    /// `longest` bounds the latencies the monitor must hold (the run's duration).
    pub fn new(invariants: Vec<Invariant>, longest: SimDuration) -> Self {
        let watches = invariants
            .iter()
            .map(|inv| Watch::for_invariant(inv, longest))
            .collect();
        Monitor {
            invariants,
            watches,
            arrived: 0,
            completed: 0,
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
                Invariant::LatencySlo {
                    percentile, bound, ..
                },
                Watch::Latency {
                    latencies,
                    first_slow,
                },
            ) => latency_violation(*percentile, *bound, latencies, *first_slow),
            (Invariant::QueueBounded { max, .. }, Watch::Queue { first, deepest }) => {
                first.map(|(at, request, depth)| Violation {
                    at,
                    request: Some(request),
                    detail: format!("queue reached {depth} > {max} (deepest {deepest})"),
                })
            }
            _ => self.accounting_violation(metrics, in_flight),
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
        let accounted = self.completed + self.rejected + in_flight;
        (accounted != self.arrived).then(|| Violation {
            at: metrics.end(),
            request: None,
            detail: format!(
                "{} arrived but {} completed + {} rejected + {} in flight = {accounted}",
                self.arrived, self.completed, self.rejected, in_flight
            ),
        })
    }
}

fn latency_violation(
    percentile: f64,
    bound: SimDuration,
    latencies: &Histogram<u64>,
    first_slow: Option<(SimTime, u64, SimDuration)>,
) -> Option<Violation> {
    if latencies.is_empty() {
        return None;
    }
    let observed = latencies.value_at_quantile(percentile / 100.0);
    // The histogram rounds values into buckets; compare at its resolution so that a bucket that
    // merely contains the bound does not count as a violation.
    if latencies.equivalent(observed, bound.as_nanos()) || observed <= bound.as_nanos() {
        return None;
    }
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

impl Watch {
    fn for_invariant(invariant: &Invariant, longest: SimDuration) -> Watch {
        match invariant {
            Invariant::LatencySlo { .. } => Watch::Latency {
                latencies: Histogram::new_with_bounds(1, longest.as_nanos().max(2), 3)
                    .expect("valid histogram bounds"),
                first_slow: None,
            },
            Invariant::QueueBounded { .. } => Watch::Queue {
                first: None,
                deepest: 0,
            },
            Invariant::NoLostRequests => Watch::Accounting,
        }
    }
}

impl Observer for Monitor {
    #[inline]
    fn on_arrival(&mut self, _now: SimTime, _client: usize, _request: u64) {
        self.arrived += 1;
    }

    #[inline]
    fn on_enqueue(&mut self, now: SimTime, service: usize, depth: usize, request: u64) {
        for (invariant, watch) in self.invariants.iter().zip(&mut self.watches) {
            if let (
                Invariant::QueueBounded {
                    service: watched,
                    max,
                    ..
                },
                Watch::Queue { first, deepest },
            ) = (invariant, watch)
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
    fn on_reject(&mut self, _now: SimTime, _service: usize, _request: u64) {
        self.rejected += 1;
    }

    #[inline]
    fn on_complete(&mut self, now: SimTime, request: u64, arrived: SimTime, latency: SimDuration) {
        self.completed += 1;
        for (invariant, watch) in self.invariants.iter().zip(&mut self.watches) {
            if let (
                Invariant::LatencySlo { bound, after, .. },
                Watch::Latency {
                    latencies,
                    first_slow,
                },
            ) = (invariant, watch)
                && arrived >= *after
            {
                latencies.saturating_record(latency.as_nanos());
                if latency > *bound && first_slow.is_none() {
                    *first_slow = Some((now, request, latency));
                }
            }
        }
    }
}
