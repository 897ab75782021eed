//! The simulated system: open-loop clients, services whose handlers do local work and call
//! other services, the calls between them (timeouts, retries, breakers), scheduled faults, and
//! the metrics they leave behind.
//!
//! Models do no I/O and know nothing of scenario files: they are built from typed, already
//! validated configuration and draw randomness only from their own engine streams.

mod balance;
pub mod broker;
mod calendar;
mod call;
mod client;
mod clock;
mod config;
mod data;
mod dist;
mod effects;
mod faults;
mod job;
mod latencies;
mod load;
mod metrics;
mod net;
mod node;
mod observer;
mod payload;
mod plan;
pub mod policy;
mod queue;
mod register;
mod service;
mod stats;
mod table;
mod token;
mod world;

pub use balance::{Balance, Ejection};
pub use calendar::{Cron, CronError, LocalDay, Schedule, Zone, instant_at, tzdb_version};
pub use call::{Outcome, Rejection};
pub use clock::{ClockConfig, ClockStep, ClockSync, ClockTrace};
pub use config::{
    ArrivalProcess, CallConfig, ClientConfig, Endpoint, Fault, FaultKind, ForEach,
    MAX_CALLS_PER_STEP, MAX_CLASSES, MAX_STEPS, RateLimit, Replicated, RetryConfig, RetryOn,
    ServiceConfig, ServiceGroup, Step, TokenHolding, WorldConfig,
};
pub use data::{DataOp, DatabaseMetrics, DatabaseStep, LagSample, ReadStrategy, SessionBy};
pub use dist::Dist;
pub use effects::{
    Applied, ApplyStep, DedupTable, EffectStep, Entities, MAX_STATES, OncePer, Transitions,
    effect_names, entity_tables,
};
pub use latencies::{Latencies, LatencySummary};
pub use load::{LoadShape, Rate};
pub use metrics::{
    BreakerChange, ClassMetrics, MAX_BREAKER_CHANGES, Metrics, ServiceMetrics, StarvedPool, Window,
    WindowService,
};
pub use net::{
    LinkConfig, LinkLatency, LinkRule, NetFault, NetFaultKind, NetStats, NetworkConfig,
    NetworkMetrics, NodeSet, Ordering,
};
pub use node::{NodeFault, NodeFaultKind};
pub use observer::{NoObserver, Observation, ObservationKind, ObservationKinds, Observer};
pub use payload::{MAX_CYCLE, MAX_FIELDS, Payload, Values};
pub use queue::Discipline;
pub use register::{
    LeaderChange, MAX_REPLICAS, OpKind, OpStatus, RegisterHistory, RegisterMode, RegisterOp,
    RegisterStep,
};
pub use stats::TimeAverage;
pub use token::{Token, TokenCheck, TokenCounts, TokenPolicy};
pub use world::{Event, World};

/// A UTC instant: [`WorldConfig::start`].
pub use jiff::Timestamp;
