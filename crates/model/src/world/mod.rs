//! The world: clients and services wired together by calls, driven by the engine's step loop.
//!
//! A client request is a call; each attempt of a call is a job at the callee; a job runs its
//! service's handler steps on a worker, and a call step makes calls of its own. Timeouts,
//! retries and breakers act on calls; queues, workers and faults act on jobs. Nothing here
//! decides an outcome in advance: collapse and recovery come out of these mechanics.

mod batch;
mod broker;
mod calls;
mod clients;
mod clocks;
mod data;
mod effects;
mod end;
mod jobs;
mod network;
mod nodes;
mod register;
mod tokens;
mod workers;

use batch::Batcher;
pub use broker::BrokerEvent;
use broker::Brokers;
use clocks::Clocks;
pub use data::DataEvent;
use data::Databases;
use effects::Effects;
pub use network::NetEvent;
use network::{AWAY, Wire};
pub use nodes::NodeEvent;
pub use register::RegisterEvent;
use register::Registers;
use tokens::Tokens;
use workers::Taken;

use std::collections::VecDeque;

use faultline_engine::{
    Activity, LimitExceeded, Model, RngStreams, Scheduler, SimDuration, SimRng, SimTime, TraceKey,
};
use rand::RngExt;

use crate::call::{Call, CallSite, Caller, NONE, Origin};
use crate::client::Client;
use crate::faults::Faults;
use crate::job::Job;
use crate::metrics::{JobDone, RootDone};
use crate::plan::{BatcherPlan, Plan, StepPlan, plan};
use crate::policy::BreakerState;
use crate::service::Service;
use crate::table::Table;
use crate::{Dist, Metrics, Observation, Observer, Outcome, Rejection, StarvedPool, WorldConfig};

/// Everything that can happen. Small and `Copy`: the queue holds events by value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A client sends its next request.
    Arrival { client: u32 },
    /// The job in `job` finished its current piece of local work.
    WorkDone { job: u32 },
    /// The caller of `call` stops waiting for attempt generation `generation`.
    Timeout { call: u32, generation: u32 },
    /// The backoff before the next attempt of `call` is over.
    Retry { call: u32, generation: u32 },
    /// A service held back or pacing its queue looks at it again.
    Wake { service: u32 },
    /// The batch of `batcher` that began in `epoch` has waited long enough: send it.
    Flush { batcher: u32, epoch: u32 },
    /// The network (only in a world with a `network:`, crashes or pauses).
    Net(NetEvent),
    /// Crashes (only in a world with crashes).
    Node(NodeEvent),
    /// Replicated registers' timers (only in a world with a register).
    Register(RegisterEvent),
    /// Brokers' timers (only in a world with topics).
    Broker(BrokerEvent),
    /// Replicated databases' applies and timers (only in a world with a database).
    Data(DataEvent),
}

/// Handling an event goes on until it is done, or stops the run at a limit. Boxed so that the
/// result fits in a register: every function on the hot path returns one.
type Flow = Result<(), Box<LimitExceeded>>;

/// How often a service holding its queue (breaker open) checks whether it may resume.
const HOLD_POLL: SimDuration = SimDuration::from_millis(100);

