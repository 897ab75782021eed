//! The scenario file as written: serde types mirroring the RON, before any checking.
//!
//! Every struct denies unknown fields, so a misspelt field is an error rather than silently
//! ignored. Numbers that must be positive are read as signed so that `-3` reaches validation and
//! gets a message about the value instead of a type error.

use std::collections::BTreeMap;
use std::fmt;

use ron::value::RawValue;
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Scenario")]
pub struct ScenarioFile {
    pub name: String,
    #[serde(default)]
    pub lesson: String,
    pub duration: String,
    #[serde(default)]
    pub warmup: Option<String>,
    #[serde(default)]
    pub seed: Option<u64>,
    /// The UTC instant simulated time zero stands for (`"2026-03-07T12:00:00Z"`).
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub limits: LimitsRaw,
    #[serde(default)]
    pub metrics: MetricsRaw,
    #[serde(default)]
    pub clients: BTreeMap<String, ClientRaw>,
    #[serde(default)]
    pub services: BTreeMap<String, ServiceRaw>,
    #[serde(default)]
    pub faults: Vec<FaultRaw>,
    #[serde(default)]
    pub network: Option<NetworkRaw>,
    /// Local clocks, by node name (a client's or a service's).
    #[serde(default)]
    pub clocks: BTreeMap<String, ClockRaw>,
    /// Customers, by name, each in a time zone; numbered from 0 in name order.
    #[serde(default)]
    pub customers: BTreeMap<String, CustomerRaw>,
    /// Topics on brokers, by name.
    #[serde(default)]
    pub topics: BTreeMap<String, TopicRaw>,
    #[serde(default)]
    pub invariants: Vec<InvariantRaw>,
    #[serde(default)]
    pub variants: BTreeMap<String, VariantRaw>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename = "limits")]
pub struct LimitsRaw {
    #[serde(default)]
    pub max_events: Option<i64>,
    #[serde(default)]
    pub max_in_flight: Option<i64>,
    #[serde(default)]
    pub max_work_per_instant: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename = "metrics")]
pub struct MetricsRaw {
    #[serde(default)]
    pub window: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "client")]
pub struct ClientRaw {
    pub target: String,
    /// Requests per second; a client has this or a `schedule`.
    #[serde(default)]
    pub rate: Option<String>,
    /// One request each time this fires, in place of a rate.
    #[serde(default)]
    pub schedule: Option<ScheduleRaw>,
    #[serde(default)]
    pub arrivals: ArrivalsRaw,
    #[serde(default)]
    pub shape: ShapeRaw,
    #[serde(default)]
    pub timeout: Option<String>,
    #[serde(default)]
    pub retry: Option<RetryRaw>,
    #[serde(default)]
    pub breaker: Option<BreakerRaw>,
    #[serde(default)]
    pub cancel_on_timeout: bool,
    #[serde(default)]
    pub max_concurrent: Option<i64>,
    #[serde(default)]
    pub balance: Option<BalanceRaw>,
    #[serde(default)]
    pub outlier_ejection: Option<EjectionRaw>,
    /// The request class (priority) of this client's requests.
    #[serde(default)]
    pub class: Option<String>,
    /// How each request's key is picked.
    #[serde(default)]
    pub key: Option<ValuesRaw>,
    /// Named fields each request carries, and how each is picked.
    #[serde(default)]
    pub fields: BTreeMap<String, ValuesRaw>,
    /// The IANA time zone of the client's node (the server's zone): its schedule's zone unless
    /// the schedule names one. UTC when left out.
    #[serde(default)]
    pub zone: Option<String>,
    /// A token the client holds and sends with every request.
    #[serde(default)]
    pub token: Option<TokenRaw>,
}

/// A client's token: stamped by the `issuer` node's clock, valid for `lifetime`, renewed once
/// the client's clock reads its expiry minus `renew_before` (or when refused).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "token")]
pub struct TokenRaw {
    pub issuer: String,
    pub lifetime: String,
    #[serde(default)]
    pub renew_before: Option<String>,
}

/// A cron expression evaluated in an IANA time zone, firing once or for each customer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "schedule")]
pub struct ScheduleRaw {
    pub cron: String,
    /// A zone name (`"Europe/London"`), or `Customer` (each customer's own zone); left out, the
    /// zone of its node (the client's, or the service's for a `Wait` step). Kept as written, since RON reads a bare name as a unit whatever it says:
    /// validation tells `Customer` from a zone name.
    #[serde(default)]
    pub zone: Option<Box<RawValue>>,
    #[serde(default)]
    pub for_each: Option<ForEachRaw>,
}

