//! The world's side of node clocks: with a `clocks:` section, every node keeps a local clock
//! (true time unless configured) and the timers a node sets run on it. Events stay ordered by
//! true time; a clock only changes how long, in true time, a timer takes.
//!
//! Which clock measures what:
//! - a call's timeout and the backoff before its next attempt: the call site's node (the
//!   client's, or the service whose handler makes the call);
//! - a batch's `wait`: the node of the service that batches (its batching call site's);
//! - a service's wake-ups while its queue is held behind an open breaker or paced: the
//!   service's node;
//! - a call site's breaker: its open period and its slow-call threshold are lengths the caller
//!   measures, converted once at build through the call site's node (the breaker itself
//!   compares true instants and sets no timer); a time window stays in true time.
//!
//! Local work (service time) and network latency are not timers: they stay in true time. A
//! timer runs at its clock's drift alone (`Clock::true_delay`): steps and syncs move what the
//! wall clock reads, never a running timer.
//!
//! Without clocks, each hook costs one branch on `World::clocks` and nothing else.

use super::*;
use crate::clock::{Clock, ClockTrace};
use crate::{ClockConfig, call::CallSite};

/// Every node's clock, for a world with a `clocks:` section.
#[derive(Debug)]
pub(super) struct Clocks {
    /// One clock per node, clients first (as `WorldConfig::node_names`); [`Clock::TRUE_TIME`]
    /// for a node without a configured clock.
    clocks: Vec<Clock>,
    /// The node each call site's timers run on.
    site_nodes: Vec<u32>,
    /// The node of service 0; service `s` runs on node `first_service + s`.
    first_service: u32,
    /// The configured clocks, as in `WorldConfig::clocks`, and every node's name.
    configured: Vec<(u32, ClockConfig)>,
    names: Vec<String>,
}

impl Clocks {
    /// The nodes' clocks, or `None` when the scenario configures none. Converts the breaker
    /// durations of every call site on a configured node through that node's clock.
    pub(super) fn new(
        config: &WorldConfig,
        sites: &mut [CallSite],
        site_nodes: &[u32],
        streams: &RngStreams,
    ) -> Option<Self> {
        if config.clocks.is_empty() {
            return None;
        }
        let names = config.node_names();
        let mut clocks = vec![Clock::TRUE_TIME; names.len()];
        for (node, clock) in &config.clocks {
            clocks[*node as usize] = Clock::new(clock, &names[*node as usize], streams);
        }
        for (site, &node) in sites.iter_mut().zip(site_nodes) {
            let clock = &clocks[node as usize];
            if !clock.is_true_time() {
                site.measure_on(|length| clock.true_delay(SimTime::ZERO, length));
            }
        }
        Some(Clocks {
            clocks,
            site_nodes: site_nodes.to_vec(),
            first_service: config.service_node(0),
            configured: config.clocks.clone(),
            names,
        })
    }

    #[inline(never)]
    fn site_timer(&self, site: u32, now: SimTime, local: SimDuration) -> SimDuration {
        self.clocks[self.site_nodes[site as usize] as usize].true_delay(now, local)
    }

    #[inline(never)]
    fn service_timer(&self, service: usize, now: SimTime, local: SimDuration) -> SimDuration {
        self.clocks[self.first_service as usize + service].true_delay(now, local)
    }

    /// What each configured clock did over [0, `end`]: one trace per node name (a client and a
    /// service of the same name share their clock), in node order.
    pub(super) fn traces(&mut self, end: SimTime) -> Vec<ClockTrace> {
        let mut traces: Vec<ClockTrace> = Vec::with_capacity(self.configured.len());
        for (node, config) in &self.configured {
            let name = &self.names[*node as usize];
            if traces.iter().any(|trace| trace.node == *name) {
                continue;
            }
            traces.push(ClockTrace::new(&mut self.clocks[*node as usize], config, name, end));
        }
        traces
    }
}

impl<O: Observer> World<O> {
    /// How long, in true time, a timer for `local` set now from call site `site` takes: on
    /// its node's clock (a call's timeout, a retry's backoff, a batch's wait).
    #[inline]
    pub(super) fn site_clock(&self, site: u32, now: SimTime, local: SimDuration) -> SimDuration {
        match &self.clocks {
            None => local,
            Some(clocks) => clocks.site_timer(site, now, local),
        }
    }

    /// How long, in true time, a timer for `local` set now by `service` takes, on its node's
    /// clock (a wake-up to look at its queue again).
    #[inline]
    pub(super) fn service_clock(
        &self,
        service: usize,
        now: SimTime,
        local: SimDuration,
    ) -> SimDuration {
        match &self.clocks {
            None => local,
            Some(clocks) => clocks.service_timer(service, now, local),
        }
    }

