//! The monitor: watches a run through the model's observer hook, shows each property the
//! observations it wants, and collects their verdicts at the end. It knows no property.

use faultline_engine::SimTime;
use faultline_model::{Observation, Observer};

use crate::property::{AnyProperty, ByType, Property, RunEnd, Slot, Violation};

/// The judgement on one property.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub name: &'static str,
    pub description: String,
    pub holds: bool,
    pub violation: Option<Violation>,
    /// What the property counted ([`Property::figures`]).
    pub figures: Vec<(&'static str, u64)>,
}

impl Verdict {
    fn of(property: &dyn Property, end: &RunEnd) -> Verdict {
        let violation = property.verdict(end);
        Verdict {
            name: property.name(),
            description: property.describe(),
            holds: violation.is_none(),
            violation,
            figures: property.figures(),
        }
    }
}

/// Watches a run for its properties and judges them at the end.
#[derive(Debug)]
pub struct Monitor {
    properties: ByType,
    /// Where each property is, in the order given: the order of the verdicts.
    order: Vec<Slot>,
}

impl Monitor {
    pub fn new(properties: impl IntoIterator<Item = AnyProperty>) -> Self {
        let mut by_type = ByType::default();
        let order = properties.into_iter().map(|property| by_type.push(property)).collect();
        Monitor { properties: by_type, order }
    }

    /// Judges every property, in the order given.
    pub fn verdicts(&self, end: &RunEnd) -> Vec<Verdict> {
        self.order.iter().map(|&slot| Verdict::of(self.properties.get(slot), end)).collect()
    }
}

impl Observer for Monitor {
    /// Inlined at each of the world's call sites, where the kind of `what` is known: only the
    /// lists of properties that want that kind are looked at.
    #[inline(always)]
    fn observe(&mut self, now: SimTime, what: &Observation) {
        self.properties.observe(now, what);
    }
}

#[cfg(test)]
mod tests {
    use faultline_engine::SimDuration;
    use faultline_model::Outcome;

    use super::*;
    use crate::property::testing::{ended, metrics, t};
    use crate::property::{NoLostRequests, QueueBounded, RetryAmplification};

    #[test]
    fn shows_each_property_what_it_wants_and_judges_all_in_the_order_given() {
        let properties: [AnyProperty; 4] = [
            QueueBounded::new(0, "s".into(), 1).into(),
            NoLostRequests::new().into(),
            RetryAmplification::new(1.0).into(),
            // A second property of the same type is shown the same observations.
            QueueBounded::new(0, "s".into(), 0).into(),
        ];
        let mut monitor = Monitor::new(properties);
        let wait = SimDuration::ZERO;
        for (ms, what) in [
            Observation::RequestArrived { client: 0, request: 1, key: 0 },
            Observation::RequestArrived { client: 0, request: 2, key: 0 },
            Observation::AttemptQueued { service: 0, request: 1, depth: 1 },
            Observation::AttemptQueued { service: 0, request: 2, depth: 2 },
            Observation::JobStarted { service: 0, request: 1, class: 0, key: 0, wait },
            ended(1, t(0), Outcome::Success),
        ]
        .into_iter()
        .enumerate()
        {
            monitor.observe(t(ms as u64), &what);
        }
        let metrics = metrics();
        let verdicts = monitor.verdicts(&RunEnd { metrics: &metrics, in_flight: 1 });
        let judged: Vec<_> = verdicts
            .iter()
            .map(|v| (v.name, v.violation.as_ref().map(|x| (x.at, x.request))))
            .collect();
        let expected = [
            ("QueueBounded", Some((t(3), Some(2)))),
            ("NoLostRequests", None),
            ("RetryAmplification", None),
            ("QueueBounded", Some((t(2), Some(1)))),
        ];
        assert_eq!(judged, expected);
        assert_eq!(verdicts[3].description, "queue of s ≤ 0");
        let lost = monitor.verdicts(&RunEnd { metrics: &metrics, in_flight: 0 });
        assert!(!lost[1].holds, "two arrived, one ended, none in flight");
    }
}
