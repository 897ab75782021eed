//! QueueBounded: always, the queue of one service holds at most a given number of jobs.

use faultline_engine::SimTime;
use faultline_model::{Observation, ObservationKind, ObservationKinds};

use super::{Property, RunEnd, Violation};

/// The queue of `service` never holds more than `max` jobs.
#[derive(Debug)]
pub struct QueueBounded {
    service: usize,
    service_name: String,
    max: usize,
    /// The first attempt queued over the bound: (when, request, depth).
    first: Option<(SimTime, u64, usize)>,
    deepest: usize,
}

impl QueueBounded {
    pub fn new(service: usize, service_name: String, max: usize) -> Self {
        QueueBounded { service, service_name, max, first: None, deepest: 0 }
    }
}

impl Property for QueueBounded {
    fn name(&self) -> &'static str {
        "QueueBounded"
    }

    fn describe(&self) -> String {
        format!("queue of {} ≤ {}", self.service_name, self.max)
    }

    #[inline]
    fn wants() -> ObservationKinds {
        const { ObservationKinds::of(&[ObservationKind::AttemptQueued]) }
    }

    #[inline]
    fn observe(&mut self, now: SimTime, what: &Observation) {
        if let Observation::AttemptQueued { service, request, depth } = *what
            && service == self.service
        {
            self.deepest = self.deepest.max(depth);
            if depth > self.max && self.first.is_none() {
                self.first = Some((now, request, depth));
            }
        }
    }

    fn verdict(&self, _end: &RunEnd) -> Option<Violation> {
        self.first.map(|(at, request, depth)| Violation {
            at,
            request: Some(request),
            detail: format!("queue reached {depth} > {} (deepest {})", self.max, self.deepest),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::property::testing::{metrics, show, t, verdict};

    fn queued(service: usize, request: u64, depth: usize) -> Observation {
        Observation::AttemptQueued { service, request, depth }
    }

    #[test]
    fn reports_the_first_request_over_it() {
        let mut p = QueueBounded::new(0, "s".into(), 2);
        show(&mut p, t(1), queued(0, 10, 2));
        show(&mut p, t(2), queued(1, 11, 9)); // another service: not watched
        show(&mut p, t(3), queued(0, 12, 3));
        show(&mut p, t(4), queued(0, 13, 4));
        let violation = verdict(&p, &metrics()).expect("violated");
        assert_eq!((violation.at, violation.request), (t(3), Some(12)));
        assert_eq!(violation.detail, "queue reached 3 > 2 (deepest 4)");
    }

    #[test]
    fn holds_at_the_bound() {
        let mut p = QueueBounded::new(0, "s".into(), 2);
        show(&mut p, t(1), queued(0, 10, 2));
        assert_eq!(verdict(&p, &metrics()), None);
        assert_eq!(p.describe(), "queue of s ≤ 2");
    }
}
