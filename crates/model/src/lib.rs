//! The simulated system: open-loop clients, services with worker pools and FIFO queues, the
//! requests flowing between them, and the metrics they leave behind.
//!
//! Models do no I/O and know nothing of scenario files: they are built from typed, already
//! validated configuration and draw randomness only from their own engine streams.

mod client;
mod config;
mod dist;
mod load;
mod metrics;
mod observer;
pub mod policy;
mod request;
mod service;
mod stats;
mod world;

pub use config::{ArrivalProcess, ClientConfig, ServiceConfig, WorldConfig};
pub use dist::Dist;
pub use load::{LoadShape, Rate};
pub use metrics::{LatencySummary, Metrics, ServiceMetrics, Window, WindowService};
pub use observer::{NoObserver, Observer};
pub use stats::TimeAverage;
pub use world::{Event, World};
