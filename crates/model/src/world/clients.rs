//! Client requests entering the system: each arrival is a new call from the client's site.
//!
//! Must never decide an outcome: a request's fate comes from the calls and jobs it sets off.

use super::*;

impl<O: Observer> World<O> {
    pub(super) fn schedule_next_arrival(&mut self, client: u32, sched: &mut Scheduler<Event>) {
        if let Some(at) = self.clients[client as usize].next_arrival(sched.now(), self.end) {
            sched.at(at, Event::Arrival { client });
        }
    }

    pub(super) fn arrive(&mut self, client: u32, sched: &mut Scheduler<Event>) -> Flow {
        let now = sched.now();
        if self.requests_in_flight >= self.max_in_flight as usize {
            return Err(Box::new(LimitExceeded::Model {
                what: "client requests in flight",
                limit: u64::from(self.max_in_flight),
                at: now,
                hint: "the system is not keeping up; bound a queue, add timeouts, or raise `limits.max_in_flight`",
            }));
        }
        let request = self.next_request_id;
        self.next_request_id += 1;
        self.requests_in_flight += 1;
        self.metrics.on_arrival(now, self.requests_in_flight);
        let payload = self.clients[client as usize].next_payload();
        let key = payload.key;
        let arrived = Observation::RequestArrived { client: client as usize, request, key };
        self.observer.observe(now, &arrived);
        let class = self.client_class[client as usize];
        let origin = Origin { request, class, arrived: now, payload };
        self.new_call(client, Caller::Client, origin, sched)?;
        self.schedule_next_arrival(client, sched);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use faultline_engine::{Limits, run};

    use super::*;
    use crate::{ArrivalProcess, CallConfig, ClientConfig, Endpoint, ServiceConfig, Step, Values};

    /// Each request's key as it arrived, and the keys its jobs carried.
    #[derive(Default)]
    struct Keys {
        arrived: BTreeMap<u64, u64>,
        jobs: Vec<(u64, u64)>,
    }

    impl Observer for Keys {
        fn observe(&mut self, _now: SimTime, what: &Observation) {
            match *what {
                Observation::RequestArrived { request, key, .. } => {
                    self.arrived.insert(request, key);
                }
                Observation::JobStarted { request, key, .. } => self.jobs.push((request, key)),
                _ => {}
            }
        }
    }

    /// Requests with keys drawn from 0..50 reach `api`, which calls `db`: every job, at both,
    /// carries the key its request arrived with.
    #[test]
    fn a_requests_key_reaches_every_job_it_sets_off() {
        let service = |name: &str, steps| ServiceConfig::new(name, 4, steps);
        let work =
            Step::Work { time: crate::Dist::Exp { mean: 0.01 }, contention: SimDuration::ZERO };
        let call = Step::Call(CallConfig::plain(Endpoint::Service(1), None));
        let users = ClientConfig {
            key: Some(Values::Uniform { count: 50 }),
            ..ClientConfig::new(
                "users",
                ArrivalProcess::Poisson,
                50.0,
                CallConfig::plain(Endpoint::Service(0), None),
            )
        };
        let services = vec![service("api", vec![call]), service("db", vec![work])];
        let config =
            WorldConfig::new(vec![users], services, SimTime::ZERO + SimDuration::from_secs(20));
        let mut world = World::new(&config, 5, Keys::default());
        let limits = Limits { end: config.end, max_events: 1_000_000, max_work_per_instant: 1_000 };
        run(&mut world, limits).expect("runs");
        let keys = world.finish().1;
        assert!(keys.jobs.len() > 1_500, "{} jobs", keys.jobs.len());
        let distinct: std::collections::BTreeSet<u64> = keys.arrived.values().copied().collect();
        assert_eq!(distinct.len(), 50, "every key of 0..50 drawn in ~1,000 requests");
        for (request, key) in keys.jobs {
            assert_eq!(keys.arrived[&request], key, "request {request}");
        }
    }
}
