//! LatencySlo: at the end, a percentile of end-to-end latency, over requests that arrived from a
//! given time on, is within a bound.

use faultline_engine::{SimDuration, SimTime, human_secs as secs};
use faultline_model::{Latencies, Observation, ObservationKind, ObservationKinds, Outcome};

use super::{Property, RunEnd, RunSetup, Violation, fmt_percentile};

/// The `percentile` of the latency of successful client requests that arrived at or after
/// `after` is at most `bound`.
#[derive(Debug)]
pub struct LatencySlo {
    percentile: f64,
    bound: SimDuration,
    after: SimTime,
    /// `None` when the property starts at the warm-up: then the run's own latency histogram
    /// holds exactly the same requests and recording twice would be waste.
    latencies: Option<Latencies>,
    /// The first request over the bound: (when it ended, request, latency).
    first_slow: Option<(SimTime, u64, SimDuration)>,
}

impl LatencySlo {
    pub fn new(percentile: f64, bound: SimDuration, after: SimTime, setup: &RunSetup) -> Self {
        let latencies = (after != setup.warmup).then(|| Latencies::new(setup.longest));
        LatencySlo { percentile, bound, after, latencies, first_slow: None }
    }
}

impl Property for LatencySlo {
    fn name(&self) -> &'static str {
        "LatencySlo"
    }

    fn describe(&self) -> String {
        let since = if self.after > SimTime::ZERO {
            format!(" after {}", secs(self.after.as_secs_f64()))
        } else {
            String::new()
        };
        format!(
            "p{} latency ≤ {}{since}",
            fmt_percentile(self.percentile),
            secs(self.bound.as_secs_f64())
        )
    }

    #[inline]
    fn wants() -> ObservationKinds {
        const { ObservationKinds::of(&[ObservationKind::RequestEnded]) }
    }

    #[inline]
    fn observe(&mut self, now: SimTime, what: &Observation) {
        if let Observation::RequestEnded { request, arrived, outcome: Outcome::Success } = *what
            && arrived >= self.after
        {
            let latency = now - arrived;
            if let Some(latencies) = &mut self.latencies {
                latencies.record(latency);
            }
            if latency > self.bound && self.first_slow.is_none() {
                self.first_slow = Some((now, request, latency));
            }
        }
    }

    fn verdict(&self, end: &RunEnd) -> Option<Violation> {
        let latencies = self.latencies.as_ref().unwrap_or(end.metrics.latency_histogram());
        let q = self.percentile / 100.0;
        let (lowest, _) = latencies.quantile_bucket(q)?;
        // The histogram rounds values into buckets; compare at its resolution so that a bucket
        // that merely contains the bound does not count as a violation.
        if lowest <= self.bound.as_nanos() {
            return None;
        }
        let observed = latencies.quantile(q).as_nanos();
        let (at, request, took) = self.first_slow?;
        Some(Violation {
            at,
            request: Some(request),
            detail: format!(
                "p{} = {} over {} requests; first over the bound: request {request}, {}",
                self.percentile,
                secs(observed as f64 / 1e9),
                latencies.len(),
                secs(took.as_secs_f64())
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::property::testing::{ended, metrics, setup, show, t, verdict};

    fn slo(percentile: f64, bound_ms: u64, after: SimTime) -> LatencySlo {
        LatencySlo::new(percentile, SimDuration::from_millis(bound_ms), after, &setup())
    }

    #[test]
    fn judges_the_percentile_not_single_requests() {
        let mut p = slo(99.0, 100, t(0));
        for id in 0..1000 {
            let slow = id == 500; // one slow request in 1,000 is below the 99th percentile
            let latency = SimDuration::from_millis(if slow { 900 } else { 10 });
            show(&mut p, t(0) + latency, ended(id, t(0), Outcome::Success));
        }
        assert_eq!(verdict(&p, &metrics()), None);
        let mut p = slo(99.0, 100, t(0));
        for id in 0..1000 {
            let latency = SimDuration::from_millis(if id % 10 == 0 { 900 } else { 10 });
            show(&mut p, t(0) + latency, ended(id, t(0), Outcome::Success));
        }
        let violation = verdict(&p, &metrics()).expect("violated");
        assert_eq!((violation.at, violation.request), (t(900), Some(0)));
        assert!(violation.detail.starts_with("p99 = 900"), "{}", violation.detail);
    }

    #[test]
    fn ignores_requests_before_its_start() {
        let mut p = slo(50.0, 100, t(5_000));
        show(&mut p, t(1_000) + SimDuration::from_secs(3), ended(1, t(1_000), Outcome::Success));
        show(&mut p, t(5_990) + SimDuration::from_millis(10), ended(2, t(5_990), Outcome::Success));
        assert_eq!(verdict(&p, &metrics()), None);
    }

    #[test]
    fn ignores_requests_that_failed() {
        let mut p = slo(50.0, 100, t(5_000));
        show(&mut p, t(9_000), ended(1, t(6_000), Outcome::Timeout));
        show(&mut p, t(6_010), ended(2, t(6_000), Outcome::Success));
        assert_eq!(verdict(&p, &metrics()), None);
    }

    #[test]
    fn describes_itself_in_words() {
        let p = slo(99.0, 250, t(60_000));
        assert_eq!(p.describe(), "p99 latency ≤ 250ms after 60s");
        assert_eq!(p.name(), "LatencySlo");
        assert_eq!(slo(99.9, 250, SimTime::ZERO).describe(), "p99.9 latency ≤ 250ms");
    }
}
