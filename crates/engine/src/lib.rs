//! Faultline's deterministic core: simulated time, a totally ordered event queue, seeded random
//! streams per component, a running trace hash and the step loop with hard limits.
//!
//! This crate must never read the wall clock, use a global random generator, iterate a hash map,
//! or do any I/O. Everything it does is a pure function of the model, the seed and the limits.

mod queue;
mod replay;
mod rng;
mod run;
mod step;
mod time;
mod trace;

pub use queue::EventQueue;
pub use replay::{Comparison, SeenEvent, Side, compare};
pub use rng::{RngStreams, SimRng, stream_id};
pub use run::{Activity, LimitExceeded, Limits, Model, RunStats, Scheduler, TraceKey, run};
pub use step::{Step, Stepper};
pub use time::{SimDuration, SimTime, human_secs};
pub use trace::{TraceHash, mix};