/// The simulated system for one run.
#[derive(Debug)]
pub struct World<O> {
    clients: Vec<Client>,
    /// Names, only for saying where a run got stuck.
    client_names: Vec<String>,
    service_names: Vec<String>,
    /// The class of each client's requests.
    client_class: Vec<u8>,
    services: Vec<Service>,
    /// Call sites: one per client (same index), then one per call in each handler.
    sites: Vec<CallSite>,
    handlers: Vec<Vec<StepPlan>>,
    shed_after: Vec<Option<SimDuration>>,
    hold_while_open: Vec<bool>,
    /// The call sites with a breaker that each service's handlers call from.
    breaker_sites: Vec<Vec<u32>>,
    wake_pending: Vec<bool>,
    batcher_plans: Vec<BatcherPlan>,
    batchers: Vec<Batcher>,
    /// Batches sent and not answered yet: their member jobs.
    batches: Table<Vec<u32>>,
    /// Whether clients call the service directly (its completions count as throughput).
    entry: Vec<bool>,
    jobs: Table<Job>,
    calls: Table<Call>,
    faults: Faults,
    metrics: Metrics,
    observer: O,
    next_request_id: u64,
    requests_in_flight: usize,
    end: SimTime,
    /// The instant simulated time zero stands for, for handlers that wait for a schedule.
    start: crate::Timestamp,
    max_in_flight: u32,
    /// True while a worker takes work from a queue (`take_next`) somewhere on the stack.
    taking: bool,
    /// Work taken by a worker while `taking`, for the outermost take to run. Empty otherwise.
    taken: VecDeque<Taken>,
    /// The network and the messages on it; `None` when the scenario has no `network:`.
    wire: Option<Box<Wire>>,
    /// Crashes and pauses of nodes; `None` when the scenario has none.
    nodes: Option<Box<crate::node::NodeFaults>>,
    /// The service each call site's calls leave from (`None`: a client's).
    site_services: Vec<Option<u32>>,
    /// Every node's clock; `None` when the scenario has no `clocks:` (all read true time).
    clocks: Option<Box<Clocks>>,
    /// The tokens clients hold and every token issued; `None` when no client holds one.
    tokens: Option<Box<Tokens>>,
    /// Replicated registers; `None` when no handler has a `Register` step.
    registers: Option<Box<Registers>>,
    /// Topics and their subscribers; `None` when the scenario has no topics.
    brokers: Option<Box<Brokers>>,
    /// Dedup and entity tables; `None` when no handler has an `Effect` or `Apply` step.
    effects: Option<Box<Effects>>,
    /// Replicated databases; `None` when no handler has a `Database` step.
    databases: Option<Box<Databases>>,
    /// The services each client's requests go to: (first, count).
    client_targets: Vec<(usize, usize)>,
}

impl<O: Observer> World<O> {
    pub fn new(config: &WorldConfig, seed: u64, observer: O) -> Self {
        let streams = RngStreams::new(seed);
        let names: Vec<(String, u32)> =
            config.services.iter().map(|s| (s.name.clone(), s.workers)).collect();
        let Plan { mut sites, handlers, breaker_sites, batchers, site_nodes, publishers } =
            plan(config, &streams);
        let clocks = Clocks::new(config, &mut sites, &site_nodes, &streams).map(Box::new);
        let mut entry = vec![false; config.services.len()];
        for client in &config.clients {
            let (first, count) = config.instances(client.call.target);
            entry[first..first + count].fill(true);
        }
        World {
            clients: config
                .clients
                .iter()
                .map(|c| Client::new(c, config.start, &streams))
                .collect(),
            client_names: config.clients.iter().map(|c| c.name.clone()).collect(),
            service_names: config.services.iter().map(|s| s.name.clone()).collect(),
            client_class: config.clients.iter().map(|c| c.class).collect(),
            services: config
                .services
                .iter()
                .map(|s| Service::new(s, &streams, config.classes.len()))
                .collect(),
            sites,
            handlers,
            shed_after: config.services.iter().map(|s| s.shed_after).collect(),
            hold_while_open: config.services.iter().map(|s| s.hold_while_open).collect(),
            breaker_sites,
            wake_pending: vec![false; config.services.len()],
            batchers: batchers.iter().map(|_| Batcher::default()).collect(),
            batcher_plans: batchers,
            batches: Table::default(),
            entry,
            jobs: Table::default(),
            calls: Table::default(),
            faults: Faults::new(&config.faults, config.services.len()),
            metrics: Metrics::new(
                &names,
                &config.classes,
                config.warmup,
                config.end,
                config.window,
            ),
            observer,
            next_request_id: 0,
            requests_in_flight: 0,
            end: config.end,
            start: config.start,
            max_in_flight: config.max_in_flight,
            taking: false,
            taken: VecDeque::new(),
            site_services: site_nodes
                .iter()
                .map(|&node| node.checked_sub(config.clients.len() as u32))
                .collect(),
            wire: Wire::new(config, site_nodes, seed).map(Box::new),
            nodes: Self::node_faults(config),
            clocks,
            tokens: Tokens::new(config).map(Box::new),
            registers: Registers::new(config, &streams).map(Box::new),
            brokers: Brokers::new(config, publishers, &streams).map(Box::new),
            effects: Effects::new(config).map(Box::new),
            databases: Databases::new(config, &streams).map(Box::new),
            client_targets: config
                .clients
                .iter()
                .map(|c| config.instances(c.call.target))
                .collect(),
        }
    }

