//! The world's side of crashes and pauses. A crash, at its instant, drops the node's queue and
//! its work in progress (their callers time out) and ends the calls that work was making; while
//! the node is down, messages to it are dropped. A pause stretches the node's work, holds its
//! timers and the messages sent to it until it resumes. Without node faults nothing here runs.
//!
//! Must never answer a caller on behalf of a crashed node: silence is what a crash looks like.

use super::*;
use crate::node::NodeFaults;

/// Crashes, at their instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeEvent {
    /// The node of `service` crashes.
    Crash { service: u32 },
}

impl<O: Observer> World<O> {
    /// Schedules every crash.
    pub(super) fn schedule_crashes(&self, sched: &mut Scheduler<Event>) {
        let Some(nodes) = &self.nodes else { return };
        for (service, at) in nodes.crashes() {
            sched.at(at, Event::Node(NodeEvent::Crash { service: service as u32 }));
        }
    }

    /// When work of `took` started now at `service` ends: later by any pause it runs into.
    #[inline]
    pub(super) fn work_ends(&self, service: usize, now: SimTime, took: SimDuration) -> SimTime {
        match &self.nodes {
            None => now + took,
            Some(nodes) => nodes.finish(service, now, took),
        }
    }

    /// When a timer the node of `service` (`None`: a client's) sets now for `after` of true
    /// time fires: it stands still while that node is paused.
    #[inline]
    pub(super) fn timer_fires(
        &self,
        service: Option<usize>,
        now: SimTime,
        after: SimDuration,
    ) -> SimTime {
        match (&self.nodes, service) {
            (Some(nodes), Some(service)) => nodes.finish(service, now, after),
            _ => now + after,
        }
    }

    /// Whether a message reaching the node of `service` now is lost (the node is down), or must
    /// wait until it resumes from a pause (`Some(when)`).
    pub(super) fn reaching(&self, service: usize, now: SimTime) -> Reach {
        let Some(nodes) = &self.nodes else { return Reach::Now };
        if nodes.is_down(service, now) {
            return Reach::Lost;
        }
        nodes.resumes(service, now).map_or(Reach::Now, Reach::At)
    }

    /// The node of `service` crashes: its queue and work in progress are gone, and so are the
    /// calls that work was making; nobody is told.
    pub(super) fn crash(&mut self, service: usize, sched: &mut Scheduler<Event>) -> Flow {
        let now = sched.now();
        while let Some(job) = self.services[service].pop(now) {
            self.free_job(job);
        }
        let at_node: Vec<u32> =
            self.jobs.slots().filter(|&j| self.is_live_at(j, service)).collect();
        self.end_calls_of(&at_node, now);
        self.forget_attempts_at(service);
        for job in at_node {
            self.drop_job(job, now);
        }
        self.drop_batches_of(service);
        self.restart_sites_of(service, now);
        self.services[service].crash();
        self.note_queue(service, now);
        self.crash_replica(service, sched);
        Ok(())
    }

    /// Calls whose current attempt was at the crashed node keep waiting (their timeout will
    /// tell), but no longer point at its job: the slot may be reused, and a cancelling timeout
    /// must not withdraw someone else's work.
    fn forget_attempts_at(&mut self, service: usize) {
        for slot in self.calls.slots() {
            let call = self.calls.get(slot);
            if call.live
                && call.job != NONE
                && call.job != AWAY
                && self.jobs.get(call.job).service as usize == service
            {
                self.calls.get_mut(slot).job = AWAY;
            }
        }
    }

    fn is_live_at(&self, job: u32, service: usize) -> bool {
        let j = self.jobs.get(job);
        j.live && !j.lost && j.service as usize == service
    }

    /// A running job waiting for its local work keeps its slot until that work's event comes
    /// (marked lost, so the event only frees it); any other is freed at once.
    fn drop_job(&mut self, slot: u32, now: SimTime) {
        let job = *self.jobs.get(slot);
        if job.running {
            let ended = Observation::JobEnded {
                service: job.service as usize,
                request: job.request,
                started: job.started,
                outcome: Outcome::Error,
                waited_for: false,
                lost: true,
            };
            self.observer.observe(now, &ended);
        }
        let working = job.pending == 0
            && matches!(
                self.handlers[job.handler as usize].get(job.step as usize),
                Some(StepPlan::Work { .. } | StepPlan::Wait(_))
            );
        if job.running && working {
            let job = self.jobs.get_mut(slot);
            job.lost = true;
            job.running = false;
        } else {
            self.free_job(slot);
        }
    }

    /// Ends, silently, every call made by one of `jobs` (sorted: slots in order): its timers
    /// and answers are ignored.
    fn end_calls_of(&mut self, jobs: &[u32], now: SimTime) {
        let made_by = |caller: Caller, batches: &Table<Vec<u32>>| match caller {
            Caller::Job(job) => jobs.binary_search(&job).is_ok(),
            Caller::Batch(batch) => {
                batches.get(batch).iter().any(|m| jobs.binary_search(m).is_ok())
            }
            Caller::Client => false,
        };
        let ended: Vec<u32> = self
            .calls
            .slots()
            .filter(|&c| self.calls.get(c).live && made_by(self.calls.get(c).caller, &self.batches))
            .collect();
        for slot in ended {
            self.end_call(slot, now);
        }
    }

