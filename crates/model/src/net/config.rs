//! Typed, validated network configuration: the default link, per-link rules and the
//! scheduled network faults. Nodes are numbered by the world (`WorldConfig::nodes`).

use faultline_engine::SimTime;

use crate::Dist;

/// Whether a link keeps the order messages were sent in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ordering {
    /// TCP-like: a message never overtakes an earlier one on the same link (it waits behind it).
    Fifo,
    /// Each message takes its own latency draw, so a fast one can overtake a slow one.
    Datagram,
}

/// How one direction of a link between two nodes behaves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkConfig {
    /// One-way delay of a message.
    pub latency: Dist,
    /// Probability that a message is lost.
    pub loss: f64,
    /// Probability that a message is delivered twice (the copy with its own delay).
    pub duplicate: f64,
    pub ordering: Ordering,
}

impl LinkConfig {
    /// A link that delivers everything at once, in order: the network of a world without one.
    pub const PERFECT: LinkConfig = LinkConfig {
        latency: Dist::Const { secs: 0.0 },
        loss: 0.0,
        duplicate: 0.0,
        ordering: Ordering::Fifo,
    };
}

/// A set of nodes, by index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeSet {
    Any,
    /// Sorted, without repeats.
    Nodes(Vec<u32>),
}

impl NodeSet {
    pub fn contains(&self, node: u32) -> bool {
        match self {
            NodeSet::Any => true,
            NodeSet::Nodes(nodes) => nodes.binary_search(&node).is_ok(),
        }
    }
}

/// Messages from a node in `from` to a node in `to` cross a link configured as `link`. The last
/// matching rule wins; with none, the default link.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkRule {
    pub from: NodeSet,
    pub to: NodeSet,
    pub link: LinkConfig,
}

/// What a network fault does while it lasts.
#[derive(Clone, Debug, PartialEq)]
pub enum NetFaultKind {
    /// Messages between nodes of different groups are dropped; nodes in no group are untouched.
    /// Groups are sorted and disjoint.
    Partition { groups: Vec<Vec<u32>> },
    /// Messages from `from` to `to` are dropped; the other direction still flows.
    OneWay { from: NodeSet, to: NodeSet },
    /// Messages on matching links take `latency_factor` times longer and are lost with
    /// `extra_loss` more probability.
    Degrade { from: NodeSet, to: NodeSet, latency_factor: f64, extra_loss: f64 },
}

/// A network fault on a schedule: `kind` applies to messages sent during [`start`, `end`).
#[derive(Clone, Debug, PartialEq)]
pub struct NetFault {
    pub kind: NetFaultKind,
    pub start: SimTime,
    pub end: SimTime,
}

/// The network of a world.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkConfig {
    pub default: LinkConfig,
    pub rules: Vec<LinkRule>,
    pub faults: Vec<NetFault>,
}