    /// Closes the time series and hands back what the run measured and the number of client
    /// requests still in flight.
    pub fn finish(mut self) -> (Metrics, O, u64) {
        self.metrics.oldest_in_flight = self.oldest_request();
        self.metrics.starved_pools = self.starved_pools();
        self.metrics.network = self.wire.as_ref().map(|w| w.stats());
        self.metrics.clocks = self.clock_traces();
        self.metrics.tokens = self.token_counts();
        self.metrics.registers =
            self.registers.take().map_or_else(Vec::new, |r| r.into_histories());
        self.metrics.brokers = self.broker_reports();
        self.metrics.databases = self.databases.take().map_or_else(Vec::new, |d| d.into_metrics());
        self.metrics.finish();
        (self.metrics, self.observer, self.requests_in_flight as u64)
    }

    fn free_job(&mut self, slot: u32) {
        self.jobs.get_mut(slot).live = false;
        self.jobs.free(slot);
    }

    /// A service and what it is doing, for a run stuck at one instant.
    fn activity_at(&self, service: usize, doing: &str) -> Activity {
        let component = format!("service `{}`", self.service_names[service]);
        Activity { component, doing: doing.to_string() }
    }

    /// When a timer set now at call site `site` for `local` fires, in true time: measured on the
    /// clock of the node its calls leave from, and standing still while that node is paused (a
    /// call's timeout, a retry's backoff, a batch's wait).
    #[inline]
    fn site_timer(&self, site: u32, now: SimTime, local: SimDuration) -> SimTime {
        let after = self.site_clock(site, now, local);
        match &self.nodes {
            None => now + after,
            Some(_) => {
                let service = self.site_services[site as usize].map(|s| s as usize);
                self.timer_fires(service, now, after)
            }
        }
    }

    /// When a timer `service` sets now for `local` fires, in true time: on its node's clock,
    /// at least 1 ns later (a wake-up must not come back at the same instant), standing still
    /// while the node is paused.
    #[inline]
    fn service_timer(&self, service: usize, now: SimTime, local: SimDuration) -> SimTime {
        let after = self.service_clock(service, now, local).max(SimDuration::from_nanos(1));
        self.timer_fires(Some(service), now, after)
    }

    #[inline]
    fn note_queue(&mut self, service: usize, now: SimTime) {
        let s = &self.services[service];
        let (depth, busy) = (s.queue_len(), s.busy());
        self.metrics.on_queue_change(now, service, depth, busy);
        self.observer.observe(now, &Observation::QueueChanged { service, depth, busy });
    }

    fn note_breaker(&mut self, site: u32, now: SimTime, moved: Option<BreakerState>) {
        if let Some(state) = moved {
            self.metrics.on_breaker(now, &self.sites[site as usize].name, state);
        }
    }
}

impl<O: Observer> Model for World<O> {
    type Event = Event;

    fn start(&mut self, sched: &mut Scheduler<Event>) -> Result<(), LimitExceeded> {
        for client in 0..self.clients.len() as u32 {
            self.schedule_next_arrival(client, sched);
        }
        self.schedule_crashes(sched);
        self.start_registers(sched);
        self.start_brokers(sched);
        self.start_databases(sched);
        Ok(())
    }

    #[inline(always)] // into the engine's loop: one call per event less
    fn handle(&mut self, event: Event, sched: &mut Scheduler<Event>) -> Result<(), LimitExceeded> {
        self.metrics.advance_to(sched.now());
        let flow = match event {
            Event::Arrival { client } => self.arrive(client, sched),
            Event::WorkDone { job } => self.work_done(job, sched),
            Event::Timeout { call, generation } => self.timeout(call, generation, sched),
            Event::Retry { call, generation } => self.retry(call, generation, sched),
            Event::Wake { service } => self.wake(service as usize, sched),
            Event::Flush { batcher, epoch } => self.flush(batcher, epoch, sched),
            Event::Net(NetEvent::Arrive { message }) => self.arrive_message(message, sched),
            Event::Node(NodeEvent::Crash { service }) => self.crash(service as usize, sched),
            Event::Register(event) => self.register_event(event, sched),
            Event::Broker(event) => self.broker_event(event, sched),
            Event::Data(event) => self.data_event(event, sched),
        };
        flow.map_err(|stop| *stop)
    }

