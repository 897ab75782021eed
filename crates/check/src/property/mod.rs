//! Properties: one per invariant, each in its own file with its state, its verdict and its
//! tests.
//!
//! A property is shown the observations of the kinds it wants, as they happen, and judged once
//! on the finished run. It only watches: it can never change what the model does.

use std::fmt;

use faultline_engine::{SimDuration, SimTime};
use faultline_model::{Metrics, Observation, ObservationKinds};

/// Declares each property's module, [`AnyProperty`] that holds any one of them, and [`ByType`]
/// that holds many in one list per type.
macro_rules! properties {
    ($($module:ident::$Type:ident),* $(,)?) => {
        $(
            mod $module;
            pub use $module::$Type;

            impl From<$Type> for AnyProperty {
                fn from(property: $Type) -> Self {
                    AnyProperty::$Type(property)
                }
            }
        )*

        /// Any one property: what an [`Invariant`](crate::Invariant) becomes.
        #[derive(Debug)]
        pub enum AnyProperty {
            $($Type($Type),)*
        }

        impl AnyProperty {
            /// The property, to ask its name, description or verdict.
            pub fn as_dyn(&self) -> &dyn Property {
                match self {
                    $(AnyProperty::$Type(property) => property,)*
                }
            }
        }

        /// Which list of [`ByType`] a property is in.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        enum List {
            $($Type,)*
        }

        /// Properties held in one list per type. Showing them an observation is a loop over
        /// the list of each type that wants its kind, with no dispatch; where the kind is known
        /// (at the world's call sites) the lists of the other types are not even looked at.
        #[derive(Debug, Default)]
        pub(crate) struct ByType {
            $($module: Vec<$Type>,)*
        }

        impl ByType {
            /// Adds `property` to the list of its type; returns where it went.
            pub(crate) fn push(&mut self, property: AnyProperty) -> Slot {
                match property {
                    $(AnyProperty::$Type(property) => {
                        self.$module.push(property);
                        Slot { list: List::$Type, at: self.$module.len() - 1 }
                    })*
                }
            }

            /// The property at `slot`.
            pub(crate) fn get(&self, slot: Slot) -> &dyn Property {
                match slot.list {
                    $(List::$Type => &self.$module[slot.at],)*
                }
            }

            /// Shows `what` to every property whose type wants its kind. Inlined where the
            /// kind is known, all of it folds away for the types that do not want it. The first
            /// property of each list is shown in line, any others through one call: a loop here
            /// would be unrolled into every call site in the world.
            #[inline(always)]
            pub(crate) fn observe(&mut self, now: SimTime, what: &Observation) {
                $(
                    if let [first, rest @ ..] = self.$module.as_mut_slice()
                        && $Type::wants().contains(what.kind())
                    {
                        first.observe(now, what);
                        if !rest.is_empty() {
                            self.observe_rest(List::$Type, now, what);
                        }
                    }
                )*
            }

            /// Shows `what` to every property of `list` but the first.
            #[inline(never)]
            fn observe_rest(&mut self, list: List, now: SimTime, what: &Observation) {
                match list {
                    $(List::$Type => {
                        self.$module[1..].iter_mut().for_each(|property| property.observe(now, what))
                    })*
                }
            }
        }
    };
}

properties! {
    bounded_staleness::BoundedStaleness,
    breaker_opens_within::BreakerOpensWithin,
    class_max_wait::ClassMaxWait,
    exactly_once_effects::ExactlyOnceEffects,
    final_state_matches_last_event::FinalStateMatchesLastEvent,
    goodput_recovers::GoodputRecovers,
    latency_slo::LatencySlo,
    linearizable::Linearizable,
    monotonic_reads::MonotonicReads,
    no_acknowledged_write_lost::NoAcknowledgedWriteLost,
    no_lost_messages::NoLostMessages,
    no_lost_requests::NoLostRequests,
    no_silent_failures::NoSilentFailures,
    no_expired_token_accepted::NoExpiredTokenAccepted,
    no_second_outage::NoSecondOutage,
    no_valid_token_rejected::NoValidTokenRejected,
    progress::Progress,
    queue_bounded::QueueBounded,
    read_your_writes::ReadYourWrites,
    retry_amplification::RetryAmplification,
    scheduled_once_per_local_day::ScheduledOncePerLocalDay,
    service_slo::ServiceSlo,
    success_rate::SuccessRate,
    valid_transitions::ValidTransitions,
}

pub use scheduled_once_per_local_day::{CustomerDays, LocalDayTarget};
mod entities;
mod session_reads;
mod token_checks;
pub use entities::{EntityNames, EntityTable};
pub use exactly_once_effects::EffectNames;

/// Where a property is in [`ByType`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    list: List,
    at: usize,
}

/// A named property of a run, watched while it happens and judged at its end.
pub trait Property: fmt::Debug {
    /// The stable name used in output and JSON, e.g. `LatencySlo`.
    fn name(&self) -> &'static str;

