//! SuccessRate: at the end, at least a share of the client requests that ended succeeded; the
//! violation is placed at the first window whose requests fell below that share.

use faultline_engine::{SimDuration, SimTime};

use super::{Property, RunEnd, Violation};

/// Of the client requests that ended (succeeded, failed or were rejected), at least `min`
/// succeeded.
#[derive(Debug)]
pub struct SuccessRate {
    min: f64,
}

impl SuccessRate {
    pub fn new(min: f64) -> Self {
        SuccessRate { min }
    }
}

impl Property for SuccessRate {
    fn name(&self) -> &'static str {
        "SuccessRate"
    }

    fn describe(&self) -> String {
        format!("at least {} % of requests succeed", self.min * 100.0)
    }

    fn verdict(&self, end: &RunEnd) -> Option<Violation> {
        let m = end.metrics;
        let ended = m.completed + m.failed + m.rejected;
        if ended == 0 || m.completed as f64 >= self.min * ended as f64 {
            return None;
        }
        let below = |w: &&faultline_model::Window| {
            let ended = w.completed + w.failed + w.rejected;
            ended > 0 && (w.completed as f64) < self.min * ended as f64
        };
        let first_low = m.windows.iter().find(below);
        let at = first_low.map_or(m.end(), |w| SimTime::ZERO + SimDuration::from_secs_f64(w.start_s));
        Some(Violation {
            at,
            request: None,
            detail: format!(
                "{:.1} % of {} requests that ended succeeded ({} failed, {} rejected)",
                100.0 * m.completed as f64 / ended as f64,
                ended,
                m.failed,
                m.rejected
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::property::testing::{metrics, t, verdict};

    #[test]
    fn judges_the_share_of_requests_that_succeeded() {
        let mut m = metrics();
        (m.completed, m.failed, m.rejected) = (990, 6, 4);
        assert_eq!(verdict(&SuccessRate::new(0.99), &m), None);
        let violation = verdict(&SuccessRate::new(0.995), &m).expect("violated");
        assert_eq!(violation.at, t(10_000), "no window fell below: the end of the run");
        assert_eq!(
            violation.detail,
            "99.0 % of 1000 requests that ended succeeded (6 failed, 4 rejected)"
        );
        assert_eq!(SuccessRate::new(0.99).describe(), "at least 99 % of requests succeed");
    }

    #[test]
    fn a_run_where_nothing_ended_holds() {
        assert_eq!(verdict(&SuccessRate::new(1.0), &metrics()), None);
    }
}
