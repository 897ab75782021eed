//! Typed, validated configuration a [`World`](crate::World) is built from.
//!
//! Everything here is already checked (positive rates, at least one worker, targets that exist):
//! building a world from it cannot fail.

use faultline_engine::{SimDuration, SimTime};

use jiff::Timestamp;

use crate::policy::{Backoff, BreakerConfig, Jitter};
use crate::{
    Balance, ClockConfig, Discipline, Dist, Ejection, LoadShape, NetworkConfig, Rate, Schedule,
    Values, Zone,
};

/// Request classes in a world: requests carry their class as a `u8` index.
pub const MAX_CLASSES: usize = 1 << u8::BITS;
/// Steps in one handler (a service's, or a fan-out's sub-tasks'): jobs count them in a `u16`.
pub const MAX_STEPS: usize = 1_000;
/// Calls one step makes at once (`Parallel` calls, `Fanout` sub-tasks): jobs count the answers
/// they wait for in a `u16`.
pub const MAX_CALLS_PER_STEP: usize = 1_000;

/// How a client spaces its requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrivalProcess {
    /// Exponential gaps: a Poisson process following the load shape.
    Poisson,
    /// Exactly 1 / rate between requests.
    Fixed,
}

/// Which failed outcomes a retry policy retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryOn {
    pub timeout: bool,
    pub error: bool,
    pub rejected: bool,
}

/// When and how often a caller tries again.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryConfig {
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
    pub backoff: Backoff,
    pub jitter: Jitter,
    /// Retries may be at most this share of first attempts over `budget_window`.
    pub budget: Option<(f64, SimDuration)>,
    pub retry_on: RetryOn,
}

/// What a call is addressed to. Later kinds of endpoint (a topic, a database, a register) are
/// variants here, each handled by its own module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// A service: index into [`WorldConfig::services`].
    Service(usize),
    /// A service with several instances: index into [`WorldConfig::groups`]. The caller's
    /// balancer picks an instance for each attempt.
    Balanced { group: usize },
    /// A topic: index into [`WorldConfig::topics`]. The call goes to the topic's broker, and
    /// the message is appended when the broker's handler ends.
    Topic { topic: usize },
}

/// A service run as several instances, each a service of its own in
/// [`WorldConfig::services`] (`first .. first + count`, named `name/0`, `name/1`, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceGroup {
    pub name: String,
    pub first: usize,
    pub count: usize,
}

/// How a caller calls a service: the same for a client's requests and a handler's calls.
#[derive(Clone, Debug, PartialEq)]
pub struct CallConfig {
    /// Where the call is written in the scenario (`clients.users`, `services.api.steps.1`):
    /// names the random stream its retries draw jitter from, so that adding a call elsewhere
    /// never changes what this one draws.
    pub path: String,
    pub target: Endpoint,
    /// The caller gives up on an attempt after this long.
    pub timeout: Option<SimDuration>,
    pub retry: Option<RetryConfig>,
    pub breaker: Option<BreakerConfig>,
    /// On timeout, withdraw the attempt from the callee's queue, or stop it at its next step.
    /// Without it, the callee keeps working on a request nobody waits for.
    pub cancel_on_timeout: bool,
    /// Bulkhead: at most this many attempts from this caller in flight at once; more are
    /// rejected at once.
    pub max_concurrent: Option<u32>,
    /// How the caller picks an instance of a service that has several.
    pub balance: Balance,
    /// Leaving out instances that keep failing.
    pub ejection: Option<Ejection>,
    /// How heavy this call's request is: the callee's local work takes this many times longer
    /// (1.0 for an ordinary request; a report query may weigh 20).
    pub weight: f64,
    /// To a database: read or write (`None`: the database's share of reads decides).
    pub op: Option<crate::DataOp>,
}

impl CallConfig {
    /// A call with no timeout, retry, breaker or limit.
    pub fn plain(target: Endpoint, timeout: Option<SimDuration>) -> Self {
        CallConfig {
            path: String::new(),
            target,
            timeout,
            retry: None,
            breaker: None,
            cancel_on_timeout: false,
            max_concurrent: None,
            balance: Balance::RoundRobin,
            ejection: None,
            weight: 1.0,
            op: None,
        }
    }
}