    #[inline]
    fn trace_key(&self, event: &Event) -> TraceKey {
        match *event {
            Event::Arrival { client } => {
                TraceKey { kind: 0, component: client, request: self.next_request_id }
            }
            Event::WorkDone { job } => {
                let job = self.jobs.get(job);
                TraceKey { kind: 1, component: job.service, request: job.request }
            }
            Event::Timeout { call, .. } => {
                TraceKey { kind: 2, component: call, request: self.calls.get(call).request }
            }
            Event::Wake { service } => TraceKey { kind: 4, component: service, request: 0 },
            Event::Flush { batcher, epoch } => {
                TraceKey { kind: 5, component: batcher, request: u64::from(epoch) }
            }
            Event::Retry { call, .. } => {
                TraceKey { kind: 3, component: call, request: self.calls.get(call).request }
            }
            Event::Net(NetEvent::Arrive { message }) => self.message_trace_key(message),
            Event::Node(NodeEvent::Crash { service }) => {
                TraceKey { kind: 8, component: service, request: 0 }
            }
            Event::Register(RegisterEvent::Tick { service, epoch }) => {
                TraceKey { kind: 10, component: service, request: u64::from(epoch) }
            }
            Event::Register(RegisterEvent::Silence { service, epoch }) => {
                TraceKey { kind: 11, component: service, request: u64::from(epoch) }
            }
            Event::Broker(event) => self.broker_trace_key(event),
            Event::Data(DataEvent::Apply { service }) => {
                TraceKey { kind: 13, component: service, request: 0 }
            }
            Event::Data(DataEvent::Tick { db }) => TraceKey { kind: 14, component: db, request: 0 },
            Event::Data(DataEvent::GiveUp { ticket }) => {
                TraceKey { kind: 15, component: ticket, request: 0 }
            }
            Event::Data(DataEvent::Sample) => TraceKey { kind: 16, component: 0, request: 0 },
        }
    }

    fn activity(&self, event: &Event) -> Activity {
        let site = |site: u32, doing: &str| Activity {
            component: format!("call `{}`", self.sites[site as usize].name),
            doing: doing.to_string(),
        };
        match *event {
            Event::Arrival { client } => Activity {
                component: format!("client `{}`", self.client_names[client as usize]),
                doing: "sending requests".into(),
            },
            Event::WorkDone { job } => {
                self.activity_at(self.jobs.get(job).service as usize, "finishing work")
            }
            Event::Timeout { call, .. } => site(self.calls.get(call).site, "timing out"),
            Event::Retry { call, .. } => site(self.calls.get(call).site, "retrying"),
            Event::Wake { service } => self.activity_at(service as usize, "looking at its queue"),
            Event::Flush { batcher, .. } => {
                site(self.batcher_plans[batcher as usize].site, "sending a batch")
            }
            Event::Net(NetEvent::Arrive { .. }) => {
                Activity { component: "the network".into(), doing: "delivering messages".into() }
            }
            Event::Node(NodeEvent::Crash { service }) => {
                self.activity_at(service as usize, "crashing")
            }
            Event::Register(RegisterEvent::Tick { service, .. }) => {
                self.activity_at(service as usize, "sending heartbeats")
            }
            Event::Register(RegisterEvent::Silence { service, .. }) => {
                self.activity_at(service as usize, "waiting for a leader")
            }
            Event::Broker(event) => self.broker_activity(event),
            Event::Data(DataEvent::Apply { service }) => {
                self.activity_at(service as usize, "applying its log")
            }
            Event::Data(DataEvent::Tick { .. }) => Activity {
                component: "a database primary".into(),
                doing: "resending its log".into(),
            },
            Event::Data(DataEvent::GiveUp { .. }) => Activity {
                component: "a database replica".into(),
                doing: "giving up on a read".into(),
            },
            Event::Data(DataEvent::Sample) => {
                Activity { component: "the databases".into(), doing: "sampling replica lag".into() }
            }
        }
    }
}

