//! NoSecondOutage: at the end, once a breaker closed again after the last fault ended, no
//! breaker opened again: recovery did not cause a second outage.

use faultline_engine::{SimTime, human_secs as secs};
use faultline_model::policy::BreakerState;

use super::{Property, RunEnd, Violation};

/// After the first breaker closes at or after `fault_end`, no breaker opens again; a breaker
/// that opened and never closed after `fault_end` is a violation too.
#[derive(Debug)]
pub struct NoSecondOutage {
    fault_end: SimTime,
}

impl NoSecondOutage {
    pub fn new(fault_end: SimTime) -> Self {
        NoSecondOutage { fault_end }
    }
}

impl Property for NoSecondOutage {
    fn name(&self) -> &'static str {
        "NoSecondOutage"
    }

    fn describe(&self) -> String {
        format!(
            "no breaker reopens after recovering from the fault that ends at {}",
            secs(self.fault_end.as_secs_f64())
        )
    }

    fn verdict(&self, end: &RunEnd) -> Option<Violation> {
        let metrics = end.metrics;
        let after: Vec<_> =
            metrics.breaker_changes.iter().filter(|c| c.at >= self.fault_end).collect();
        let Some(closed) = after.iter().position(|c| c.to == BreakerState::Closed) else {
            let opened_ever = metrics.breaker_changes.iter().any(|c| c.to == BreakerState::Open);
            return opened_ever.then(|| Violation {
                at: metrics.end(),
                request: None,
                detail: "the breaker never closed again after the fault ended".into(),
            });
        };
        let reopened = after[closed..].iter().find(|c| c.to == BreakerState::Open)?;
        Some(Violation {
            at: reopened.at,
            request: None,
            detail: format!(
                "{} closed at {} and opened again at {}: the recovery knocked the dependency over",
                after[closed].site,
                secs(after[closed].at.as_secs_f64()),
                secs(reopened.at.as_secs_f64())
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use faultline_model::BreakerChange;

    use super::*;
    use crate::property::testing::{metrics, t, verdict};

    fn changes(list: &[(u64, BreakerState)]) -> faultline_model::Metrics {
        let mut m = metrics();
        m.breaker_changes = list
            .iter()
            .map(|&(ms, to)| BreakerChange { at: t(ms), site: "api→db".into(), to })
            .collect();
        m
    }

    #[test]
    fn a_breaker_that_opens_again_after_recovering_is_a_second_outage() {
        use BreakerState::{Closed, HalfOpen, Open};
        let p = NoSecondOutage::new(t(3_000));
        let once = changes(&[(1_000, Open), (2_000, HalfOpen), (3_500, Closed)]);
        assert_eq!(verdict(&p, &once), None);
        let twice = changes(&[(1_000, Open), (3_500, Closed), (5_000, Open), (6_000, Closed)]);
        let violation = verdict(&p, &twice).expect("second outage");
        assert_eq!((violation.at, violation.request), (t(5_000), None));
        assert_eq!(
            violation.detail,
            "api→db closed at 3.5s and opened again at 5s: the recovery knocked the dependency \
             over"
        );
    }

    #[test]
    fn a_breaker_that_never_closes_again_is_a_violation_at_the_end() {
        let p = NoSecondOutage::new(t(3_000));
        assert_eq!(verdict(&p, &changes(&[])), None, "no breaker ever opened");
        let violation = verdict(&p, &changes(&[(1_000, BreakerState::Open)])).expect("open");
        assert_eq!(violation.at, t(10_000));
        assert_eq!(violation.detail, "the breaker never closed again after the fault ended");
        assert_eq!(
            p.describe(),
            "no breaker reopens after recovering from the fault that ends at 3s"
        );
    }
}