/// Whom a schedule's firings are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename = "for_each")]
pub enum ForEachRaw {
    /// One request per customer.
    Customers,
}

/// A customer of the system, in its own time zone.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "customer")]
pub struct CustomerRaw {
    pub zone: String,
}

/// A call step of a handler. Clients carry the same fields inline: `#[serde(flatten)]` would
/// share them, but serde cannot deny unknown fields through a flatten, and misspelt fields must
/// be errors.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Call")]
pub struct CallRaw {
    pub to: String,
    #[serde(default)]
    pub timeout: Option<String>,
    #[serde(default)]
    pub retry: Option<RetryRaw>,
    #[serde(default)]
    pub breaker: Option<BreakerRaw>,
    #[serde(default)]
    pub cancel_on_timeout: bool,
    #[serde(default)]
    pub max_concurrent: Option<i64>,
    #[serde(default)]
    pub balance: Option<BalanceRaw>,
    #[serde(default)]
    pub outlier_ejection: Option<EjectionRaw>,
    #[serde(default)]
    pub weight: Option<f64>,
    /// To a database: `Read` or `Write` (left out: the database's share of reads decides).
    #[serde(default)]
    pub op: Option<DataOpRaw>,
}

/// What a call to a database asks for.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename = "op")]
pub enum DataOpRaw {
    Read,
    Write,
}

/// How callers pick the copy of a database a read goes to.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "read strategy")]
pub enum ReadStrategyRaw {
    Any,
    Sticky,
    PrimaryAfterWrite(String),
    WaitForPosition(String),
}

/// How a client picks a value for a request's key or field.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "values")]
pub enum ValuesRaw {
    /// Uniformly among this many values (0 to count − 1).
    Uniform(i64),
    /// 0, 1, 2, …: a new value per request.
    Sequence,
    /// 0 for this many requests in a row, then 1, …
    Repeat(i64),
    /// These values in turn, one per request: numbers, or the states of an `Apply` step
    /// reading the field.
    Cycle(Vec<String>),
    /// Always this value (a number, or a state name).
    Fixed(String),
}

/// How a caller picks an instance of a service with several.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename = "balance")]
pub enum BalanceRaw {
    RoundRobin,
    Random,
    LeastOutstanding,
    PowerOfTwo,
}

/// Outlier ejection at the caller.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "outlier_ejection")]
pub struct EjectionRaw {
    #[serde(default)]
    pub consecutive_failures: Option<i64>,
    #[serde(default)]
    pub base_time: Option<String>,
    /// The most instances out at once, as a share: "50%".
    #[serde(default)]
    pub max_ejected: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "retry")]
pub struct RetryRaw {
    pub max_attempts: i64,
    #[serde(default)]
    pub backoff: Option<BackoffRaw>,
    #[serde(default)]
    pub jitter: JitterRaw,
    /// Retries as a share of calls, e.g. "10%".
    #[serde(default)]
    pub budget: Option<String>,
    #[serde(default)]
    pub budget_window: Option<String>,
    #[serde(default)]
    pub retry_on: Option<Vec<OutcomeRaw>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "backoff")]
pub enum BackoffRaw {
    Constant(String),
    Exponential {
        base: String,
        #[serde(default)]
        multiplier: Option<f64>,
        cap: String,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename = "jitter")]
pub enum JitterRaw {
    #[default]
    None,
    Full,
    Equal,
    Decorrelated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename = "outcome")]
pub enum OutcomeRaw {
    Timeout,
    Error,
    Rejected,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "breaker")]
pub struct BreakerRaw {
    pub window: BreakerWindowRaw,
    pub failure_rate: f64,
    #[serde(default)]
    pub slow_call_rate: Option<f64>,
    #[serde(default)]
    pub slow_call_duration: Option<String>,
    pub minimum_calls: i64,
    pub open_duration: String,
    #[serde(default)]
    pub half_open_probes: Option<i64>,
    #[serde(default)]
    pub count_as_failure: Option<Vec<OutcomeRaw>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename = "window")]
pub enum BreakerWindowRaw {
    Count(i64),
    Time(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "step")]