    /// What node `node`'s wall clock reads at true time `now`, in nanoseconds (before zero when
    /// it is far enough behind; true time without clocks). Timestamps a node writes (a token's
    /// issued-at) and expiries it checks (a token's, on the validator or the holder; a
    /// leader's lease) read it here.
    pub(crate) fn local_now(&mut self, node: u32, now: SimTime) -> i64 {
        match &mut self.clocks {
            None => i64::try_from(now.as_nanos()).unwrap_or(i64::MAX),
            Some(clocks) => clocks.clocks[node as usize].local_at(now),
        }
    }

    /// What the configured clocks did over the run; nothing without clocks.
    pub(super) fn clock_traces(&mut self) -> Vec<ClockTrace> {
        let end = self.end;
        self.clocks.as_mut().map_or_else(Vec::new, |clocks| clocks.traces(end))
    }
}

#[cfg(test)]
mod tests {
    use faultline_engine::{Limits, RunStats, run};

    use super::*;
    use crate::policy::{Backoff, BreakerConfig, CountsAsFailure, Jitter, Window};
    use crate::{
        ArrivalProcess, CallConfig, ClientConfig, ClockStep, Endpoint, Fault, FaultKind,
        NoObserver, RetryConfig, RetryOn, ServiceConfig, Step,
    };

    const SEC: u64 = 1_000_000_000;

    fn at(nanos: u64) -> SimTime {
        SimTime::from_nanos(nanos)
    }

    fn drifting(drift_ppm: f64) -> ClockConfig {
        ClockConfig { drift_ppm, ..ClockConfig::default() }
    }

    fn client(name: &str, call: CallConfig, rate: f64) -> ClientConfig {
        ClientConfig::new(name, ArrivalProcess::Fixed, rate, call)
    }

    fn service(name: &str, steps: Vec<Step>) -> ServiceConfig {
        ServiceConfig::new(name, 4, steps)
    }

    /// Work that takes exactly `millis` ms.
    fn work(millis: u64) -> Step {
        Step::Work {
            time: Dist::Const { secs: millis as f64 / 1e3 },
            contention: SimDuration::ZERO,
        }
    }

    /// A call to service 0 with a timeout of `timeout_ms` ms.
    fn call(timeout_ms: u64) -> CallConfig {
        let timeout = Some(SimDuration::from_millis(timeout_ms));
        CallConfig {
            path: "clients.users".into(),
            ..CallConfig::plain(Endpoint::Service(0), timeout)
        }
    }

    /// `clients` (nodes 0, 1, …) calling `api` (the next node), which takes exactly 0.95 s per
    /// request on 4 workers, for 100 s.
    fn world(clients: Vec<ClientConfig>, clocks: Vec<(u32, ClockConfig)>) -> WorldConfig {
        let api = service("api", vec![work(950)]);
        WorldConfig { clocks, ..WorldConfig::new(clients, vec![api], at(100 * SEC)) }
    }

    /// The run's metrics and statistics.
    fn run_world(config: &WorldConfig) -> (Metrics, RunStats) {
        let mut world = World::new(config, 5, NoObserver);
        let limits =
            Limits { end: config.end, max_events: 10_000_000, max_work_per_instant: 10_000 };
        let stats = run(&mut world, limits).expect("runs");
        let (metrics, _, _) = world.finish();
        (metrics, stats)
    }

    fn assert_secs(value: f64, nanos: u64) {
        assert!((value - nanos as f64 / 1e9).abs() < 1e-12, "{value} s, expected {nanos} ns");
    }

    /// A 1 s timeout on a clock 100,000 ppm fast fires after 10⁹ − round(10⁹ · 10⁵ / 1.1·10⁶)
    /// = 10⁹ − 90,909,091 = 909,090,909 ns of true time, before the 0.95 s answer: every request
    /// times out. On a clock 100,000 ppm slow it fires after 10⁹ + round(10¹⁴ / 9·10⁵) =
    /// 1,111,111,111 ns, after the answer: every request succeeds in exactly 0.95 s.
    #[test]
    fn a_timeout_runs_on_the_callers_clock() {
        let users = || vec![client("users", call(1_000), 1.0)];
        let (fast, _) = run_world(&world(users(), vec![(0, drifting(100_000.0))]));
        assert!(fast.arrived >= 99, "{} requests", fast.arrived);
        assert_eq!((fast.completed, fast.timed_out), (0, fast.failed));
        assert!(fast.arrived - fast.failed <= 1, "all but the last time out");
        assert_secs(fast.failed_latency().max, 909_090_909);
        assert_secs(fast.failed_latency().mean, 909_090_909);

        let (slow, _) = run_world(&world(users(), vec![(0, drifting(-100_000.0))]));
        assert_eq!((slow.failed, slow.arrived), (0, fast.arrived));
        assert!(slow.arrived - slow.completed <= 1, "all but the last succeed");
        assert_secs(slow.latency().max, 950_000_000);

        // On true time the 1 s timeout is later than the answer too: the same successes.
        let (plain, _) = run_world(&world(users(), vec![]));
        assert_eq!((plain.completed, plain.failed), (slow.completed, 0));
    }

