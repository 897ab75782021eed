//! GoodputRecovers: at the end, goodput came back to a share of the offered load soon enough
//! after the trigger (the last fault or load spike) ended. The metastability check.

use faultline_engine::{SimDuration, SimTime, human_secs as secs};

use super::{Property, RunEnd, Violation};

/// From `within` after `trigger_end` to the end of the run, goodput is at least `share` of the
/// offered load, judged over that whole stretch.
#[derive(Debug)]
pub struct GoodputRecovers {
    share: f64,
    within: SimDuration,
    trigger_end: SimTime,
}

impl GoodputRecovers {
    pub fn new(share: f64, within: SimDuration, trigger_end: SimTime) -> Self {
        GoodputRecovers { share, within, trigger_end }
    }
}

impl Property for GoodputRecovers {
    fn name(&self) -> &'static str {
        "GoodputRecovers"
    }

    fn describe(&self) -> String {
        format!(
            "goodput ≥ {:.0} % of offered load from {} after the trigger ends at {}",
            self.share * 100.0,
            secs(self.within.as_secs_f64()),
            secs(self.trigger_end.as_secs_f64())
        )
    }

    /// The first window below the share is where a violation is reported.
    fn verdict(&self, end: &RunEnd) -> Option<Violation> {
        let (share, deadline) = (self.share, self.trigger_end + self.within);
        let from = deadline.as_secs_f64();
        let after: Vec<_> = end.metrics.windows.iter().filter(|w| w.start_s >= from).collect();
        let offered: u64 = after.iter().map(|w| w.arrived).sum();
        let goodput: u64 = after.iter().map(|w| w.completed).sum();
        if offered == 0 || goodput as f64 >= share * offered as f64 {
            return None;
        }
        let first_low = after.iter().find(|w| (w.completed as f64) < share * w.arrived as f64);
        let at =
            first_low.map_or(deadline, |w| SimTime::ZERO + SimDuration::from_secs_f64(w.start_s));
        Some(Violation {
            at,
            request: None,
            detail: format!(
                "goodput {:.0} % of offered load after {} ({goodput} of {offered} requests \
                 succeeded)",
                100.0 * goodput as f64 / offered as f64,
                secs(from)
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use faultline_model::{Metrics, Window};

    use super::*;
    use crate::property::testing::{metrics, t, verdict};

    /// Ten windows of 1 s, each with 10 arrivals and the given successes.
    fn windows(completed: [u64; 10]) -> Metrics {
        let mut m = metrics();
        let blank = Window { arrived: 10, attempts: 10, ..Window::empty(0.0) };
        m.windows = (0..10)
            .map(|i| Window { start_s: i as f64, completed: completed[i], ..blank.clone() })
            .collect();
        m
    }

    fn recovers(share: f64) -> GoodputRecovers {
        GoodputRecovers::new(share, SimDuration::from_secs(2), t(3_000))
    }

    #[test]
    fn judges_goodput_from_the_deadline_on() {
        // Down until 5 s; from the deadline (5 s) goodput is 8 of 10 on average.
        let m = windows([10, 0, 0, 0, 0, 6, 8, 8, 10, 8]);
        assert_eq!(verdict(&recovers(0.8), &m), None);
        let violation = verdict(&recovers(0.9), &m).expect("violated");
        assert_eq!((violation.at, violation.request), (t(5_000), None));
        assert_eq!(
            violation.detail,
            "goodput 80 % of offered load after 5s (40 of 50 requests succeeded)"
        );
    }

    #[test]
    fn holds_when_nothing_was_offered_after_the_deadline() {
        let p = GoodputRecovers::new(0.9, SimDuration::from_secs(20), t(3_000));
        assert_eq!(verdict(&p, &windows([0; 10])), None);
        assert_eq!(
            p.describe(),
            "goodput ≥ 90 % of offered load from 20s after the trigger ends at 3s"
        );
    }
}