pub enum StepRaw {
    Work {
        time: DistRaw,
        #[serde(default)]
        contention: Option<String>,
    },
    Call(Box<CallRaw>),
    Parallel(Vec<CallRaw>),
    Batch {
        to: String,
        max: i64,
        wait: String,
        #[serde(default)]
        per_item: Option<f64>,
        #[serde(default)]
        timeout: Option<String>,
    },
    Fanout {
        count: i64,
        #[serde(default)]
        timeout: Option<String>,
        steps: Vec<StepRaw>,
    },
    /// Holds the worker until the schedule next fires (in the service's zone unless it names
    /// one).
    Wait {
        schedule: ScheduleRaw,
    },
    /// Checks the request's token on this service's clock, allowing `leeway` either way.
    CheckToken {
        #[serde(default)]
        leeway: Option<String>,
    },
    /// Publishes a message to a topic: a call to its broker.
    Publish {
        topic: String,
        /// The field whose value becomes the message's key (the request's key if left out).
        #[serde(default)]
        key: Option<String>,
        /// Fields set to fixed values.
        #[serde(default)]
        fields: BTreeMap<String, String>,
        /// A share of messages lacking a field.
        #[serde(default)]
        malformed: Option<MalformedRaw>,
        /// A share of messages no consumer can handle ("0.5%").
        #[serde(default)]
        poison: Option<String>,
        /// Refuse to publish a malformed message (the step fails).
        #[serde(default)]
        validate: bool,
        #[serde(default)]
        timeout: Option<String>,
        #[serde(default)]
        retry: Option<RetryRaw>,
    },
    /// Fails at once if the request lacks one of these fields.
    Require {
        fields: Vec<String>,
    },
    Register {
        mode: RegisterModeRaw,
        /// The share of requests that read, as a percentage ("50%").
        reads: String,
        /// Local work between deciding to serve and serving.
        apply: DistRaw,
    },
    /// A read or write of the database this service's instances hold (instance 0 the primary).
    Database {
        /// How long a replica takes to apply an entry it received.
        apply: DistRaw,
        /// The share of requests that read when their call does not say ("80%").
        #[serde(default)]
        reads: Option<String>,
        /// Which copy serves reads; left out: the primary.
        #[serde(default)]
        read: Option<ReadStrategyRaw>,
        /// The named field whose values are sessions; left out: the request's key.
        #[serde(default)]
        session: Option<String>,
        /// How often the primary resends what a replica has not acknowledged.
        #[serde(default)]
        resend: Option<String>,
    },
    /// Records a side effect that must happen once per operation (`once_per` names it).
    Effect {
        name: String,
        once_per: OncePerRaw,
        /// Skip an operation applied within this window (an idempotency key's dedup table).
        #[serde(default)]
        dedup: Option<String>,
    },
    /// Moves the entity the request's key names to the state its `field` names.
    Apply {
        field: String,
        /// Each state and the states it may move to (`"shipped": []` for a final one).
        states: BTreeMap<String, Vec<String>>,
        initial: String,
        /// The field carrying each event's version (the producer's order).
        #[serde(default)]
        version: Option<String>,
        #[serde(default)]
        check: Option<ApplyCheckRaw>,
    },
}

/// What names an effect's logical operation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum OncePerRaw {
    Key,
    Field(String),
}

/// How an `Apply` step refuses stale events.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum ApplyCheckRaw {
    /// Skip an event whose version is not above the entity's.
    Version,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "malformed")]
pub struct MalformedRaw {
    pub field: String,
    pub share: String,
}

/// A topic: the broker service it lives on, its partitions and how long it keeps messages.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "topic")]
pub struct TopicRaw {
    pub on: String,
    #[serde(default)]
    pub partitions: Option<i64>,
    #[serde(default)]
    pub retention: Option<RetentionRaw>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "retention")]
pub struct RetentionRaw {
    #[serde(default)]
    pub messages: Option<i64>,
    #[serde(default)]
    pub age: Option<String>,
}

/// A service whose work comes from a topic: each instance a consumer of its group.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "consumer")]
pub struct ConsumerRaw {
    #[serde(default)]
    pub topic: Option<String>,
    #[serde(default)]
    pub order: Option<ConsumerOrderRaw>,
    #[serde(default)]
    pub prefetch: Option<i64>,
    #[serde(default)]
    pub visibility: Option<String>,
    #[serde(default)]
    pub max_receives: Option<i64>,
    #[serde(default)]
    pub dead_letters: Option<DeadLettersRaw>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub enum ConsumerOrderRaw {
    /// Each partition to one consumer.
    ByPartition,
    /// Any consumer takes any message: one shared queue.
    Any,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "dead_letters")]
pub struct DeadLettersRaw {
    #[serde(default)]
    pub alarm: Option<AlarmRaw>,
    #[serde(default)]
    pub replay: Option<ReplayRaw>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "alarm")]
