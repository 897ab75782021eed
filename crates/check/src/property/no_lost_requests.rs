//! NoLostRequests: at the end, every request that arrived was completed, failed, rejected, or
//! is still in flight. Nothing vanishes.

use faultline_engine::SimTime;
use faultline_model::{Observation, ObservationKind, ObservationKinds, Outcome};

use super::{Property, RunEnd, Violation};

/// Counts requests as they arrive and end, independently of the model's metrics, so that a
/// model that drops a request cannot also hide it.
#[derive(Debug, Default)]
pub struct NoLostRequests {
    arrived: u64,
    completed: u64,
    failed: u64,
    rejected: u64,
}

impl NoLostRequests {
    pub fn new() -> Self {
        NoLostRequests::default()
    }
}

impl Property for NoLostRequests {
    fn name(&self) -> &'static str {
        "NoLostRequests"
    }

    fn describe(&self) -> String {
        "every request completed, rejected or in flight".into()
    }

    #[inline]
    fn wants() -> ObservationKinds {
        const { ObservationKinds::of(&[ObservationKind::RequestArrived, ObservationKind::RequestEnded]) }
    }

    #[inline]
    fn observe(&mut self, _now: SimTime, what: &Observation) {
        match *what {
            Observation::RequestArrived { .. } => self.arrived += 1,
            Observation::RequestEnded { outcome, .. } => match outcome {
                Outcome::Success => self.completed += 1,
                Outcome::Rejected(_) => self.rejected += 1,
                Outcome::Error | Outcome::Timeout => self.failed += 1,
            },
            _ => {}
        }
    }

    fn verdict(&self, end: &RunEnd) -> Option<Violation> {
        let in_flight = end.in_flight;
        let accounted = self.completed + self.failed + self.rejected + in_flight;
        (accounted != self.arrived).then(|| Violation {
            at: end.metrics.end(),
            request: None,
            detail: format!(
                "{} arrived but {} completed + {} failed + {} rejected + {} in flight = {accounted}",
                self.arrived, self.completed, self.failed, self.rejected, in_flight
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use faultline_engine::SimDuration;
    use faultline_model::Rejection;

    use super::*;
    use crate::property::testing::{ended, metrics, show, t};

    #[test]
    fn catches_a_request_that_vanished() {
        let mut p = NoLostRequests::new();
        for id in 0..3 {
            show(&mut p, t(id), Observation::RequestArrived { client: 0, request: id, key: 0 });
        }
        show(&mut p, t(0) + SimDuration::from_millis(5), ended(0, t(0), Outcome::Success));
        show(&mut p, t(6), ended(1, t(6), Outcome::Rejected(Rejection::QueueFull)));
        let metrics = metrics();
        let end = |in_flight| RunEnd { metrics: &metrics, in_flight };
        assert_eq!(p.verdict(&end(1)), None, "one still in flight: all accounted");
        let violation = p.verdict(&end(0)).expect("one unaccounted for");
        assert_eq!((violation.at, violation.request), (t(10_000), None));
        assert_eq!(
            violation.detail,
            "3 arrived but 1 completed + 0 failed + 1 rejected + 0 in flight = 2"
        );
    }

    #[test]
    fn counts_errors_and_timeouts_as_failed() {
        let mut p = NoLostRequests::new();
        for id in 0..2 {
            show(&mut p, t(id), Observation::RequestArrived { client: 0, request: id, key: 0 });
        }
        show(&mut p, t(5), ended(0, t(0), Outcome::Error));
        show(&mut p, t(6), ended(1, t(1), Outcome::Timeout));
        let metrics = metrics();
        assert_eq!(p.verdict(&RunEnd { metrics: &metrics, in_flight: 0 }), None);
    }
}
