//! ServiceSlo: at the end, a percentile of the time spent at one service (queue and handler) is
//! within a bound.

use faultline_engine::{SimDuration, human_secs as secs};

use super::{Property, RunEnd, Violation, fmt_percentile};

/// The `percentile` of time spent at `service`, over jobs it finished after the warm-up, is at
/// most `bound`. Judged from the run's own per-service histogram.
#[derive(Debug)]
pub struct ServiceSlo {
    service: usize,
    service_name: String,
    percentile: f64,
    bound: SimDuration,
}

/// The run-total histograms resolve values to 1 %; a percentile that equals the bound within
/// that resolution is not a violation.
const HISTOGRAM_SLACK: f64 = 1e-2;

impl ServiceSlo {
    pub fn new(service: usize, service_name: String, percentile: f64, bound: SimDuration) -> Self {
        ServiceSlo { service, service_name, percentile, bound }
    }
}

impl Property for ServiceSlo {
    fn name(&self) -> &'static str {
        "ServiceSlo"
    }

    fn describe(&self) -> String {
        format!(
            "p{} time at {} ≤ {}",
            fmt_percentile(self.percentile),
            self.service_name,
            secs(self.bound.as_secs_f64())
        )
    }

    fn verdict(&self, end: &RunEnd) -> Option<Violation> {
        let s = &end.metrics.services[self.service];
        let percentile = self.percentile;
        let observed = s.latency_quantile(percentile / 100.0);
        (observed > self.bound.as_secs_f64() * (1.0 + HISTOGRAM_SLACK)).then(|| Violation {
            at: end.metrics.end(),
            request: None,
            detail: format!(
                "p{percentile} at {} = {} over {} requests",
                s.name,
                secs(observed),
                s.completed
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use faultline_engine::{Limits, SimTime, run};
    use faultline_model::{
        ArrivalProcess, CallConfig, ClientConfig, Discipline, Dist, Endpoint, LoadShape, Metrics, NoObserver,
        Rate, ServiceConfig, Step, World, WorldConfig,
    };

    use super::*;
    use crate::property::testing::verdict;

    /// 10 s of one request a second to `s`, one worker, each job taking 300 ms.
    fn served() -> Metrics {
        let work = Step::Work { time: Dist::Const { secs: 0.3 }, contention: SimDuration::ZERO };
        let config = WorldConfig {
            classes: vec!["default".into()],
            fields: vec![],
            clients: vec![ClientConfig {
                name: "c".into(),
                process: ArrivalProcess::Fixed,
                rate: Rate(1.0),
                shape: LoadShape::Const,
                call: CallConfig::plain(Endpoint::Service(0), None),
                class: 0,
                key: None,
                fields: vec![],
                schedule: None,
                for_each: faultline_model::ForEach::Once,
                token: None,
            }],
            services: vec![ServiceConfig {
                name: "s".into(),
                workers: 1,
                queue_capacity: None,
                steps: vec![work],
                rate_limit: None,
                discipline: Discipline::Fifo,
                hold_while_open: false,
                drain_rate: None,
                ageing: None,
                shed_after: None,
            }],
            groups: vec![],
            faults: vec![],
            warmup: SimTime::ZERO,
            end: SimTime::ZERO + SimDuration::from_secs(10),
            window: SimDuration::from_secs(1),
            max_in_flight: 1_000,
            network: None,
            node_faults: vec![],
            clocks: vec![],
            start: faultline_model::Timestamp::UNIX_EPOCH,
            topics: vec![],
        };
        let mut world = World::new(&config, 1, NoObserver);
        let limits = Limits { end: config.end, max_events: 10_000, max_work_per_instant: 1_000 };
        run(&mut world, limits).expect("within limits");
        world.finish().0
    }

    fn slo(bound_ms: u64) -> ServiceSlo {
        ServiceSlo::new(0, "s".into(), 99.0, SimDuration::from_millis(bound_ms))
    }

    #[test]
    fn judges_the_time_spent_at_the_service() {
        let metrics = served();
        assert_eq!(verdict(&slo(300), &metrics), None);
        let violation = verdict(&slo(200), &metrics).expect("violated");
        assert_eq!((violation.at, violation.request), (metrics.end(), None));
        assert!(violation.detail.starts_with("p99 at s = 30"), "{}", violation.detail);
        assert!(violation.detail.ends_with(" requests"), "{}", violation.detail);
    }

    #[test]
    fn a_percentile_within_the_histograms_resolution_holds() {
        assert_eq!(verdict(&slo(298), &served()), None);
    }

    #[test]
    fn describes_itself_in_words() {
        let p = ServiceSlo::new(0, "db".into(), 99.9, SimDuration::from_millis(50));
        assert_eq!((p.name(), p.describe().as_str()), ("ServiceSlo", "p99.9 time at db ≤ 50ms"));
    }
}
