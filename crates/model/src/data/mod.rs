//! Replicated data: a database whose primary appends every write to a log that ships to read
//! replicas, each applying entries in order after a delay, so a replica's reads lag behind the
//! primary's. Holds the log, what each replica received and applied, the values each copy
//! reflects, and each replica's lag; and the read strategies callers choose a copy with.
//!
//! Pure: the world (`world/data.rs`) carries shipments and acknowledgements over the network,
//! draws apply delays, runs timers and answers callers. It must never read a clock, touch a
//! job, draw randomness or decide a message's fate.

mod log;
mod metrics;
#[cfg(test)]
mod tests;

pub(crate) use log::Database;
pub use metrics::{DatabaseMetrics, LagSample};

use faultline_engine::SimDuration;

/// A read or a write, as a call to a database asks for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataOp {
    Read,
    Write,
}

/// Which copy serves a read. Writes always go to the primary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadStrategy {
    /// A replica picked at random for each read.
    Any,
    /// The same replica for every read of a session (picked by a hash of the session).
    Sticky,
    /// The primary for this long after the session's own last write; otherwise any replica.
    PrimaryAfterWrite(SimDuration),
    /// Any replica, which serves the read once it has applied the session's last written
    /// position; the read fails after waiting this long.
    WaitForPosition(SimDuration),
}

impl ReadStrategy {
    /// Whether the strategy picks replicas at random (and so needs a stream).
    pub fn draws(self) -> bool {
        !matches!(self, ReadStrategy::Sticky)
    }
}

/// What a session is: the request's key, or one of its named fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionBy {
    Key,
    /// Index into [`WorldConfig::fields`](crate::WorldConfig::fields).
    Field(usize),
}

impl SessionBy {
    /// The session a request's payload belongs to.
    pub fn of(self, payload: &crate::Payload) -> u64 {
        match self {
            SessionBy::Key => payload.key,
            SessionBy::Field(f) => payload.fields[f],
        }
    }
}

/// A handler step that reads or writes the database its service's instances hold: instance 0
/// the primary, the others read replicas.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DatabaseStep {
    /// How long a replica takes to apply an entry once it has received it (in order: entry
    /// k + 1 is never applied before entry k).
    pub apply: crate::Dist,
    /// The share of requests that read when their call does not say (decided per request from
    /// its id, the same on every attempt).
    pub reads: f64,
    /// How callers pick the copy a read goes to; `None`: the primary serves every read.
    pub read: Option<ReadStrategy>,
    /// What a session is, for read strategies and session guarantees.
    pub session: SessionBy,
    /// How often the primary resends what a replica has not acknowledged, when the replica's
    /// acknowledged position did not move since the last time it looked.
    pub resend: SimDuration,
}
