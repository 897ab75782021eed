//! A key-value register replicated over the instances of a service: who leads, how a leader
//! is chosen when it goes quiet, and what a replica's store holds. Three modes, from naive to
//! safe: `Failover` (a follower promotes itself after missing heartbeats; no fencing),
//! `Lease` (the leader serves only while a lease timer runs, which a pause stretches), and
//! `Quorum` (majority votes and majority acknowledgements, every message carrying its term,
//! which each store checks: a fencing token).
//!
//! Pure decisions: the protocol here says what each replica sends and what became of each
//! operation, and the world (`world/register.rs`) carries messages over the network, runs
//! timers on each replica's node and answers callers. It must never read a clock, touch a
//! job, or decide a message's fate.

mod history;
mod protocol;
#[cfg(test)]
mod tests;

pub(crate) use history::Recorder;
pub use history::{LeaderChange, OpKind, OpStatus, RegisterHistory, RegisterOp};
pub(crate) use protocol::{Happened, Out, Pending, RegMsg, Register};

use faultline_engine::SimDuration;

/// How a register's replicas agree on a leader and acknowledge writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegisterMode {
    /// Naive failover: the leader acknowledges a write once it holds it and ships it to the
    /// followers without waiting; a follower that hears no heartbeat for `timeout` promotes
    /// itself, and nothing stops the old leader from serving on its side of a partition.
    Failover { heartbeat: SimDuration, timeout: SimDuration },
    /// As `Failover`, but the leader serves only while its lease runs: `lease` from each
    /// heartbeat round a majority acknowledged, read on its own wall clock when it decides to
    /// serve (a clock stepped back or running slow stretches it; a pause between deciding and
    /// serving goes unnoticed). Followers wait `timeout` (longer than the lease) before
    /// promoting.
    Lease { heartbeat: SimDuration, lease: SimDuration, timeout: SimDuration },
    /// Majority quorum with terms: a candidate needs a majority of votes, a write or a read
    /// needs a majority of acknowledgements in the leader's term, and every replica refuses a
    /// message from an older term. A minority side cannot acknowledge anything.
    Quorum { heartbeat: SimDuration, timeout: SimDuration },
}

impl RegisterMode {
    pub fn heartbeat(self) -> SimDuration {
        match self {
            RegisterMode::Failover { heartbeat, .. }
            | RegisterMode::Lease { heartbeat, .. }
            | RegisterMode::Quorum { heartbeat, .. } => heartbeat,
        }
    }

    /// How long a follower waits without hearing from a leader before acting.
    pub fn timeout(self) -> SimDuration {
        match self {
            RegisterMode::Failover { timeout, .. }
            | RegisterMode::Lease { timeout, .. }
            | RegisterMode::Quorum { timeout, .. } => timeout,
        }
    }

    pub fn lease(self) -> Option<SimDuration> {
        match self {
            RegisterMode::Lease { lease, .. } => Some(lease),
            _ => None,
        }
    }

    pub fn is_quorum(self) -> bool {
        matches!(self, RegisterMode::Quorum { .. })
    }

    /// The mode's name in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            RegisterMode::Failover { .. } => "Failover",
            RegisterMode::Lease { .. } => "Lease",
            RegisterMode::Quorum { .. } => "Quorum",
        }
    }
}

/// A handler step that reads or writes the register its service's instances replicate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RegisterStep {
    pub mode: RegisterMode,
    /// The share of requests that read; the rest write. Decided once per request (the same on
    /// every attempt and replica), from the request's id.
    pub reads: f64,
    /// Local work between deciding to serve and serving (writing to disk, say): the gap in
    /// which a pause can catch a leader that has already checked it may serve.
    pub apply: crate::Dist,
}

/// Replicas at most: acknowledgements are kept as bit sets.
pub const MAX_REPLICAS: usize = 32;