/// One step of a service's handler. A worker is held from the first step to the last.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Local work. Takes a draw from `time`, plus `contention` for every other request in
    /// service at this service when it starts (the mechanism behind saturated databases).
    Work { time: Dist, contention: SimDuration },
    /// Waits, holding the worker, until `schedule` next fires (at once if it fires at this
    /// instant), simulated time zero standing for [`WorldConfig::start`]: a job that runs in
    /// the nightly window. A firing while the node is paused waits for it to resume.
    Wait { schedule: Schedule },
    /// A call to another service; the handler waits for the answer.
    Call(CallConfig),
    /// Calls made at once (at most [`MAX_CALLS_PER_STEP`]); the handler waits for all of them.
    Parallel(Vec<CallConfig>),
    /// `count` sub-tasks (at most [`MAX_CALLS_PER_STEP`]) running `steps` on this same service's
    /// workers; the handler waits for all of them while holding its own worker (so a full pool
    /// can starve itself).
    Fanout { count: u16, timeout: Option<SimDuration>, steps: Vec<Step> },
    /// Structured batching: requests reaching this step are collected until `max` have joined
    /// or `wait` has passed since the first, then one call is made for all of them. The call
    /// weighs `1 + per_item × (n − 1)` for a batch of `n`.
    Batch { call: CallConfig, max: u16, wait: SimDuration, per_item: f64 },
    /// Checks the token the request carries against this service's node clock, allowing
    /// `leeway` either way: a token refused (or missing) fails the job at once, with an error.
    CheckToken { leeway: SimDuration },
    /// A read or write of the register this service's instances replicate (see
    /// [`RegisterStep`](crate::RegisterStep)).
    Register(crate::RegisterStep),
    /// Publishes a message to a topic (a call to its broker; see
    /// [`PublishConfig`](crate::broker::PublishConfig)).
    Publish(Box<crate::broker::PublishConfig>),
    /// Fails the job at once, with an error, if the request lacks one of these fields (bit `i`
    /// for field `i`): a consumer that cannot handle a malformed message.
    Require { fields: u8 },
    /// Records a side effect that must happen once (see [`EffectStep`](crate::EffectStep)).
    Effect(crate::EffectStep),
    /// Moves an entity by the event the request names (see [`ApplyStep`](crate::ApplyStep)).
    Apply(Box<crate::ApplyStep>),
    /// A read or write of the database this service's instances hold (instance 0 the primary,
    /// the others read replicas; see [`DatabaseStep`](crate::DatabaseStep)).
    Database(crate::DatabaseStep),
}

/// A group of instances replicating something (see [`WorldConfig::replicated`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replicated<T> {
    pub step: T,
    pub first: usize,
    pub count: usize,
    pub name: String,
}

/// A client that holds a token and sends it with every request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenHolding {
    /// The node whose clock stamps the client's tokens (as in [`WorldConfig::node_names`]).
    /// A model simplification: the token is stamped at the instant the client needs it, with
    /// no call to the issuer and no time passing.
    pub issuer: u32,
    pub policy: crate::TokenPolicy,
    /// The client gets a new token once its own clock reads the token's expiry minus this (and
    /// when it has none, or a request's token was refused).
    pub renew_before: SimDuration,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ClientConfig {
    /// Stable name; it also names the client's random stream.
    pub name: String,
    pub process: ArrivalProcess,
    pub rate: Rate,
    pub shape: LoadShape,
    pub call: CallConfig,
    /// Index into [`WorldConfig::classes`]; carried by every call the request causes.
    pub class: u8,
    /// How each request's key is picked; `None` leaves it 0.
    pub key: Option<Values>,
    /// How each request's fields are picked: (index into [`WorldConfig::fields`], values).
    pub fields: Vec<(usize, Values)>,
    /// Calendar-driven: one request each time this schedule fires (from
    /// [`WorldConfig::start`]), in place of `rate`, `process` and `shape`; no randomness.
    pub schedule: Option<Schedule>,
    /// Whom each firing of `schedule` is for: one request, or one per customer.
    pub for_each: ForEach,
    /// The token the client holds and sends with every request; `None`: it sends none.
    pub token: Option<TokenHolding>,
}

/// Whom a scheduled client's firings are for. Customers are numbered from 0; customer `i`'s
/// requests carry key `i`.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum ForEach {
    /// One request per firing, with the key and fields the client draws.
    #[default]
    Once,
    /// Each firing sends one request per customer, all at the firing's instant, in customer
    /// order.
    Customers { count: u32 },
    /// One schedule per customer: the cron read in each customer's zone (`zones[i]` is customer
    /// `i`'s), each firing sending that customer's request. The schedule's own zone is not read.
    CustomersInTheirZones { zones: Vec<Zone> },
}

