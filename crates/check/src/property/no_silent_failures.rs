//! NoSilentFailures(within): every message that reaches a dead-letter queue raises an alert
//! within the bound: a dead-letter queue nobody watches fills in silence.

use faultline_engine::{SimDuration, SimTime};
use faultline_model::{Observation, ObservationKind, ObservationKinds};

use super::{Property, RunEnd, Violation};

/// The oldest dead letter of a subscription no alert has covered yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Unnoticed {
    at: SimTime,
    message: u64,
    key: u64,
    request: u64,
    receives: u32,
    /// Dead letters since, all unnoticed.
    count: u64,
}

/// The first dead letter noticed too late, or never.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Late {
    subscription: usize,
    letter: Unnoticed,
    /// The alert that finally came, if one did.
    alerted: Option<SimTime>,
}

/// Per subscription, only the oldest unnoticed dead letter: memory follows subscriptions,
/// never messages.
#[derive(Debug)]
pub struct NoSilentFailures {
    within: SimDuration,
    unnoticed: Vec<Option<Unnoticed>>,
    first_late: Option<Late>,
}

impl NoSilentFailures {
    pub fn new(within: SimDuration) -> Self {
        NoSilentFailures { within, unnoticed: Vec::new(), first_late: None }
    }

    fn slot(&mut self, subscription: usize) -> &mut Option<Unnoticed> {
        if self.unnoticed.len() <= subscription {
            self.unnoticed.resize(subscription + 1, None);
        }
        &mut self.unnoticed[subscription]
    }

    fn late(&mut self, late: Late) {
        if self.first_late.is_none_or(|first| late.letter.at < first.letter.at) {
            self.first_late = Some(late);
        }
    }
}

impl Property for NoSilentFailures {
    fn name(&self) -> &'static str {
        "NoSilentFailures"
    }

    fn describe(&self) -> String {
        format!("every dead-lettered message raises an alert within {}", self.within)
    }

    #[inline]
    fn wants() -> ObservationKinds {
        const {
            ObservationKinds::of(&[
                ObservationKind::MessageDeadLettered,
                ObservationKind::DeadLetterAlert,
            ])
        }
    }

    #[inline]
    fn observe(&mut self, now: SimTime, what: &Observation) {
        match *what {
            Observation::MessageDeadLettered { subscription, message, key, request, receives } => {
                let slot = self.slot(subscription);
                match slot {
                    Some(oldest) => oldest.count += 1,
                    None => {
                        *slot = Some(Unnoticed { at: now, message, key, request, receives, count: 1 })
                    }
                }
            }
            Observation::DeadLetterAlert { subscription, .. } => {
                let within = self.within;
                if let Some(letter) = self.slot(subscription).take()
                    && now - letter.at > within
                {
                    self.late(Late { subscription, letter, alerted: Some(now) });
                }
            }
            _ => {}
        }
    }

    fn verdict(&self, end: &RunEnd) -> Option<Violation> {
        let run_end = end.metrics.end();
        let never = self.unnoticed.iter().enumerate().filter_map(|(subscription, letter)| {
            let letter = (*letter)?;
            (run_end - letter.at > self.within).then_some(Late { subscription, letter, alerted: None })
        });
        let first = self.first_late.into_iter().chain(never).min_by_key(|l| l.letter.at)?;
        let Late { subscription, letter, alerted } = first;
        let queue = end.metrics.brokers.get(subscription).map_or_else(
            || format!("subscription {subscription}"),
            |r| format!("`{}`'s subscription to `{}`", r.group, r.topic),
        );
        let noticed = match alerted {
            Some(at) => format!("the first alert after it came at {at}"),
            None => format!("no alert came by the end ({run_end})"),
        };
        Some(Violation {
            at: letter.at + self.within,
            request: Some(letter.request),
            detail: format!(
                "message {} (key {}, of request {}) went to the dead-letter queue of {queue} at {} \
                 after {} receives, and {noticed}; {} dead-lettered there from then on went \
                 unnoticed with it",
                letter.message, letter.key, letter.request, letter.at, letter.receives, letter.count
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::property::testing::{metrics, show, t};

    fn dead(subscription: usize, message: u64) -> Observation {
        Observation::MessageDeadLettered { subscription, message, key: 7, request: 70, receives: 3 }
    }

    fn alert(subscription: usize) -> Observation {
        Observation::DeadLetterAlert { subscription, depth: 1 }
    }

    fn judge(p: &NoSilentFailures) -> Option<Violation> {
        p.verdict(&RunEnd { metrics: &metrics(), in_flight: 0 })
    }

    #[test]
    fn an_alert_within_the_bound_covers_every_dead_letter_before_it() {
        let mut p = NoSilentFailures::new(SimDuration::from_secs(5));
        show(&mut p, t(1_000), dead(0, 1));
        show(&mut p, t(3_000), dead(0, 2));
        show(&mut p, t(5_000), alert(0));
        assert_eq!(judge(&p), None);
    }

    #[test]
    fn an_alert_too_late_or_on_another_queue_is_a_violation() {
        let mut p = NoSilentFailures::new(SimDuration::from_secs(5));
        show(&mut p, t(1_000), dead(0, 1));
        show(&mut p, t(2_000), alert(1));
        show(&mut p, t(9_000), alert(0));
        let v = judge(&p).expect("late");
        assert_eq!((v.at, v.request), (t(6_000), Some(70)));
        assert!(v.detail.contains("the first alert after it came at 9s"), "{}", v.detail);
    }

    #[test]
    fn a_dead_letter_never_alerted_is_a_violation_once_the_bound_passed() {
        let mut p = NoSilentFailures::new(SimDuration::from_secs(5));
        show(&mut p, t(1_000), dead(2, 5));
        show(&mut p, t(2_000), dead(2, 6));
        let v = judge(&p).expect("silent");
        assert!(v.detail.contains("no alert came by the end"), "{}", v.detail);
        assert!(v.detail.contains("2 dead-lettered there"), "{}", v.detail);
    }
}
