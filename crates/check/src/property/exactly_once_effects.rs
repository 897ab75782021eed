//! ExactlyOnceEffects: no effect is applied twice for one logical operation (the value its
//! `Effect` step's `once_per` picks). Its figures: effects applied against the operations that
//! expected one, duplicates applied, duplicates suppressed.
//!
//! Remembers the first application of every operation (memory follows the operations, as a
//! history does); must never count a suppressed duplicate as applied.

use std::collections::BTreeMap;

use faultline_engine::SimTime;
use faultline_model::{Observation, ObservationKind, ObservationKinds};

use super::{Property, RunEnd, Violation};

/// One application of an effect: when, by which attempt of which request, at which service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Application {
    at: SimTime,
    request: u64,
    attempt: u32,
    service: usize,
}

/// What the invariant needs to word a violation: each effect's name and what names its
/// operations (`order`, `key`), and the services' names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EffectNames {
    pub effects: Vec<(String, String)>,
    pub services: Vec<String>,
}

#[derive(Debug)]
pub struct ExactlyOnceEffects {
    names: EffectNames,
    /// (effect, operation) → its first application.
    first: BTreeMap<(u32, u64), Application>,
    applied: u64,
    suppressed: u64,
    duplicates: u64,
    /// The first duplicate applied: its effect and operation, and both applications.
    violation: Option<(u32, u64, Application, Application)>,
}

impl ExactlyOnceEffects {
    pub fn new(names: EffectNames) -> Self {
        ExactlyOnceEffects {
            names,
            first: BTreeMap::new(),
            applied: 0,
            suppressed: 0,
            duplicates: 0,
            violation: None,
        }
    }

    fn application(&self, a: Application) -> String {
        let service = self.names.services.get(a.service).map_or("?", String::as_str);
        format!(
            "at {:.3}s by attempt {} of request {} at `{service}`",
            a.at.as_secs_f64(),
            a.attempt,
            a.request
        )
    }
}

impl Property for ExactlyOnceEffects {
    fn name(&self) -> &'static str {
        "ExactlyOnceEffects"
    }

    fn describe(&self) -> String {
        "no effect applied twice for one operation".into()
    }

    #[inline]
    fn wants() -> ObservationKinds {
        use ObservationKind::{EffectApplied, EffectSuppressed};
        const { ObservationKinds::of(&[EffectApplied, EffectSuppressed]) }
    }

    #[inline]
    fn observe(&mut self, now: SimTime, what: &Observation) {
        match *what {
            Observation::EffectApplied { effect, op, request, service, attempt } => {
                self.applied += 1;
                let this = Application { at: now, request, attempt, service };
                match self.first.get(&(effect, op)) {
                    None => {
                        self.first.insert((effect, op), this);
                    }
                    Some(&first) => {
                        self.duplicates += 1;
                        if self.violation.is_none() {
                            self.violation = Some((effect, op, first, this));
                        }
                    }
                }
            }
            Observation::EffectSuppressed { .. } => self.suppressed += 1,
            _ => {}
        }
    }

    fn verdict(&self, _end: &RunEnd) -> Option<Violation> {
        let (effect, op, first, second) = self.violation?;
        let (name, per) = self.names.effects.get(effect as usize).cloned().unwrap_or_default();
        Some(Violation {
            at: second.at,
            request: Some(second.request),
            detail: format!(
                "`{name}` applied twice for {per} {op}: first {}, again {}",
                self.application(first),
                self.application(second)
            ),
        })
    }

    /// Effects applied, against the distinct operations applied (what exactly once expects).
    fn figures(&self) -> Vec<(&'static str, u64)> {
        vec![
            ("effects_applied", self.applied),
            ("expected_operations", self.first.len() as u64),
            ("duplicates_applied", self.duplicates),
            ("duplicates_suppressed", self.suppressed),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::property::testing::{metrics, show, t, verdict};

    fn names() -> EffectNames {
        EffectNames {
            effects: vec![("charge".into(), "order".into()), ("sms".into(), "key".into())],
            services: vec!["checkout".into(), "payments".into()],
        }
    }

    fn applied(effect: u32, op: u64, request: u64, attempt: u32) -> Observation {
        Observation::EffectApplied { effect, op, request, service: 1, attempt }
    }

    /// Order 7 charged by attempts 1 and 2 of request 7: the violation names both, at the
    /// second; an SMS for the same number is another effect, and suppressed duplicates are
    /// only counted.
    #[test]
    fn a_second_application_of_one_operation_is_named_with_both_attempts() {
        let mut p = ExactlyOnceEffects::new(names());
        show(&mut p, t(1_200), applied(0, 7, 7, 1));
        show(&mut p, t(1_250), applied(1, 7, 7, 1));
        show(&mut p, t(1_300), applied(0, 8, 8, 1));
        let suppressed = Observation::EffectSuppressed {
            effect: 0,
            op: 8,
            request: 8,
            service: 1,
            attempt: 2,
            first: t(1_300),
        };
        show(&mut p, t(1_400), suppressed);
        assert_eq!(verdict(&p, &metrics()), None);
        show(&mut p, t(1_700), applied(0, 7, 7, 2));
        show(&mut p, t(1_800), applied(0, 7, 7, 3));
        let v = verdict(&p, &metrics()).expect("charged twice");
        assert_eq!((v.at, v.request), (t(1_700), Some(7)));
        assert_eq!(
            v.detail,
            "`charge` applied twice for order 7: first at 1.200s by attempt 1 of request 7 at \
             `payments`, again at 1.700s by attempt 2 of request 7 at `payments`"
        );
        let figures = [
            ("effects_applied", 5),
            ("expected_operations", 3),
            ("duplicates_applied", 2),
            ("duplicates_suppressed", 1),
        ];
        assert_eq!(p.figures(), figures);
    }
}