    /// Steps move a node's wall clock, never a timer, and never another node's clock: adding
    /// them changes no outcome and no event, while the stepped node reads them.
    #[test]
    fn a_step_on_one_node_changes_no_timer() {
        let clients = || {
            let mut other = call(1_000);
            other.path = "clients.other".into();
            vec![client("users", call(1_000), 1.0), client("other", other, 1.0)]
        };
        let fast = ClockConfig { offset: -3 * SEC as i64, ..drifting(100_000.0) };
        let steps = vec![
            ClockStep { at: at(10 * SEC), by: 2 * SEC as i64 },
            ClockStep { at: at(20 * SEC + SEC / 2), by: -300 * SEC as i64 },
        ];
        let stepped = ClockConfig { steps: steps.clone(), ..fast.clone() };
        let (before, stats) = run_world(&world(clients(), vec![(0, fast)]));
        // `users` times out every request, `other` (true time) gets every answer.
        assert!(before.completed >= 99 && before.timed_out >= 99, "{before:?}");

        let service_steps = ClockConfig { steps, ..ClockConfig::default() };
        let config = world(clients(), vec![(0, stepped), (2, service_steps)]);
        let (after, stepped_stats) = run_world(&config);
        assert_eq!(stepped_stats.trace_hash, stats.trace_hash);
        assert_eq!(stepped_stats.events, stats.events);
        assert_eq!(
            (after.completed, after.timed_out, after.latency().max),
            (before.completed, before.timed_out, before.latency().max)
        );

        // A world's clocks read the same whether it ran or not.
        let mut world = World::new(&config, 5, NoObserver);
        // At 15 s `users` reads 15 s − 3 s + 2 s + 100,000 ppm · 15 s = 15.5 s; at 25 s, after
        // the −5 min step, 25 s − 3 s + 2 s − 300 s + 2.5 s = −273.5 s. `other` reads true time.
        assert_eq!(world.local_now(0, at(15 * SEC)), 15_500_000_000);
        assert_eq!(world.local_now(0, at(25 * SEC)), -273_500_000_000);
        assert_eq!(world.local_now(1, at(25 * SEC)), 25 * SEC as i64);
        // `api` reads its own steps only: 25 s + 2 s − 300 s.
        assert_eq!(world.local_now(2, at(25 * SEC)), -273 * SEC as i64);
    }

    /// The backoff before a retry runs on the caller's clock: with `api` down, every attempt
    /// fails at once, and a request fails after its one 1 s backoff, 909,090,909 ns of true time
    /// on a clock 100,000 ppm fast.
    #[test]
    fn a_backoff_runs_on_the_callers_clock() {
        let retry = RetryConfig {
            max_attempts: 2,
            backoff: Backoff::Constant(SimDuration::from_secs(1)),
            jitter: Jitter::None,
            budget: None,
            retry_on: RetryOn { timeout: true, error: true, rejected: true },
        };
        let users = client("users", CallConfig { retry: Some(retry), ..call(1_000) }, 1.0);
        let mut config = world(vec![users], vec![(0, drifting(100_000.0))]);
        config.faults = vec![Fault {
            service: 0,
            kind: FaultKind::Down,
            start: SimTime::ZERO,
            end: at(200 * SEC),
        }];
        let (m, _) = run_world(&config);
        assert_eq!(m.completed, 0);
        assert_eq!(m.retries, m.attempts / 2);
        assert_secs(m.failed_latency().max, 909_090_909);
        assert_secs(m.failed_latency().mean, 909_090_909);
    }

