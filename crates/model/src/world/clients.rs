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
        let mut payload = self.clients[client as usize].next_payload();
        payload.token = self.token_for(client, now);
        let key = payload.key;
        let arrived = Observation::RequestArrived { client: client as usize, request, key };
        self.observer.observe(now, &arrived);
        self.register_invoked(client, request, key, now);
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

    /// When each request arrived, in simulated time, and its key.
    #[derive(Default)]
    struct Arrivals(Vec<(SimTime, u64)>);

    impl Observer for Arrivals {
        fn observe(&mut self, now: SimTime, what: &Observation) {
            if let Observation::RequestArrived { key, .. } = *what {
                self.0.push((now, key));
            }
        }
    }

    fn new_york(cron: &str) -> crate::Schedule {
        crate::Schedule {
            cron: crate::Cron::parse(cron).expect("valid"),
            zone: crate::Zone::named("America/New_York").expect("bundled"),
        }
    }

    /// The seconds from the start at which a client on `schedule` for `for_each` sends its
    /// requests, with each request's key, in a run of `hours` hours from `start`.
    fn scheduled(
        schedule: crate::Schedule,
        for_each: crate::ForEach,
        start: &str,
        hours: u64,
    ) -> Vec<(u64, u64)> {
        let call = CallConfig::plain(Endpoint::Service(0), None);
        let users = ClientConfig { for_each, ..ClientConfig::scheduled("users", schedule, call) };
        let work =
            Step::Work { time: crate::Dist::Const { secs: 1.0 }, contention: SimDuration::ZERO };
        let end = SimTime::ZERO + SimDuration::from_secs(hours * 3_600);
        let config = WorldConfig {
            start: start.parse().expect("a UTC instant"),
            ..WorldConfig::new(vec![users], vec![ServiceConfig::new("api", 1, vec![work])], end)
        };
        let mut world = World::new(&config, 1, Arrivals::default());
        let limits = Limits { end, max_events: 1_000, max_work_per_instant: 1_000 };
        run(&mut world, limits).expect("runs");
        let (metrics, arrivals, _) = world.finish();
        assert_eq!(metrics.arrived, arrivals.0.len() as u64);
        arrivals.0.iter().map(|(t, key)| (t.as_nanos() / 1_000_000_000, *key)).collect()
    }

    /// The seconds from the start at which a client on `cron` in New York sends its requests,
    /// in a run of `hours` hours from `start`.
    fn scheduled_arrivals(cron: &str, start: &str, hours: u64) -> Vec<u64> {
        let arrivals = scheduled(new_york(cron), crate::ForEach::Once, start, hours);
        arrivals.into_iter().map(|(t, _)| t).collect()
    }

    /// 09:00 in New York from Friday 6 March 2026 for 4 days: 14:00 UTC in EST (6 and 7
    /// March), 13:00 UTC in EDT from Sunday 8 March. From 00:00 UTC on the 6th: 14 h = 50,400 s,
    /// then + 24 h = 136,800 s, + 23 h = 219,600 s, + 24 h = 306,000 s.
    #[test]
    fn a_scheduled_client_sends_at_its_local_time_across_dst() {
        assert_eq!(
            scheduled_arrivals("0 9 * * *", "2026-03-06T00:00:00Z", 4 * 24),
            [50_400, 136_800, 219_600, 306_000]
        );
    }

    /// 02:30 in New York does not exist on 8 March 2026 (02:00 EST jumps to 03:00 EDT, 07:00
    /// UTC). Over 7–9 March from 00:00 UTC on the 7th: 02:30 EST on the 7th is 07:30 UTC
    /// (27,000 s); the 8th fires once, at the end of the gap, 07:00 UTC (86,400 + 25,200 =
    /// 111,600 s); 02:30 EDT on the 9th is 06:30 UTC (172,800 + 23,400 = 196,200 s).
    #[test]
    fn a_scheduled_client_in_a_dst_gap_sends_once_when_the_gap_ends() {
        assert_eq!(
            scheduled_arrivals("30 2 * * *", "2026-03-07T00:00:00Z", 3 * 24),
            [27_000, 111_600, 196_200]
        );
    }

    /// A firing exactly at the start counts; the run's end ends the schedule.
    #[test]
    fn a_scheduled_firing_at_the_start_counts_and_the_end_stops_it() {
        // 09:00 EST is 14:00 UTC on 6 March 2026: the run starts right then, for 60 h (to
        // 02:00 UTC on the 9th, before that day's 13:00 UTC).
        let times = scheduled_arrivals("0 9 * * *", "2026-03-06T14:00:00Z", 60);
        assert_eq!(times, [0, 86_400, 169_200]);
    }

    /// 01:30 happens twice in New York on 1 November 2026 (02:00 EDT falls back to 01:00 EST):
    /// at 05:30 and at 06:30 UTC. From 00:00 UTC on 31 October: 01:30 EDT on the 31st is 05:30
    /// UTC (19,800 s); the 1st fires once, at the first 01:30 (86,400 + 19,800 = 106,200 s);
    /// 01:30 EST on the 2nd is 06:30 UTC (172,800 + 23,400 = 196,200 s).
    #[test]
    fn a_scheduled_client_in_a_dst_fold_sends_once_at_the_first_occurrence() {
        assert_eq!(
            scheduled_arrivals("30 1 * * *", "2026-10-31T00:00:00Z", 3 * 24),
            [19_800, 106_200, 196_200]
        );
    }

    /// One schedule for every customer: each firing sends one request per customer, all at
    /// the firing's instant, keys in customer order. 09:00 New York is 14:00 UTC on 6 March
    /// 2026 (50,400 s from midnight UTC), then 13:00 UTC on the 8th (2 × 86,400 + 46,800 =
    /// 219,600 s).
    #[test]
    fn a_schedule_for_each_customer_sends_one_request_per_customer_per_firing() {
        let each = crate::ForEach::Customers { count: 3 };
        let arrivals = scheduled(new_york("0 9 * * *"), each, "2026-03-06T00:00:00Z", 72);
        let day = |t| [(t, 0), (t, 1), (t, 2)];
        let want: Vec<(u64, u64)> = [day(50_400), day(136_800), day(219_600)].concat();
        assert_eq!(arrivals, want);
    }

    /// One schedule per customer in the customer's own zone: Tokyo (customer 0, UTC+9) at
    /// 09:00 is 00:00 UTC, New York (customer 1) at 09:00 is 14:00 UTC on 7 March 2026 (EST)
    /// and 13:00 UTC on the 8th (EDT). From 00:00 UTC on the 7th for 47 h: 0 s (a firing at
    /// the start counts), 50,400 s, 86,400 s and 86,400 + 46,800 = 133,200 s.
    #[test]
    fn schedules_in_each_customers_zone_send_each_customer_its_own_request() {
        let zones = ["Asia/Tokyo", "America/New_York"].map(|z| crate::Zone::named(z).expect("z"));
        let own = crate::ForEach::CustomersInTheirZones { zones: zones.to_vec() };
        let arrivals = scheduled(new_york("0 9 * * *"), own, "2026-03-07T00:00:00Z", 47);
        assert_eq!(arrivals, [(0, 0), (50_400, 1), (86_400, 0), (133_200, 1)]);
    }
}