    fn end_call(&mut self, slot: u32, now: SimTime) {
        let call = *self.calls.get(slot);
        let site = &mut self.sites[call.site as usize];
        if call.entered {
            site.leave();
        }
        if call.job != NONE {
            // An attempt was out: the balancer stops counting it (as it would a refusal).
            site.note_instance(call.instance as usize, Outcome::Rejected(Rejection::Shed), now);
        }
        if let Caller::Batch(batch) = call.caller {
            self.batches.get_mut(batch).clear();
            self.batches.free(batch);
        }
        let c = self.calls.get_mut(slot);
        c.generation = c.generation.wrapping_add(1);
        c.live = false;
        self.calls.free(slot);
    }

    /// The call sites of the crashed node's handlers start afresh, as its process does; a
    /// breaker that was open closes (and the report sees it close).
    fn restart_sites_of(&mut self, service: usize, now: SimTime) {
        for site in 0..self.sites.len() {
            if self.site_services[site] == Some(service as u32) && self.sites[site].restart(now) {
                self.note_breaker(site as u32, now, Some(BreakerState::Closed));
            }
        }
    }

    /// Batches being collected at the crashed node are forgotten (their jobs are gone).
    fn drop_batches_of(&mut self, service: usize) {
        for (plan, batcher) in self.batcher_plans.iter().zip(&mut self.batchers) {
            if self.site_services[plan.site as usize] == Some(service as u32) {
                batcher.members.clear();
                batcher.epoch = batcher.epoch.wrapping_add(1);
            }
        }
    }

    /// The world's node faults, when it has any.
    pub(super) fn node_faults(config: &WorldConfig) -> Option<Box<NodeFaults>> {
        (!config.node_faults.is_empty())
            .then(|| Box::new(NodeFaults::new(&config.node_faults, config.services.len())))
    }
}

/// What happens to a message reaching a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Reach {
    Now,
    /// The node is down: the message is lost.
    Lost,
    /// The node is paused: the message waits until it resumes.
    At(SimTime),
}

#[cfg(test)]
mod tests {
    use faultline_engine::{Limits, run};

    use super::*;
    use crate::{
        ArrivalProcess, CallConfig, ClientConfig, Endpoint, NodeFault, NodeFaultKind,
        ServiceConfig, Step,
    };

    /// Every client request that ended: when it arrived, when it ended, and how.
    #[derive(Default)]
    struct Ended(Vec<(SimTime, SimTime, Outcome)>);

    impl Observer for Ended {
        fn observe(&mut self, now: SimTime, what: &Observation) {
            if let Observation::RequestEnded { arrived, outcome, .. } = *what {
                self.0.push((arrived, now, outcome));
            }
        }
    }

    fn ms(ms: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_millis(ms)
    }

    fn service(name: &str, steps: Vec<Step>) -> ServiceConfig {
        ServiceConfig::new(name, 1, steps)
    }

    fn work(ms: u64) -> Step {
        let time = crate::Dist::Const { secs: ms as f64 / 1e3 };
        Step::Work { time, contention: SimDuration::ZERO }
    }

    /// A client sending every `every_ms` with a `timeout_ms` timeout to service 0.
    fn world(every_ms: u64, timeout_ms: u64, services: Vec<ServiceConfig>) -> WorldConfig {
        let timeout = Some(SimDuration::from_millis(timeout_ms));
        let call = CallConfig::plain(Endpoint::Service(0), timeout);
        let users = ClientConfig::new("users", ArrivalProcess::Fixed, 1e3 / every_ms as f64, call);
        WorldConfig::new(vec![users], services, ms(8_000))
    }

    fn ended(config: &WorldConfig) -> Vec<(SimTime, SimTime, Outcome)> {
        let mut world = World::new(config, 1, Ended::default());
        let limits = Limits { end: config.end, max_events: 1_000_000, max_work_per_instant: 1_000 };
        run(&mut world, limits).expect("runs");
        world.finish().1.0
    }

    /// Requests every 100 ms, each 50 ms of work, a 1 s timeout; the node crashes at 1.025 s
    /// and restarts at 3.025 s. The request of 1.0 s was at work: lost, it times out at 2.0 s.
    /// Those of 1.1 … 3.0 s reach a node that is down: each times out 1 s after it was sent.
    /// From 3.1 s the restarted node answers in 50 ms again.
    /// The same with callers that cancel on timeout: a timeout must not withdraw work the
    /// restarted node took into the crashed attempt's slot.
    #[test]
    fn a_crash_loses_the_work_in_progress_and_everything_sent_while_down() {
        for cancel_on_timeout in [false, true] {
            let mut config = world(100, 1_000, vec![service("api", vec![work(50)])]);
            config.clients[0].call.cancel_on_timeout = cancel_on_timeout;
            crash_outcomes(&config);
        }
    }