impl ForEach {
    /// Requests one firing of the client's schedule sends, over all its customers.
    pub fn requests_per_firing(&self) -> u64 {
        match self {
            ForEach::Once => 1,
            ForEach::Customers { count } => u64::from(*count),
            ForEach::CustomersInTheirZones { zones } => zones.len() as u64,
        }
    }
}

/// Token-bucket admission in front of a service's queue.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    pub rate: f64,
    pub burst: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ServiceConfig {
    pub name: String,
    /// At least one.
    pub workers: u32,
    /// Maximum number of waiting requests; `None` is unbounded.
    pub queue_capacity: Option<u32>,
    /// The handler: 1 to [`MAX_STEPS`] steps.
    pub steps: Vec<Step>,
    pub rate_limit: Option<RateLimit>,
    pub discipline: Discipline,
    /// Stop taking work from the queue while a circuit breaker on one of this service's own
    /// calls is open (a consumer holding messages back while its dependency is down).
    pub hold_while_open: bool,
    /// Take work from the queue at most this fast (draining a backlog gradually).
    pub drain_rate: Option<RateLimit>,
    /// With strict priority: a request that has waited this long goes first whatever its class.
    pub ageing: Option<SimDuration>,
    /// Requests that waited in the queue longer than this are dropped when they reach a worker.
    pub shed_after: Option<SimDuration>,
}

/// What a fault does to a service while it lasts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FaultKind {
    /// Every piece of local work takes `factor` times longer.
    Slowdown { factor: f64 },
    /// This share of requests finish with an error.
    Fail { share: f64 },
    /// Calls are refused at once, as by a stopped process.
    Down,
}

/// A fault on a schedule: `kind` applies to `service` during [`start`, `end`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fault {
    pub service: usize,
    pub kind: FaultKind,
    pub start: SimTime,
    pub end: SimTime,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WorldConfig {
    /// Names of the request classes (1 to [`MAX_CLASSES`]).
    pub classes: Vec<String>,
    /// Names of the fields requests carry (at most [`MAX_FIELDS`](crate::MAX_FIELDS)).
    pub fields: Vec<String>,
    pub clients: Vec<ClientConfig>,
    pub services: Vec<ServiceConfig>,
    /// Services with several instances.
    pub groups: Vec<ServiceGroup>,
    pub faults: Vec<Fault>,
    /// Requests that arrive before this instant are left out of latency and utilisation figures.
    pub warmup: SimTime,
    /// The end of the run.
    pub end: SimTime,
    /// Width of the time-series windows.
    pub window: SimDuration,
    /// Requests alive at once; more is a runaway run and stops with an error.
    pub max_in_flight: u32,
    /// The network between nodes; `None` delivers every call and answer at once (no events).
    pub network: Option<NetworkConfig>,
    /// Crashes and pauses of the nodes services run on.
    pub node_faults: Vec<crate::NodeFault>,
    /// The nodes with a local clock of their own: (node index, as in
    /// [`WorldConfig::node_names`], and its clock), by node, each node at most once. Every other
    /// node reads true time; empty, the world keeps no clocks at all.
    pub clocks: Vec<(u32, ClockConfig)>,
    /// The UTC instant simulated time zero stands for; scheduled clients fire on the calendar
    /// from here. The Unix epoch unless a scenario sets `start`.
    pub start: Timestamp,
    /// Topics on brokers, with their subscribers; empty, the world keeps no broker.
    pub topics: Vec<crate::broker::TopicConfig>,
}

impl ServiceConfig {
    /// A service of `workers` workers running `steps`, with an unbounded FIFO queue and no
    /// limiter, pacing, holding, ageing or shedding.
    pub fn new(name: &str, workers: u32, steps: Vec<Step>) -> Self {
        ServiceConfig {
            name: name.into(),
            workers,
            queue_capacity: None,
            steps,
            rate_limit: None,
            discipline: Discipline::Fifo,
            hold_while_open: false,
            drain_rate: None,
            ageing: None,
            shed_after: None,
        }
    }
}

impl ClientConfig {
    /// A client of the first request class sending `rate` requests per second through `call`,
    /// at a constant load, with no keys or fields.
    pub fn new(name: &str, process: ArrivalProcess, rate: f64, call: CallConfig) -> Self {
        ClientConfig {
            name: name.into(),
            process,
            rate: Rate(rate),
            shape: LoadShape::Const,
            call,
            class: 0,
            key: None,
            fields: Vec::new(),
            schedule: None,
            for_each: ForEach::Once,
            token: None,
        }
    }

