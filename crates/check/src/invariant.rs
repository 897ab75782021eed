//! The invariants a scenario can ask for, already resolved to component indices: a typed
//! specification, data only. Each turns into the [`Property`] that watches a run for it.

use faultline_engine::{SimDuration, SimTime};
use faultline_model::Timestamp;

use crate::property::{
    AnyProperty, BoundedStaleness, BreakerOpensWithin, ClassMaxWait, EffectNames, EntityNames,
    ExactlyOnceEffects, FinalStateMatchesLastEvent, GoodputRecovers, LatencySlo, Linearizable,
    MonotonicReads, NoAcknowledgedWriteLost, NoExpiredTokenAccepted, NoLostMessages,
    NoLostRequests, NoSecondOutage, NoSilentFailures, NoValidTokenRejected, Progress, QueueBounded,
    ReadYourWrites, RetryAmplification, RunSetup, ScheduledOncePerLocalDay, ServiceSlo,
    SuccessRate, ValidTransitions,
};

pub use crate::property::{CustomerDays, LocalDayTarget};

/// What a run must satisfy, as a scenario asks for it.
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
    /// At end: at least `min` (a share) of the client requests that ended succeeded.
    SuccessRate { min: f64 },
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
    /// At end: every replicated register's history is linearizable.
    Linearizable,
    /// At end: no read of a register begun after a write was acknowledged returns an older
    /// value.
    NoAcknowledgedWriteLost,
    /// At end: once a breaker has closed again after the last fault ended (`fault_end`), no
    /// breaker opens again: recovery does not cause a second outage.
    NoSecondOutage { fault_end: SimTime },
    /// At end: `client` sent each customer exactly one request on each of the customer's local
    /// days, on time (within the minute) at the target local time `at` (`09:00`); `customers`
    /// holds each customer's days and when its request is due, `start` the instant time zero
    /// stands for (to word a violation in local and UTC time).
    ScheduledOncePerLocalDay {
        client: usize,
        client_name: String,
        at: String,
        start: Timestamp,
        customers: Vec<CustomerDays>,
    },
    /// At end: every message published was acknowledged, dead-lettered or parked, or is still
    /// on its way, for every subscription.
    NoLostMessages,
    /// Always: every message dead-lettered raises an alert within `within`.
    NoSilentFailures { within: SimDuration },
    /// Always: no `CheckToken` step refuses a token that was valid in true time.
    NoValidTokenRejected,
    /// Always: no `CheckToken` step accepts a token that was expired (or not yet issued) in
    /// true time.
    NoExpiredTokenAccepted,
    /// Always: no effect is applied twice for one logical operation.
    ExactlyOnceEffects(EffectNames),
    /// Always: every event applied moves its entity along a transition its rules allow.
    ValidTransitions(EntityNames),
    /// At end: each entity is in the state its last event (highest version, or sent last)
    /// moves it to.
    FinalStateMatchesLastEvent(EntityNames),
    /// Always: every read of a replicated database reflects its session's own last write.
    ReadYourWrites,
    /// Always: no session reads an older log position than it already read.
    MonotonicReads,
    /// Always: no read comes from a copy more than `max` behind.
    BoundedStaleness { max: SimDuration },
}

