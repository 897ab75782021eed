//! FinalStateMatchesLastEvent: at the end, each entity is in the state its last event moves it
//! to. "Last" is the highest version where the `Apply` step reads one, else the event sent last
//! (requests are numbered in the order clients send them): the producer's order, whatever
//! order the events arrived in. Only applied events count; an event skipped as stale moved
//! nothing.
//!
//! Remembers per key its state, its last applied event and its highest; must never judge a
//! key by the order its events merely arrived in.

use std::collections::BTreeMap;

use faultline_engine::SimTime;
use faultline_model::{Observation, ObservationKind, ObservationKinds};

use super::entities::{EntityNames, Event};
use super::{Property, RunEnd, Violation};

/// One entity as the property follows it.
#[derive(Clone, Copy, Debug)]
struct Followed {
    /// The event applied last: the state it is in.
    last: Event,
    /// The event with the highest order applied so far.
    highest: Event,
}

#[derive(Debug)]
pub struct FinalStateMatchesLastEvent {
    names: EntityNames,
    entities: BTreeMap<(u32, u64), Followed>,
}

impl FinalStateMatchesLastEvent {
    pub fn new(names: EntityNames) -> Self {
        FinalStateMatchesLastEvent { names, entities: BTreeMap::new() }
    }
}

impl Property for FinalStateMatchesLastEvent {
    fn name(&self) -> &'static str {
        "FinalStateMatchesLastEvent"
    }

    fn describe(&self) -> String {
        "each entity ends in the state its last event moves it to".into()
    }

    #[inline]
    fn wants() -> ObservationKinds {
        const { ObservationKinds::of(&[ObservationKind::EventApplied]) }
    }

    #[inline]
    fn observe(&mut self, now: SimTime, what: &Observation) {
        if let Observation::EventApplied { entity, key, to, order, request, .. } = *what {
            let event = Event { at: now, to, order, request };
            self.entities
                .entry((entity, key))
                .and_modify(|f| {
                    f.last = event;
                    if order >= f.highest.order {
                        f.highest = event;
                    }
                })
                .or_insert(Followed { last: event, highest: event });
        }
    }

    /// The key whose state went wrong earliest: its last event overwrote the highest.
    fn verdict(&self, _end: &RunEnd) -> Option<Violation> {
        let (&(table, key), f) = self
            .entities
            .iter()
            .filter(|(_, f)| f.last.to != f.highest.to)
            .min_by_key(|(_, f)| f.last.at)?;
        let names = &self.names;
        Some(Violation {
            at: f.last.at,
            request: Some(f.last.request),
            detail: format!(
                "{} ends {} but its last event moves it to {}: applied {}, then {}",
                names.key(table, key),
                names.state(table, f.last.to),
                names.state(table, f.highest.to),
                names.event(table, f.highest),
                names.event(table, f.last)
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::property::entities::tests::{applied, names};
    use crate::property::testing::{metrics, show, t, verdict};

    /// Key 5 gets version 3 (shipped) before version 2 (paid): it ends paid, and the violation
    /// names both in the order applied. Key 4's events in order end well.
    #[test]
    fn an_older_event_applied_last_leaves_the_wrong_state() {
        let mut p = FinalStateMatchesLastEvent::new(names());
        show(&mut p, t(100), applied(4, (0, 1), true, 1, 10));
        show(&mut p, t(200), applied(4, (1, 2), true, 2, 11));
        show(&mut p, t(300), applied(5, (0, 1), true, 1, 12));
        show(&mut p, t(400), applied(5, (1, 3), false, 3, 14));
        assert_eq!(verdict(&p, &metrics()), None, "shipped is where key 5 should end");
        show(&mut p, t(500), applied(5, (3, 2), false, 2, 13));
        let v = verdict(&p, &metrics()).expect("key 5 ends paid");
        assert_eq!((v.at, v.request), (t(500), Some(13)));
        assert_eq!(
            v.detail,
            "`orders` key 5 ends paid but its last event moves it to shipped: applied shipped \
             (version 3, request 14 at 0.400s), then paid (version 2, request 13 at 0.500s)"
        );
    }
}
