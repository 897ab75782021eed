//! ValidTransitions: every event an `Apply` step applied moved its entity along a transition
//! its rules allow. The first violation names the key and the two events in the order they
//! were applied (the one that left the entity where it was, then the one that moved it).
//!
//! Remembers each key's last applied event; must never judge a skipped (stale) event.

use std::collections::BTreeMap;

use faultline_engine::SimTime;
use faultline_model::{Observation, ObservationKind, ObservationKinds};

use super::entities::{EntityNames, Event};
use super::{Property, RunEnd, Violation};

#[derive(Debug)]
pub struct ValidTransitions {
    names: EntityNames,
    /// (table, key) → the last event applied to it.
    last: BTreeMap<(u32, u64), Event>,
    invalid: u64,
    /// The first invalid move: table, key, the event before it (if any) and the move itself.
    first: Option<(u32, u64, Option<Event>, Event, u16)>,
}

impl ValidTransitions {
    pub fn new(names: EntityNames) -> Self {
        ValidTransitions { names, last: BTreeMap::new(), invalid: 0, first: None }
    }
}

impl Property for ValidTransitions {
    fn name(&self) -> &'static str {
        "ValidTransitions"
    }

    fn describe(&self) -> String {
        "every event applied moves its entity along an allowed transition".into()
    }

    #[inline]
    fn wants() -> ObservationKinds {
        const { ObservationKinds::of(&[ObservationKind::EventApplied]) }
    }

    #[inline]
    fn observe(&mut self, now: SimTime, what: &Observation) {
        if let Observation::EventApplied { entity, key, from, to, valid, order, request, .. } =
            *what
        {
            let event = Event { at: now, to, order, request };
            let before = self.last.insert((entity, key), event);
            if !valid {
                self.invalid += 1;
                if self.first.is_none() {
                    self.first = Some((entity, key, before, event, from));
                }
            }
        }
    }

    fn verdict(&self, _end: &RunEnd) -> Option<Violation> {
        let (table, key, before, event, from) = self.first?;
        let names = &self.names;
        let before = match before {
            Some(b) => format!("after {}", names.event(table, b)),
            None => format!("on a new entity ({})", names.state(table, from)),
        };
        Some(Violation {
            at: event.at,
            request: Some(event.request),
            detail: format!(
                "{} moved {} → {}, which its rules do not allow: {before}, then {} \
                 ({} invalid moves in all)",
                names.key(table, key),
                names.state(table, from),
                names.state(table, event.to),
                names.event(table, event),
                self.invalid
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::property::entities::tests::{applied, names};
    use crate::property::testing::{metrics, show, t, verdict};

    /// Order 4 created, then shipped before paid: the shipped move is invalid and named after
    /// the created event; later invalid moves are only counted.
    #[test]
    fn an_invalid_move_names_the_key_and_both_events_in_order() {
        let mut p = ValidTransitions::new(names());
        show(&mut p, t(100), applied(4, (0, 1), true, 1, 10));
        show(&mut p, t(200), applied(4, (1, 2), true, 2, 11));
        assert_eq!(verdict(&p, &metrics()), None);
        show(&mut p, t(300), applied(5, (0, 1), true, 1, 12));
        show(&mut p, t(400), applied(5, (1, 3), false, 3, 14));
        show(&mut p, t(500), applied(5, (3, 2), false, 2, 13));
        let v = verdict(&p, &metrics()).expect("invalid move");
        assert_eq!((v.at, v.request), (t(400), Some(14)));
        assert_eq!(
            v.detail,
            "`orders` key 5 moved created → shipped, which its rules do not allow: after \
             created (version 1, request 12 at 0.300s), then shipped (version 3, request 14 at \
             0.400s) (2 invalid moves in all)"
        );
    }
}