pub struct AlarmRaw {
    #[serde(default)]
    pub every: Option<String>,
    #[serde(default)]
    pub depth: Option<i64>,
    #[serde(default)]
    pub growth: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "replay")]
pub struct ReplayRaw {
    #[serde(default)]
    pub at: Option<String>,
    #[serde(default)]
    pub every: Option<String>,
    /// With `every`: the first run (one period in when left out).
    #[serde(default)]
    pub from: Option<String>,
    /// Run when a fix is deployed to this service (its first `Deploy` fault), instead of `at`
    /// (and with `every`, from then on).
    #[serde(default)]
    pub on_deploy: Option<String>,
    #[serde(default)]
    pub limit: Option<i64>,
}

/// How a register's replicas agree on a leader.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum RegisterModeRaw {
    Failover { heartbeat: String, timeout: String },
    Lease { heartbeat: String, lease: String, timeout: String },
    Quorum { heartbeat: String, timeout: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "rate_limit")]
pub struct RateLimitRaw {
    pub rate: String,
    pub burst: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "fault")]
pub enum FaultRaw {
    Slowdown {
        service: String,
        factor: f64,
        at: String,
        length: String,
    },
    Fail {
        service: String,
        share: f64,
        at: String,
        length: String,
    },
    Down {
        service: String,
        at: String,
        length: String,
    },
    /// Messages between nodes of different groups are dropped.
    Partition {
        groups: Vec<Vec<String>>,
        at: String,
        length: String,
    },
    /// Messages from `from` to `to` are dropped; the other way still flows.
    OneWay {
        from: Vec<String>,
        to: Vec<String>,
        at: String,
        length: String,
    },
    /// Messages to and from `node` are dropped.
    Isolate {
        node: String,
        at: String,
        length: String,
    },
    /// A fix deployed to `service`: every fault on it running then ends; a replay job can start
    /// from it (`on_deploy`).
    Deploy {
        service: String,
        at: String,
    },
    /// The node loses its queue and work in progress and answers nothing until it restarts.
    Crash {
        node: String,
        at: String,
        restart_after: String,
    },
    /// The node freezes: no work progresses and no timer fires until it resumes.
    Pause {
        node: String,
        at: String,
        length: String,
    },
    /// Messages on matching links are slower and lost more often.
    Degrade {
        #[serde(default)]
        from: Option<Vec<String>>,
        #[serde(default)]
        to: Option<Vec<String>>,
        #[serde(default)]
        latency_factor: Option<f64>,
        #[serde(default)]
        extra_loss: Option<f64>,
        at: String,
        length: String,
    },
}

/// The network between nodes: the default link and per-link overrides.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename = "network")]
pub struct NetworkRaw {
    #[serde(default)]
    pub default: LinkRaw,
    #[serde(default)]
    pub links: Vec<LinkRuleRaw>,
}

/// How a link behaves; a field left out keeps the default link's value.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename = "link")]
pub struct LinkRaw {
    #[serde(default)]
    pub latency: Option<DistRaw>,
    #[serde(default)]
    pub loss: Option<f64>,
    #[serde(default)]
    pub duplicate: Option<f64>,
    #[serde(default)]
    pub ordering: Option<OrderingRaw>,
}

/// A link override: messages from a node in `from` to a node in `to` (either left out: any
/// node); `both_ways` also sets the opposite direction.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "link rule")]
pub struct LinkRuleRaw {
    #[serde(default)]
    pub from: Option<Vec<String>>,
    #[serde(default)]
    pub to: Option<Vec<String>>,
    #[serde(default)]
    pub both_ways: bool,
    #[serde(default)]
    pub latency: Option<DistRaw>,
    #[serde(default)]
    pub loss: Option<f64>,
    #[serde(default)]
    pub duplicate: Option<f64>,
    #[serde(default)]
    pub ordering: Option<OrderingRaw>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename = "ordering")]
pub enum OrderingRaw {
    Fifo,
    Datagram,
}

/// A node's local clock; every field left out leaves the clock on true time in that respect.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename = "clock")]
pub struct ClockRaw {
    /// Local minus true time at the start, signed: `"+2s"`, `"-250ms"`.
    #[serde(default)]
    pub offset: Option<String>,
    #[serde(default)]
    pub drift_ppm: Option<f64>,
    #[serde(default)]
    pub steps: Vec<ClockStepRaw>,
    #[serde(default)]
    pub sync: Option<ClockSyncRaw>,
}

/// The clock jumps `by` (signed: `"-5min"`) at `at`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "clock step")]
pub struct ClockStepRaw {
    pub at: String,
    pub by: String,
}