    fn crash_outcomes(config: &WorldConfig) {
        let mut config = config.clone();
        let restart_after = SimDuration::from_secs(2);
        let crash = NodeFaultKind::Crash { restart_after };
        config.node_faults = vec![NodeFault { service: 0, kind: crash, at: ms(1_025) }];
        let ended = ended(&config);
        assert!(ended.len() > 70, "{} requests ended", ended.len());
        for (arrived, done, outcome) in ended {
            let lost = (ms(1_000)..=ms(3_000)).contains(&arrived);
            let (want_done, want) = if lost {
                (arrived + SimDuration::from_secs(1), Outcome::Timeout)
            } else {
                (arrived + SimDuration::from_millis(50), Outcome::Success)
            };
            assert_eq!((done, outcome), (want_done, want), "the request sent at {arrived}");
        }
    }

    /// `api` calls `db` with a 100 ms timeout and `db` takes 5 s, so the call always times out;
    /// a request comes every second. The request of 1 s: the timer is set at 1.0 s for 1.1 s,
    /// but `api` pauses from 1.05 s for 2 s; the timer stands still with the node and fires
    /// 2 s late, at 3.1 s. The requests of 2 s and 3 s reach `api` while it is paused and wait
    /// until it resumes at 3.05 s; their timers fire at 3.15 s. From 4 s, on time again.
    #[test]
    fn a_paused_node_s_timers_fire_late_by_exactly_the_pause() {
        let call = CallConfig::plain(Endpoint::Service(1), Some(SimDuration::from_millis(100)));
        let api = ServiceConfig { workers: 10, ..service("api", vec![Step::Call(call)]) };
        let mut config = world(1_000, 10_000, vec![api, service("db", vec![work(5_000)])]);
        let pause = NodeFaultKind::Pause { length: SimDuration::from_secs(2) };
        config.node_faults = vec![NodeFault { service: 0, kind: pause, at: ms(1_050) }];
        let ended: Vec<(SimTime, SimTime, Outcome)> = ended(&config).into_iter().take(4).collect();
        let error = |arrived, done| (ms(arrived), ms(done), Outcome::Error);
        assert_eq!(
            ended,
            [error(1_000, 3_100), error(2_000, 3_150), error(3_000, 3_150), error(4_000, 4_100)]
        );
    }

    /// `api` calls `db` through a breaker that stays open for 60 s; `db` fails every request
    /// from 0 to 7 s, so the breaker opens within the first second. `api` crashes at 4 s and
    /// restarts at 5 s: its process forgot the open breaker (the report sees it close at the
    /// crash), and after the restart its calls reach the still-failing `db` and open it again.
    /// Without the crash it would stay open until 60 s after it opened.
    #[test]
    fn a_restarted_node_forgets_its_open_breakers() {
        use crate::policy::{BreakerConfig, BreakerState, CountsAsFailure, Window};
        use crate::{Fault, FaultKind};
        let breaker = BreakerConfig {
            window: Window::Count(10),
            failure_rate: 0.5,
            slow_call_rate: f64::INFINITY,
            slow_call_duration: SimDuration::MAX,
            minimum_calls: 5,
            open_duration: SimDuration::from_secs(60),
            half_open_probes: 1,
            count_as_failure: CountsAsFailure { error: true, timeout: true, rejected: false },
        };
        let call =
            CallConfig { breaker: Some(breaker), ..CallConfig::plain(Endpoint::Service(1), None) };
        let api = ServiceConfig::new("api", 4, vec![Step::Call(call)]);
        let mut config = world(100, 1_000, vec![api, service("db", vec![work(10)])]);
        config.faults = vec![Fault {
            service: 1,
            kind: FaultKind::Fail { share: 1.0 },
            start: ms(0),
            end: ms(20_000),
        }];
        let crash = NodeFaultKind::Crash { restart_after: SimDuration::from_secs(1) };
        config.node_faults = vec![NodeFault { service: 0, kind: crash, at: ms(4_000) }];
        let mut world = World::new(&config, 1, Ended::default());
        let limits = Limits { end: config.end, max_events: 1_000_000, max_work_per_instant: 1_000 };
        run(&mut world, limits).expect("runs");
        let changes: Vec<(SimTime, BreakerState)> =
            world.finish().0.breaker_changes.iter().map(|c| (c.at, c.to)).collect();
        assert!(
            matches!(changes.first(), Some((at, BreakerState::Open)) if *at < ms(1_000)),
            "{changes:?}"
        );
        assert!(changes.contains(&(ms(4_000), BreakerState::Closed)), "{changes:?}");
        let reopened = changes.iter().any(|&(at, to)| to == BreakerState::Open && at > ms(5_000));
        assert!(reopened, "{changes:?}");
    }
}
