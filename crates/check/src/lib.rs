//! Invariants: named properties of a run, watched while it happens, each reporting whether it
//! held and, if not, its first violation (when, what was observed, which request).
//!
//! Kinds of property: *always* (checked at every step, e.g. a queue bound), *at end* (checked on
//! the finished run, e.g. a latency percentile or request accounting). Properties never change
//! what the model does; they only watch.

mod invariant;
mod monitor;

pub use invariant::Invariant;
pub use monitor::{Monitor, Verdict, Violation};
