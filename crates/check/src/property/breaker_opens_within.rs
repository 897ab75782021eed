//! BreakerOpensWithin: at the end, some circuit breaker opened soon enough after the first
//! fault started.

use faultline_engine::{SimDuration, SimTime, human_secs as secs};
use faultline_model::policy::BreakerState;

use super::{Property, RunEnd, Violation};

/// Some breaker opened within `within` of `degraded_at` (the start of the first fault).
#[derive(Debug)]
pub struct BreakerOpensWithin {
    within: SimDuration,
    degraded_at: SimTime,
}

impl BreakerOpensWithin {
    pub fn new(within: SimDuration, degraded_at: SimTime) -> Self {
        BreakerOpensWithin { within, degraded_at }
    }
}

impl Property for BreakerOpensWithin {
    fn name(&self) -> &'static str {
        "BreakerOpensWithin"
    }

    fn describe(&self) -> String {
        format!(
            "a breaker opens within {} of the degradation at {}",
            secs(self.within.as_secs_f64()),
            secs(self.degraded_at.as_secs_f64())
        )
    }

    /// The first opening at or after the degradation; a violation if it is after the deadline
    /// or never comes.
    fn verdict(&self, end: &RunEnd) -> Option<Violation> {
        let (from, deadline) = (self.degraded_at, self.degraded_at + self.within);
        let changes = &end.metrics.breaker_changes;
        let opened = changes.iter().find(|c| c.to == BreakerState::Open && c.at >= from);
        match opened {
            Some(change) if change.at <= deadline => None,
            Some(change) => Some(Violation {
                at: deadline,
                request: None,
                detail: format!("{} opened only at {}", change.site, secs(change.at.as_secs_f64())),
            }),
            None => Some(Violation {
                at: deadline,
                request: None,
                detail: "no breaker opened at all after the degradation".into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use faultline_model::BreakerChange;

    use super::*;
    use crate::property::testing::{metrics, t, verdict};

    fn change(ms: u64, to: BreakerState) -> BreakerChange {
        BreakerChange { at: t(ms), site: "api→db".into(), to }
    }

    fn opens_within(ms: u64) -> BreakerOpensWithin {
        BreakerOpensWithin::new(SimDuration::from_millis(ms), t(2_000))
    }

    #[test]
    fn only_an_opening_after_the_degradation_counts() {
        let mut m = metrics();
        m.breaker_changes =
            vec![change(1_000, BreakerState::Open), change(3_000, BreakerState::Open)];
        assert_eq!(verdict(&opens_within(1_000), &m), None);
        let violation = verdict(&opens_within(500), &m).expect("too late");
        assert_eq!((violation.at, violation.request), (t(2_500), None));
        assert_eq!(violation.detail, "api→db opened only at 3s");
    }

    #[test]
    fn a_breaker_that_never_opens_is_a_violation_at_the_deadline() {
        let mut m = metrics();
        m.breaker_changes = vec![change(2_500, BreakerState::HalfOpen)];
        let violation = verdict(&opens_within(500), &m).expect("never opened");
        assert_eq!(violation.at, t(2_500));
        assert_eq!(violation.detail, "no breaker opened at all after the degradation");
        assert_eq!(
            opens_within(500).describe(),
            "a breaker opens within 500ms of the degradation at 2s"
        );
    }
}