impl Invariant {
    /// The property that watches for this invariant in a run set up as `setup`. The one place
    /// that knows which property each invariant is.
    pub fn property(&self, setup: &RunSetup) -> AnyProperty {
        match self {
            Invariant::LatencySlo { percentile, bound, after } => {
                LatencySlo::new(*percentile, *bound, *after, setup).into()
            }
            Invariant::QueueBounded { service, service_name, max } => {
                QueueBounded::new(*service, service_name.clone(), *max).into()
            }
            Invariant::NoLostRequests => NoLostRequests::new().into(),
            Invariant::ServiceSlo { service, service_name, percentile, bound } => {
                ServiceSlo::new(*service, service_name.clone(), *percentile, *bound).into()
            }
            Invariant::RetryAmplification { max } => RetryAmplification::new(*max).into(),
            Invariant::SuccessRate { min } => SuccessRate::new(*min).into(),
            Invariant::GoodputRecovers { share, within, trigger_end } => {
                GoodputRecovers::new(*share, *within, *trigger_end).into()
            }
            Invariant::BreakerOpensWithin { within, degraded_at } => {
                BreakerOpensWithin::new(*within, *degraded_at).into()
            }
            Invariant::ClassMaxWait { class, class_name, bound } => {
                ClassMaxWait::new(*class, class_name.clone(), *bound).into()
            }
            Invariant::Progress { stuck } => Progress::new(*stuck).into(),
            Invariant::NoSecondOutage { fault_end } => NoSecondOutage::new(*fault_end).into(),
            Invariant::ScheduledOncePerLocalDay { client, client_name, at, start, customers } => {
                let (name, at) = (client_name.clone(), at.clone());
                ScheduledOncePerLocalDay::new(*client, name, at, *start, customers.clone()).into()
            }
            Invariant::NoValidTokenRejected => NoValidTokenRejected::new().into(),
            Invariant::NoExpiredTokenAccepted => NoExpiredTokenAccepted::new().into(),
            Invariant::Linearizable => Linearizable::new().into(),
            Invariant::NoAcknowledgedWriteLost => NoAcknowledgedWriteLost::new().into(),
            Invariant::NoLostMessages => NoLostMessages::new().into(),
            Invariant::NoSilentFailures { within } => NoSilentFailures::new(*within).into(),
            Invariant::ExactlyOnceEffects(names) => ExactlyOnceEffects::new(names.clone()).into(),
            Invariant::ValidTransitions(names) => ValidTransitions::new(names.clone()).into(),
            Invariant::FinalStateMatchesLastEvent(names) => {
                FinalStateMatchesLastEvent::new(names.clone()).into()
            }
            Invariant::ReadYourWrites => ReadYourWrites::new().into(),
            Invariant::MonotonicReads => MonotonicReads::new().into(),
            Invariant::BoundedStaleness { max } => BoundedStaleness::new(*max).into(),
        }
    }

    /// The stable name used in output and JSON: its property's.
    pub fn name(&self) -> &'static str {
        self.property(&RunSetup::NONE).as_dyn().name()
    }

    /// The invariant in words, e.g. `p99 latency ≤ 2s after 60s`: its property's description.
    pub fn describe(&self) -> String {
        self.property(&RunSetup::NONE).as_dyn().describe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_itself_as_its_property_does() {
        let slo = Invariant::LatencySlo {
            percentile: 99.0,
            bound: SimDuration::from_millis(250),
            after: SimTime::ZERO + SimDuration::from_secs(60),
        };
        assert_eq!(slo.describe(), "p99 latency ≤ 250ms after 60s");
        assert_eq!(slo.name(), "LatencySlo");
        let queue = Invariant::QueueBounded { service: 0, service_name: "db".into(), max: 3 };
        assert_eq!((queue.name(), queue.describe().as_str()), ("QueueBounded", "queue of db ≤ 3"));
    }

    #[test]
    fn each_invariant_becomes_the_property_of_its_name() {
        let (d, t) = (SimDuration::from_secs(1), SimTime::ZERO);
        let all = [
            Invariant::LatencySlo { percentile: 99.0, bound: d, after: t },
            Invariant::QueueBounded { service: 0, service_name: "s".into(), max: 1 },
            Invariant::NoLostRequests,
            Invariant::ServiceSlo {
                service: 0,
                service_name: "s".into(),
                percentile: 99.0,
                bound: d,
            },
            Invariant::RetryAmplification { max: 1.5 },
            Invariant::GoodputRecovers { share: 0.9, within: d, trigger_end: t },
            Invariant::BreakerOpensWithin { within: d, degraded_at: t },
            Invariant::ClassMaxWait { class: 0, class_name: "c".into(), bound: d },
            Invariant::NoLostMessages,
            Invariant::NoSilentFailures { within: d },
            Invariant::Progress { stuck: d },
            Invariant::NoSecondOutage { fault_end: t },
            Invariant::ScheduledOncePerLocalDay {
                client: 0,
                client_name: "c".into(),
                at: "09:00".into(),
                start: Timestamp::UNIX_EPOCH,
                customers: vec![],
            },
            Invariant::NoValidTokenRejected,
            Invariant::NoExpiredTokenAccepted,
            Invariant::ReadYourWrites,
            Invariant::MonotonicReads,
            Invariant::BoundedStaleness { max: d },
        ];
        for invariant in all {
            let (variant, name) = (format!("{invariant:?}"), invariant.name());
            let named = variant == name || variant.starts_with(&format!("{name} {{"));
            assert!(named, "{variant} became {name}");
        }
    }
}
