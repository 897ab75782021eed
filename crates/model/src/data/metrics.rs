//! What a database's run leaves behind: reads, stale reads and how stale, writes, shipments,
//! and each replica's lag sampled once per window.

use faultline_engine::{SimDuration, SimTime};

use crate::Latencies;

/// Each replica's lag at one instant (in replica order).
#[derive(Clone, Debug, PartialEq)]
pub struct LagSample {
    pub at: SimTime,
    pub lag: Vec<SimDuration>,
}

/// One database's figures.
#[derive(Clone, Debug)]
pub struct DatabaseMetrics {
    pub name: String,
    /// Its replicas' node names (`db/1`, …), in order.
    pub replicas: Vec<String>,
    pub writes: u64,
    /// Reads served, by any copy.
    pub reads: u64,
    /// Reads the primary served.
    pub primary_reads: u64,
    /// Reads that returned a value older than the primary's for their key.
    pub stale_reads: u64,
    /// Reads that waited for a position and gave up.
    pub waits_given_up: u64,
    /// The serving copy's lag at every read served (zero at the primary or a caught-up
    /// replica).
    pub staleness: Latencies,
    /// Shipments sent, and how many of them were resends.
    pub shipments: u64,
    pub resends: u64,
    /// Each replica's lag at the end of every window.
    pub lag: Vec<LagSample>,
}

impl DatabaseMetrics {
    pub(crate) fn new(name: String, replicas: Vec<String>, longest: SimDuration) -> Self {
        DatabaseMetrics {
            name,
            replicas,
            writes: 0,
            reads: 0,
            primary_reads: 0,
            stale_reads: 0,
            waits_given_up: 0,
            staleness: Latencies::new(longest),
            shipments: 0,
            resends: 0,
            lag: Vec::new(),
        }
    }

    /// The share of reads that were stale (0 without reads).
    pub fn stale_rate(&self) -> f64 {
        if self.reads == 0 { 0.0 } else { self.stale_reads as f64 / self.reads as f64 }
    }
}
