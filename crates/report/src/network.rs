//! What the network did in a run: messages sent, delivered, dropped by reason and duplicated,
//! and the network faults drawn as bands on the time plots. Absent from every output of a run
//! without a network, so those outputs stay as they were.

use faultline_model::{NetFault, NetFaultKind, NetStats, NodeSet};
use faultline_scenario::Scenario;
use serde::Serialize;

use crate::text::thousands;
use crate::{Band, BandKind};

/// Messages the network carried.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NetworkSummary {
    pub sent: u64,
    /// Arrivals, duplicates included.
    pub delivered: u64,
    pub duplicated: u64,
    /// Dropped, by reason.
    pub lost: u64,
    pub partitioned: u64,
}

impl NetworkSummary {
    pub fn new(stats: &NetStats) -> Self {
        NetworkSummary {
            sent: stats.sent,
            delivered: stats.delivered,
            duplicated: stats.duplicated,
            lost: stats.lost,
            partitioned: stats.partitioned,
        }
    }

    /// The `network` line of the text summary.
    pub fn line(&self) -> String {
        format!(
            "network     sent {}  delivered {}  dropped {} (lost {}, partitioned {})  duplicated {}",
            thousands(self.sent),
            thousands(self.delivered),
            thousands(self.lost + self.partitioned),
            thousands(self.lost),
            thousands(self.partitioned),
            thousands(self.duplicated)
        )
    }
}

/// One band per network fault, clipped to the run.
pub(crate) fn network_bands(scenario: &Scenario) -> Vec<Band> {
    let Some(network) = &scenario.world.network else { return Vec::new() };
    let names = scenario.world.node_names();
    let end = scenario.duration.as_secs_f64();
    network
        .faults
        .iter()
        .map(|f| Band {
            kind: BandKind::Fault,
            label: label(f, &names),
            start_s: f.start.as_secs_f64(),
            end_s: f.end.as_secs_f64().min(end),
        })
        .collect()
}

fn label(fault: &NetFault, names: &[String]) -> String {
    match &fault.kind {
        NetFaultKind::Partition { groups } => {
            let groups: Vec<String> = groups.iter().map(|g| nodes(g, names)).collect();
            format!("partition {}", groups.join(" | "))
        }
        NetFaultKind::OneWay { from, to } => {
            format!("{} ↛ {}", set(from, names), set(to, names))
        }
        NetFaultKind::Degrade { from, to, latency_factor, extra_loss } => format!(
            "{} → {} {latency_factor}× slower, +{:.0} % loss",
            set(from, names),
            set(to, names),
            extra_loss * 100.0
        ),
    }
}

fn set(set: &NodeSet, names: &[String]) -> String {
    match set {
        NodeSet::Any => "any".into(),
        NodeSet::Nodes(nodes) => self::nodes(nodes, names),
    }
}

/// Up to three node names, then how many more.
fn nodes(nodes: &[u32], names: &[String]) -> String {
    let shown: Vec<&str> = nodes.iter().take(3).map(|&n| names[n as usize].as_str()).collect();
    match nodes.len() {
        0..=3 => shown.join(", "),
        more => format!("{}, +{}", shown.join(", "), more - 3),
    }
}
