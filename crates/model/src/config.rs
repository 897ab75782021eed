//! Typed, validated configuration a [`World`](crate::World) is built from.
//!
//! Everything here is already checked (positive rates, at least one worker, targets that exist):
//! building a world from it cannot fail.

use faultline_engine::{SimDuration, SimTime};

use crate::{Dist, LoadShape, Rate};

/// How a client spaces its requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrivalProcess {
    /// Exponential gaps: a Poisson process following the load shape.
    Poisson,
    /// Exactly 1 / rate between requests.
    Fixed,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ClientConfig {
    /// Stable name; it also names the client's random stream.
    pub name: String,
    /// Index into [`WorldConfig::services`].
    pub target: usize,
    pub process: ArrivalProcess,
    pub rate: Rate,
    pub shape: LoadShape,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ServiceConfig {
    pub name: String,
    /// At least one.
    pub workers: u32,
    /// Maximum number of waiting requests; `None` is unbounded.
    pub queue_capacity: Option<u32>,
    pub service_time: Dist,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WorldConfig {
    pub clients: Vec<ClientConfig>,
    pub services: Vec<ServiceConfig>,
    /// Requests that arrive before this instant are left out of latency and utilisation figures.
    pub warmup: SimTime,
    /// The end of the run.
    pub end: SimTime,
    /// Width of the time-series windows.
    pub window: SimDuration,
    /// Requests alive at once; more is a runaway run and stops with an error.
    pub max_in_flight: u32,
}
