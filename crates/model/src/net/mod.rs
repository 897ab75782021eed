//! The network between nodes: every message from one node to another crosses a link that
//! delays it, may lose or duplicate it, keeps or breaks its order, and is cut by partitions.
//!
//! This module decides a message's fate when it is sent; the world carries the message and
//! acts on its arrival. It must never look at calls, jobs or services, and it draws randomness
//! only from its own per-link streams, so one link's traffic never changes another's luck.

mod config;
mod link;
mod partition;
#[cfg(test)]
mod tests;

pub use config::{LinkConfig, LinkRule, NetFault, NetFaultKind, NetworkConfig, NodeSet, Ordering};
#[cfg(test)]
use link::DropReason;
pub(crate) use link::{Fate, Network};
pub use link::{LinkLatency, NetStats, NetworkMetrics};
