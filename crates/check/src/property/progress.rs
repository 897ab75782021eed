//! Progress: at the end, no client request has been in flight too long and no pool is
//! deadlocked.

use faultline_engine::{SimDuration, human_secs as secs};

use super::{Property, RunEnd, Violation};

/// No client request has been in flight longer than `stuck` at the end, and no pool is left
/// with every worker waiting on work queued behind it (a deadlock).
#[derive(Debug)]
pub struct Progress {
    stuck: SimDuration,
}

impl Progress {
    pub fn new(stuck: SimDuration) -> Self {
        Progress { stuck }
    }
}

impl Property for Progress {
    fn name(&self) -> &'static str {
        "Progress"
    }

    fn describe(&self) -> String {
        format!("no request stuck longer than {}, no starved pool", secs(self.stuck.as_secs_f64()))
    }

    /// Names the oldest request stuck, and each starved pool with the requests holding its
    /// workers.
    fn verdict(&self, end: &RunEnd) -> Option<Violation> {
        let (metrics, stuck) = (end.metrics, self.stuck);
        let end = metrics.end();
        let oldest = metrics.oldest_in_flight.filter(|(_, arrived)| end - *arrived > stuck);
        if oldest.is_none() && metrics.starved_pools.is_empty() {
            return None;
        }
        let mut detail = match oldest {
            Some((request, arrived)) => format!(
                "request {request} in flight for {} (since {})",
                secs((end - arrived).as_secs_f64()),
                secs(arrived.as_secs_f64())
            ),
            None => "no request stuck yet".into(),
        };
        for pool in &metrics.starved_pools {
            let name = &metrics.services[pool.service].name;
            detail += &format!(
                "; pool `{name}` deadlocked: all {} workers wait on sub-tasks queued behind them \
                 in the same pool ({} jobs queued); requests holding it: {:?}",
                pool.workers, pool.queued, pool.waiting_requests
            );
        }
        let at = oldest.map_or(end, |(_, arrived)| arrived + stuck);
        Some(Violation { at, request: oldest.map(|(r, _)| r), detail })
    }
}

#[cfg(test)]
mod tests {
    use faultline_model::StarvedPool;

    use super::*;
    use crate::property::testing::{metrics, t, verdict};

    fn progress(secs: u64) -> Progress {
        Progress::new(SimDuration::from_secs(secs))
    }

    #[test]
    fn a_request_in_flight_too_long_is_stuck_from_its_arrival_plus_the_bound() {
        let mut m = metrics();
        m.oldest_in_flight = Some((42, t(4_000)));
        assert_eq!(verdict(&progress(6), &m), None);
        let violation = verdict(&progress(5), &m).expect("stuck");
        assert_eq!((violation.at, violation.request), (t(9_000), Some(42)));
        assert_eq!(violation.detail, "request 42 in flight for 6s (since 4s)");
    }

    #[test]
    fn a_starved_pool_is_named_with_the_requests_holding_it() {
        let mut m = metrics();
        m.starved_pools =
            vec![StarvedPool { service: 0, workers: 1, queued: 3, waiting_requests: vec![7] }];
        let violation = verdict(&progress(5), &m).expect("deadlocked");
        assert_eq!((violation.at, violation.request), (t(10_000), None));
        assert_eq!(
            violation.detail,
            "no request stuck yet; pool `s` deadlocked: all 1 workers wait on sub-tasks queued \
             behind them in the same pool (3 jobs queued); requests holding it: [7]"
        );
        assert_eq!(progress(5).describe(), "no request stuck longer than 5s, no starved pool");
    }
}