    /// The property in words, e.g. `p99 latency ≤ 2s after 60s`.
    fn describe(&self) -> String;

    /// The kinds of observation [`Property::observe`] is shown; no others reach it. None by
    /// default: a property judged from the finished run alone watches nothing. One set for the
    /// type, so that the monitor tests it where the kind is known, at no cost.
    #[inline]
    fn wants() -> ObservationKinds
    where
        Self: Sized,
    {
        ObservationKinds::NONE
    }

    /// `what` happened at `now`; `what` is of a kind the property wants. On the hot path: mark
    /// it `#[inline]`, and keep it free of allocation.
    #[inline]
    fn observe(&mut self, _now: SimTime, _what: &Observation) {}

    /// The first violation, judged on the finished run; `None` when the property held.
    fn verdict(&self, end: &RunEnd) -> Option<Violation>;

    /// Counts the property made, by stable name in the order shown, with its verdict whether
    /// it held or not (effects applied against expected, say); empty for most.
    fn figures(&self) -> Vec<(&'static str, u64)> {
        Vec::new()
    }
}

/// What a property may know of a run before it starts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunSetup {
    /// The run's length: no latency is longer.
    pub longest: SimDuration,
    /// The end of the warm-up, from which the model's own metrics count.
    pub warmup: SimTime,
}

impl RunSetup {
    /// A setup for a run of no length: enough to name and describe a property.
    pub const NONE: RunSetup = RunSetup { longest: SimDuration::ZERO, warmup: SimTime::ZERO };
}

/// What judging needs of the finished run.
#[derive(Clone, Copy, Debug)]
pub struct RunEnd<'a> {
    /// What the model measured, closed at the end of the run.
    pub metrics: &'a Metrics,
    /// Client requests still in flight when the run ended.
    pub in_flight: u64,
}

/// The first time a property did not hold.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    pub at: SimTime,
    /// The request involved, when there is one.
    pub request: Option<u64>,
    /// The observed value in words, e.g. `p99 = 12.4s over 53,112 requests`.
    pub detail: String,
}

/// A percentile as written: `99`, `99.9`.
fn fmt_percentile(p: f64) -> String {
    format!("{p}").trim_end_matches(".0").to_string()
}

#[cfg(test)]
pub(crate) mod testing {
    //! What the properties' tests share.

    use faultline_engine::{SimDuration, SimTime};
    use faultline_model::{
        Metrics, Observation, OpKind, OpStatus, Outcome, RegisterHistory, RegisterOp,
    };

    use super::{Property, RunEnd, Violation};

    /// `ms` milliseconds into the run.
    pub fn t(ms: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_millis(ms)
    }

    /// The metrics of a run of 10 s, with one service `s` and one class, in which nothing
    /// happened.
    pub fn metrics() -> Metrics {
        Metrics::new(
            &[("s".into(), 1)],
            &["default".into()],
            SimTime::ZERO,
            t(10_000),
            SimDuration::from_secs(1),
        )
    }

    /// A register operation of client 0 (`east`) at replica 0, over `span` in ms.
    pub(crate) fn op(
        request: u64,
        key: u64,
        kind: OpKind,
        read: u64,
        status: OpStatus,
        span: (u64, u64),
    ) -> RegisterOp {
        RegisterOp {
            request,
            client: 0,
            key,
            kind,
            read,
            status,
            invoked: t(span.0),
            completed: Some(t(span.1)),
            replica: Some(0),
            applied: matches!(kind, OpKind::Write(_)),
            timed_out: false,
        }
    }

    /// [`metrics`] with one register `store` that saw `ops`.
    pub(crate) fn with_history(ops: Vec<RegisterOp>) -> Metrics {
        let mut m = metrics();
        m.registers = vec![RegisterHistory {
            name: "store".into(),
            replicas: vec![0],
            clients: vec!["east".into()],
            mode: "Failover",
            ops,
            leaders: vec![],
        }];
        m
    }

    /// The setup of the run [`metrics`] describes, with a warm-up that ends at once.
    pub fn setup() -> super::RunSetup {
        super::RunSetup { longest: SimDuration::from_secs(10), warmup: SimTime::from_nanos(1) }
    }

    /// Shows `property` an observation as the monitor would: only if its type wants its kind.
    pub fn show<P: Property>(property: &mut P, now: SimTime, what: Observation) {
        if P::wants().contains(what.kind()) {
            property.observe(now, &what);
        }
    }

    /// The end of a client request that arrived at `arrived`.
    pub fn ended(request: u64, arrived: SimTime, outcome: Outcome) -> Observation {
        Observation::RequestEnded { request, arrived, outcome }
    }

    /// The verdict on `metrics` with nothing in flight.
    pub fn verdict(property: &dyn Property, metrics: &Metrics) -> Option<Violation> {
        property.verdict(&RunEnd { metrics, in_flight: 0 })
    }
}