    /// A client of the first request class sending one request through `call` each time
    /// `schedule` fires, with no keys or fields.
    pub fn scheduled(name: &str, schedule: Schedule, call: CallConfig) -> Self {
        ClientConfig {
            schedule: Some(schedule),
            ..ClientConfig::new(name, ArrivalProcess::Fixed, 0.0, call)
        }
    }
}

impl WorldConfig {
    /// A world of these clients and services running until `end`: one request class, no
    /// warm-up, 1 s windows, no faults, instances, network, crashes or clocks, starting at the
    /// Unix epoch.
    pub fn new(clients: Vec<ClientConfig>, services: Vec<ServiceConfig>, end: SimTime) -> Self {
        WorldConfig {
            classes: vec!["default".into()],
            fields: Vec::new(),
            clients,
            services,
            groups: Vec::new(),
            faults: Vec::new(),
            warmup: SimTime::ZERO,
            end,
            window: SimDuration::from_secs(1),
            max_in_flight: 1_000_000,
            network: None,
            node_faults: Vec::new(),
            clocks: Vec::new(),
            start: Timestamp::UNIX_EPOCH,
            topics: Vec::new(),
        }
    }

    /// The instances a call to `endpoint` may go to: `(first, count)` in [`Self::services`].
    pub fn instances(&self, endpoint: Endpoint) -> (usize, usize) {
        match endpoint {
            Endpoint::Service(service) => (service, 1),
            Endpoint::Balanced { group } => (self.groups[group].first, self.groups[group].count),
            Endpoint::Topic { topic } => (self.topics[topic].broker, 1),
        }
    }

    /// The replicas of the register `service` is one of: `(first, count, name)`, the instances
    /// of its group (or itself alone) and the group's name.
    pub fn replicas_of(&self, service: usize) -> (usize, usize, String) {
        let group = self.groups.iter().find(|g| (g.first..g.first + g.count).contains(&service));
        match group {
            Some(g) => (g.first, g.count, g.name.clone()),
            None => (service, 1, self.services[service].name.clone()),
        }
    }

    /// Each group of instances replicating something, once, in service order: the step `pick`
    /// finds in the first instance's handler (a `Register`, a `Database`), the group's first
    /// instance, its count and its name.
    pub fn replicated<T>(&self, pick: impl Fn(&Step) -> Option<T>) -> Vec<Replicated<T>> {
        let mut groups: Vec<Replicated<T>> = Vec::new();
        for (service, s) in self.services.iter().enumerate() {
            let Some(step) = s.steps.iter().find_map(&pick) else { continue };
            if groups.last().is_some_and(|g| (g.first..g.first + g.count).contains(&service)) {
                continue; // another instance of the group just listed
            }
            let (first, count, name) = self.replicas_of(service);
            groups.push(Replicated { step, first, count, name });
        }
        groups
    }

    /// Whether some handler reads or writes a replicated register.
    pub fn has_registers(&self) -> bool {
        self.services.iter().any(|s| s.steps.iter().any(|st| matches!(st, Step::Register(_))))
    }

    /// Whether some handler reads or writes a replicated database.
    pub fn has_databases(&self) -> bool {
        self.services.iter().any(|s| s.steps.iter().any(|st| matches!(st, Step::Database(_))))
    }

    /// The name callers know `endpoint` by: the service's, or its instances' group's.
    pub fn endpoint_name(&self, endpoint: Endpoint) -> &str {
        match endpoint {
            Endpoint::Service(service) => &self.services[service].name,
            Endpoint::Balanced { group } => &self.groups[group].name,
            Endpoint::Topic { topic } => &self.topics[topic].name,
        }
    }

    /// Every node's name. Each client and each service runs on a node of its own name: clients
    /// first, then services, in configuration order (node indices in [`NetworkConfig`]).
    pub fn node_names(&self) -> Vec<String> {
        let clients = self.clients.iter().map(|c| c.name.clone());
        clients.chain(self.services.iter().map(|s| s.name.clone())).collect()
    }

    /// The node of client `client`.
    pub fn client_node(&self, client: usize) -> u32 {
        client as u32
    }

    /// The node of service `service`.
    pub fn service_node(&self, service: usize) -> u32 {
        (self.clients.len() + service) as u32
    }
}
