//! Invariants: named properties of a run, watched while it happens, each reporting whether it
//! held and, if not, its first violation (when, what was observed, which request).
//!
//! A scenario asks for [`Invariant`]s, a typed specification; each becomes one [`Property`]
//! (one file under `property/`) that the [`Monitor`] shows the observations it wants and judges
//! at the end. Kinds of property: *always* (checked at every step, e.g. a queue bound), *at end*
//! (checked on the finished run, e.g. a latency percentile or request accounting). Properties
//! never change what the model does; they only watch.

pub mod history;
mod invariant;
mod monitor;
pub mod property;

pub use invariant::{CustomerDays, Invariant, LocalDayTarget};
pub use monitor::{Monitor, Verdict};
pub use property::{
    AnyProperty, EffectNames, EntityNames, EntityTable, Property, RunEnd, RunSetup, Violation,
};