#[cfg(test)]
mod size_tests {
    /// The queue holds events by value: keep them small.
    #[test]
    fn events_stay_small() {
        assert!(std::mem::size_of::<super::Event>() <= 12);
    }
}

#[cfg(test)]
mod stuck_tests {
    use faultline_engine::{Limits, run};

    use super::*;
    use crate::policy::{BreakerConfig, CountsAsFailure, Window};
    use crate::{
        ArrivalProcess, CallConfig, ClientConfig, Discipline, Endpoint, Fault, FaultKind,
        LoadShape, NoObserver, Rate, ServiceConfig, Step,
    };

    fn service(name: &str, steps: Vec<Step>, discipline: Discipline) -> ServiceConfig {
        ServiceConfig {
            name: name.into(),
            workers: 4,
            queue_capacity: None,
            steps,
            rate_limit: None,
            discipline,
            hold_while_open: true,
            drain_rate: None,
            ageing: None,
            shed_after: None,
        }
    }

    fn client(name: &str, rate: f64, class: u8) -> ClientConfig {
        ClientConfig {
            name: name.into(),
            process: ArrivalProcess::Fixed,
            rate: Rate(rate),
            shape: LoadShape::Const,
            call: CallConfig::plain(Endpoint::Service(0), None),
            class,
            key: None,
            fields: vec![],
            schedule: None,
            for_each: crate::ForEach::Once,
            token: None,
        }
    }

    /// A service whose strict priority leaves out the class most of its work has (a config
    /// validation refuses), held while its breaker is open: when the breaker lets calls through
    /// again, idle workers face a queue they cannot take from.
    fn unreachable_class() -> WorldConfig {
        let breaker = BreakerConfig {
            window: Window::Count(10),
            failure_rate: 0.5,
            slow_call_rate: f64::INFINITY,
            slow_call_duration: SimDuration::MAX,
            minimum_calls: 2,
            open_duration: SimDuration::from_secs(2),
            half_open_probes: 1,
            count_as_failure: CountsAsFailure { error: true, timeout: true, rejected: false },
        };
        let call =
            CallConfig { breaker: Some(breaker), ..CallConfig::plain(Endpoint::Service(1), None) };
        let work = Step::Work { time: Dist::Exp { mean: 0.001 }, contention: SimDuration::ZERO };
        let start = SimTime::ZERO + SimDuration::from_secs(5);
        WorldConfig {
            classes: vec!["high".into(), "low".into()],
            fields: vec![],
            clients: vec![client("a", 1.0, 0), client("b", 50.0, 1)],
            services: vec![
                service("api", vec![Step::Call(call)], Discipline::Strict { order: vec![0] }),
                service("db", vec![work], Discipline::Fifo),
            ],
            groups: vec![],
            faults: vec![Fault {
                service: 1,
                kind: FaultKind::Fail { share: 1.0 },
                start,
                end: start + SimDuration::from_secs(5),
            }],
            warmup: SimTime::ZERO,
            end: SimTime::ZERO + SimDuration::from_secs(60),
            window: SimDuration::from_secs(1),
            max_in_flight: 1_000_000,
            network: None,
            node_faults: vec![],
            clocks: vec![],
            start: crate::Timestamp::UNIX_EPOCH,
            topics: vec![],
        }
    }

    #[test]
    fn a_queue_no_worker_can_take_from_stops_the_run_saying_where() {
        let config = unreachable_class();
        let mut world = World::new(&config, 1, NoObserver);
        let limits =
            Limits { end: config.end, max_events: 10_000_000, max_work_per_instant: 10_000 };
        let err = run(&mut world, limits).unwrap_err();
        let LimitExceeded::Stuck { limit, at, component, doing } = err else { panic!("{err}") };
        assert_eq!((limit, component.as_str()), (10_000, "service `api`"));
        assert_eq!(doing, "starting queued work");
        assert!(at > SimTime::ZERO + SimDuration::from_secs(5), "stuck at {at}");
    }
}
