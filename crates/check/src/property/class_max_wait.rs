//! ClassMaxWait: always, no job of one request class waits longer than a bound in any queue.

use faultline_engine::{SimDuration, SimTime, human_secs as secs};
use faultline_model::{Observation, ObservationKind, ObservationKinds};

use super::{Property, RunEnd, Violation};

/// No job of `class` waits longer than `bound` in any queue. The warm-up is not excluded:
/// starvation at any time counts.
#[derive(Debug)]
pub struct ClassMaxWait {
    class: u8,
    class_name: String,
    bound: SimDuration,
    /// The first job that waited over the bound: (when it started, request, wait).
    first: Option<(SimTime, u64, SimDuration)>,
    longest: SimDuration,
}

impl ClassMaxWait {
    pub fn new(class: u8, class_name: String, bound: SimDuration) -> Self {
        ClassMaxWait { class, class_name, bound, first: None, longest: SimDuration::ZERO }
    }
}

impl Property for ClassMaxWait {
    fn name(&self) -> &'static str {
        "ClassMaxWait"
    }

    fn describe(&self) -> String {
        format!(
            "no `{}` request waits more than {}",
            self.class_name,
            secs(self.bound.as_secs_f64())
        )
    }

    #[inline]
    fn wants() -> ObservationKinds {
        const { ObservationKinds::of(&[ObservationKind::JobStarted]) }
    }

    #[inline]
    fn observe(&mut self, now: SimTime, what: &Observation) {
        if let Observation::JobStarted { request, class, wait, .. } = *what
            && class == self.class
        {
            self.longest = self.longest.max(wait);
            if wait > self.bound && self.first.is_none() {
                self.first = Some((now, request, wait));
            }
        }
    }

    fn verdict(&self, _end: &RunEnd) -> Option<Violation> {
        self.first.map(|(at, request, wait)| Violation {
            at,
            request: Some(request),
            detail: format!(
                "request {request} waited {} > {} (longest wait {})",
                secs(wait.as_secs_f64()),
                secs(self.bound.as_secs_f64()),
                secs(self.longest.as_secs_f64())
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::property::testing::{metrics, show, t, verdict};

    fn started(service: usize, request: u64, class: u8, wait_ms: u64) -> Observation {
        let wait = SimDuration::from_millis(wait_ms);
        Observation::JobStarted { service, request, class, key: 0, wait }
    }

    #[test]
    fn reports_the_first_job_of_its_class_over_the_bound() {
        let mut p = ClassMaxWait::new(1, "low".into(), SimDuration::from_millis(500));
        show(&mut p, t(100), started(0, 1, 1, 400));
        show(&mut p, t(200), started(0, 2, 0, 9_000)); // another class: not watched
        show(&mut p, t(300), started(1, 3, 1, 600)); // any service counts
        show(&mut p, t(400), started(0, 4, 1, 2_000));
        let violation = verdict(&p, &metrics()).expect("violated");
        assert_eq!((violation.at, violation.request), (t(300), Some(3)));
        assert_eq!(violation.detail, "request 3 waited 600ms > 500ms (longest wait 2s)");
    }

    #[test]
    fn holds_when_every_wait_is_within_the_bound() {
        let mut p = ClassMaxWait::new(0, "default".into(), SimDuration::from_millis(500));
        show(&mut p, t(100), started(0, 1, 0, 500));
        assert_eq!(verdict(&p, &metrics()), None);
        assert_eq!(p.describe(), "no `default` request waits more than 500ms");
    }
}
