//! The invariants a scenario can ask for, already resolved to component indices.

use faultline_engine::{SimDuration, SimTime, human_secs as secs};

/// A property a run must satisfy.
#[derive(Clone, Debug, PartialEq)]
pub enum Invariant {
    /// At end: the `percentile` of end-to-end latency, over requests that arrived at or after
    /// `after`, is at most `bound`.
    LatencySlo { percentile: f64, bound: SimDuration, after: SimTime },
    /// Always: the queue of `service` never holds more than `max` requests.
    QueueBounded { service: usize, service_name: String, max: usize },
    /// At end: every request that arrived was completed, rejected and counted, or is still in
    /// flight. Nothing vanishes.
    NoLostRequests,
    /// At end: the `percentile` of time spent at `service` (queue and handler) is at most `bound`.
    ServiceSlo { service: usize, service_name: String, percentile: f64, bound: SimDuration },
    /// At end: attempts per call, over every layer, stay at or below `max`.
    RetryAmplification { max: f64 },
    /// At end: from `within` after `trigger_end` (the end of the last fault or load spike) to the
    /// end of the run, goodput is at least `share` of the offered load. The metastability check.
    GoodputRecovers { share: f64, within: SimDuration, trigger_end: SimTime },
    /// At end: some circuit breaker opened within `within` of `degraded_at` (the start of the
    /// first fault).
    BreakerOpensWithin { within: SimDuration, degraded_at: SimTime },
    /// Always: no request of `class` waits longer than `bound` in any queue (after the warm-up
    /// is not considered: starvation at any time counts).
    ClassMaxWait { class: u8, class_name: String, bound: SimDuration },
    /// At end: no client request has been in flight longer than `stuck`, and no pool is left
    /// with every worker waiting on work queued behind it (a deadlock).
    Progress { stuck: SimDuration },
    /// At end: once a breaker has closed again after the last fault ended (`fault_end`), no
    /// breaker opens again: recovery does not cause a second outage.
    NoSecondOutage { fault_end: SimTime },
}

impl Invariant {
    /// The stable name used in output and JSON.
    pub fn name(&self) -> &'static str {
        match self {
            Invariant::LatencySlo { .. } => "LatencySlo",
            Invariant::QueueBounded { .. } => "QueueBounded",
            Invariant::NoLostRequests => "NoLostRequests",
            Invariant::ServiceSlo { .. } => "ServiceSlo",
            Invariant::RetryAmplification { .. } => "RetryAmplification",
            Invariant::GoodputRecovers { .. } => "GoodputRecovers",
            Invariant::BreakerOpensWithin { .. } => "BreakerOpensWithin",
            Invariant::ClassMaxWait { .. } => "ClassMaxWait",
            Invariant::Progress { .. } => "Progress",
            Invariant::NoSecondOutage { .. } => "NoSecondOutage",
        }
    }

    /// The property in words, e.g. `p99 latency ≤ 2s (after 60s)`.
    pub fn describe(&self) -> String {
        match self {
            Invariant::LatencySlo { percentile, bound, after } => {
                let since = if *after > SimTime::ZERO {
                    format!(" after {}", secs(after.as_secs_f64()))
                } else {
                    String::new()
                };
                format!(
                    "p{} latency ≤ {}{since}",
                    fmt_percentile(*percentile),
                    secs(bound.as_secs_f64())
                )
            }
            Invariant::QueueBounded { service_name, max, .. } => {
                format!("queue of {service_name} ≤ {max}")
            }
            Invariant::NoLostRequests => "every request completed, rejected or in flight".into(),
            Invariant::ServiceSlo { service_name, percentile, bound, .. } => format!(
                "p{} time at {service_name} ≤ {}",
                fmt_percentile(*percentile),
                secs(bound.as_secs_f64())
            ),
            Invariant::RetryAmplification { max } => format!("attempts per call ≤ {max}"),
            Invariant::NoSecondOutage { fault_end } => format!(
                "no breaker reopens after recovering from the fault that ends at {}",
                secs(fault_end.as_secs_f64())
            ),
            Invariant::Progress { stuck } => format!(
                "no request stuck longer than {}, no starved pool",
                secs(stuck.as_secs_f64())
            ),
            Invariant::ClassMaxWait { class_name, bound, .. } => {
                format!("no `{class_name}` request waits more than {}", secs(bound.as_secs_f64()))
            }
            Invariant::BreakerOpensWithin { within, degraded_at } => format!(
                "a breaker opens within {} of the degradation at {}",
                secs(within.as_secs_f64()),
                secs(degraded_at.as_secs_f64())
            ),
            Invariant::GoodputRecovers { share, within, trigger_end } => format!(
                "goodput ≥ {:.0} % of offered load from {} after the trigger ends at {}",
                share * 100.0,
                secs(within.as_secs_f64()),
                secs(trigger_end.as_secs_f64())
            ),
        }
    }
}

fn fmt_percentile(p: f64) -> String {
    format!("{p}").trim_end_matches(".0").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_itself_in_words() {
        let slo = Invariant::LatencySlo {
            percentile: 99.0,
            bound: SimDuration::from_millis(250),
            after: SimTime::ZERO + SimDuration::from_secs(60),
        };
        assert_eq!(slo.describe(), "p99 latency ≤ 250ms after 60s");
        assert_eq!(slo.name(), "LatencySlo");
    }
}