/// The clock is synchronised every `every`, each time to within `within` of true time.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "sync")]
pub struct ClockSyncRaw {
    pub every: String,
    pub within: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename = "arrivals")]
pub enum ArrivalsRaw {
    #[default]
    Poisson,
    Fixed,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename = "load shape")]
pub enum ShapeRaw {
    #[default]
    Const,
    Ramp {
        to: String,
        start: String,
        end: String,
    },
    Step {
        at: String,
        to: String,
    },
    Spike {
        at: String,
        length: String,
        factor: f64,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "service")]
pub struct ServiceRaw {
    pub workers: i64,
    /// Copies of the service, each its own node with its own workers and queue.
    #[serde(default)]
    pub instances: Option<i64>,
    #[serde(default)]
    pub queue_capacity: Option<i64>,
    /// Shorthand for a handler of one `Work` step.
    #[serde(default)]
    pub service_time: Option<DistRaw>,
    /// Extra time per other request in service, with `service_time`.
    #[serde(default)]
    pub contention: Option<String>,
    #[serde(default)]
    pub steps: Option<Vec<StepRaw>>,
    #[serde(default)]
    pub rate_limit: Option<RateLimitRaw>,
    #[serde(default)]
    pub shed_after: Option<String>,
    #[serde(default)]
    pub queue: Option<QueueRaw>,
    #[serde(default)]
    pub hold_while_open: bool,
    #[serde(default)]
    pub drain_rate: Option<RateLimitRaw>,
    /// The IANA time zone of the service's nodes: its `Wait` steps' zone unless a schedule
    /// names one. UTC when left out.
    #[serde(default)]
    pub zone: Option<String>,
    /// Its work comes from a topic.
    #[serde(default)]
    pub consumer: Option<ConsumerRaw>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "queue")]
pub enum QueueRaw {
    Fifo,
    Priority {
        order: Vec<String>,
        #[serde(default)]
        ageing: Option<String>,
    },
    WeightedFair {
        weights: std::collections::BTreeMap<String, i64>,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename = "distribution")]
pub enum DistRaw {
    Const(String),
    Exp { mean: String },
    Uniform { min: String, max: String },
    LogNormal { median: String, p99: String },
    Pareto { scale: String, shape: f64 },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "invariant")]
pub enum InvariantRaw {
    LatencySlo {
        percentile: f64,
        bound: String,
        #[serde(default)]
        after: Option<String>,
    },
    QueueBounded {
        service: String,
        max: i64,
    },
    NoLostRequests,
    ServiceSlo {
        service: String,
        percentile: f64,
        bound: String,
    },
    RetryAmplification {
        max: f64,
    },
    SuccessRate {
        min: f64,
    },
    Linearizable,
    /// Every read of a replicated database reflects its session's own last write.
    ReadYourWrites,
    /// No session reads an older log position than it already read.
    MonotonicReads,
    /// No read comes from a copy more than `max` behind.
    BoundedStaleness {
        max: String,
    },
    NoAcknowledgedWriteLost,
    GoodputRecovers {
        share: f64,
        within: String,
    },
    BreakerOpensWithin {
        within: String,
    },
    ClassMaxWait {
        class: String,
        bound: String,
    },
    Progress {
        stuck: String,
    },
    NoSecondOutage,
    /// Each customer gets one request from `client` per local day, at `at` local time.
    ScheduledOncePerLocalDay {
        client: String,
        at: String,
    },
    NoValidTokenRejected,
    NoExpiredTokenAccepted,
    NoLostMessages,
    NoSilentFailures {
        within: String,
    },
    ExactlyOnceEffects,
    ValidTransitions,
    FinalStateMatchesLastEvent,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "variant")]
pub struct VariantRaw {
    #[serde(default)]
    pub description: String,
    /// Path → RON value text, applied to the base scenario in the order written (a later entry
    /// may change part of what an earlier one set).
    #[serde(default, deserialize_with = "in_written_order")]
    pub set: Vec<(String, Box<RawValue>)>,
}

/// A map's entries in the order they are written (a `BTreeMap` would sort them).
fn in_written_order<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<(String, Box<RawValue>)>, D::Error> {
    struct Entries;

    impl<'de> Visitor<'de> for Entries {
        type Value = Vec<(String, Box<RawValue>)>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a map from paths to values")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
            while let Some(entry) = map.next_entry()? {
                entries.push(entry);
            }
            Ok(entries)
        }
    }

    deserializer.deserialize_map(Entries)
}