    /// A breaker's open period is measured on the caller's clock: open for 10 s on a clock
    /// 100,000 ppm fast, it lets a probe through 10¹⁰ − round(10¹⁰ · 10⁵ / 1.1·10⁶) =
    /// 9,090,909,091 ns after it opened, not 10 s.
    #[test]
    fn a_breaker_waits_its_open_period_on_the_callers_clock() {
        let breaker = BreakerConfig {
            window: Window::Count(1),
            failure_rate: 0.5,
            slow_call_rate: f64::INFINITY,
            slow_call_duration: SimDuration::MAX,
            minimum_calls: 1,
            open_duration: SimDuration::from_secs(10),
            half_open_probes: 1,
            count_as_failure: CountsAsFailure::ALL,
        };
        // A request every 1 ms: the change is noted at the first one after the open period.
        let users = client("users", CallConfig { breaker: Some(breaker), ..call(1_000) }, 1_000.0);
        let mut config = world(vec![users], vec![(0, drifting(100_000.0))]);
        config.faults = vec![Fault {
            service: 0,
            kind: FaultKind::Down,
            start: SimTime::ZERO,
            end: config.end,
        }];
        config.end = at(30 * SEC);
        let (m, _) = run_world(&config);
        let changes: Vec<(SimTime, BreakerState)> =
            m.breaker_changes.iter().map(|c| (c.at, c.to)).collect();
        // The first request (at 1 ms) fails and opens it; the period ends at 1 ms + 9,090,909,091
        // ns = 9,091,909,091 ns, so the request at 9,091 ms is refused and the one at 9,092 ms
        // finds it half-open (on true time it would be the one at 10,001 ms).
        assert_eq!(changes[0], (at(1_000_000), BreakerState::Open));
        assert_eq!(changes[1], (at(9_092_000_000), BreakerState::HalfOpen));
    }

    /// A batch's wait runs on the batching service's clock: 1 s on a clock 100,000 ppm slow is
    /// 1,111,111,111 ns of true time, then 10 ms of work at `db`; requests 2 s apart each make a
    /// batch of their own.
    #[test]
    fn a_batch_waits_on_its_services_clock() {
        let batch = Step::Batch {
            call: CallConfig::plain(Endpoint::Service(1), None),
            max: 100,
            wait: SimDuration::from_secs(1),
            per_item: 0.0,
        };
        let users = client("users", CallConfig::plain(Endpoint::Service(0), None), 0.5);
        let mut config = world(vec![users], vec![(1, drifting(-100_000.0))]);
        config.services = vec![service("api", vec![batch]), service("db", vec![work(10)])];
        let (m, _) = run_world(&config);
        assert!(m.completed >= 49, "{} requests", m.completed);
        assert_secs(m.latency().max, 1_121_111_111);
        assert_secs(m.latency().mean, 1_121_111_111);
    }

    /// A clock configured to read true time changes nothing: the same events, the same trace.
    #[test]
    fn a_clock_reading_true_time_changes_nothing() {
        let users = || vec![client("users", call(1_000), 1.0)];
        let (_, plain) = run_world(&world(users(), vec![]));
        let (m, configured) = run_world(&world(users(), vec![(0, ClockConfig::default())]));
        assert_eq!((configured.trace_hash, configured.events), (plain.trace_hash, plain.events));
        assert_eq!(m.clocks.len(), 1, "the configured node is still reported");
        assert_eq!((m.clocks[0].largest, m.clocks[0].points.len()), (0, 2));
    }

    /// The trace of a clock: its offset at the start and the end, the largest, and the points
    /// either side of each jump, by hand.
    #[test]
    fn the_trace_follows_the_offset_exactly() {
        let steps = vec![
            ClockStep { at: at(10 * SEC), by: 2 * SEC as i64 },
            ClockStep { at: at(20 * SEC + SEC / 2), by: -300 * SEC as i64 },
        ];
        let clock = ClockConfig { offset: -3 * SEC as i64, steps, ..drifting(100_000.0) };
        let (m, _) = run_world(&world(vec![client("users", call(1_000), 1.0)], vec![(0, clock)]));
        let trace = &m.clocks[0];
        assert_eq!(trace.node, "users");
        // −3 s; +1 s of drift by 10 s; +2 s; +1.05 s more by 20.5 s; −300 s; +7.95 s by 100 s.
        let s = |secs: f64| (secs * 1e9).round() as i64;
        let expected = [
            (at(0), s(-3.0)),
            (at(10 * SEC), s(-2.0)),
            (at(10 * SEC), s(0.0)),
            (at(20 * SEC + SEC / 2), s(1.05)),
            (at(20 * SEC + SEC / 2), s(-298.95)),
            (at(100 * SEC), s(-291.0)),
        ];
        assert_eq!(trace.points, expected);
        assert_eq!((trace.start, trace.end, trace.largest), (s(-3.0), s(-291.0), 298_950_000_000));
        assert_eq!((trace.steps, trace.syncs), (2, 0));
    }
}
