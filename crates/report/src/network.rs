//! What the network did in a run: messages sent, delivered, dropped by reason and duplicated,
//! and the network faults drawn as bands on the time plots. Absent from every output of a run
//! without a network, so those outputs stay as they were.

use faultline_engine::SimTime;
use faultline_model::{NetFault, NetFaultKind, NetStats, NodeFaultKind, NodeSet};
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
    /// Arrived at a crashed node.
    pub crashed: u64,
}

impl NetworkSummary {
    pub fn new(stats: &NetStats) -> Self {
        NetworkSummary {
            sent: stats.sent,
            delivered: stats.delivered,
            duplicated: stats.duplicated,
            lost: stats.lost,
            partitioned: stats.partitioned,
            crashed: stats.crashed,
        }
    }

    /// The `network` line of the text summary.
    pub fn line(&self) -> String {
        format!(
            "network     sent {}  delivered {}  dropped {} (lost {}, partitioned {}, at a crashed node {})  duplicated {}",
            thousands(self.sent),
            thousands(self.delivered),
            thousands(self.lost + self.partitioned + self.crashed),
            thousands(self.lost),
            thousands(self.partitioned),
            thousands(self.crashed),
            thousands(self.duplicated)
        )
    }
}

/// One band per network fault, crash and pause, clipped to the run.
pub(crate) fn network_bands(scenario: &Scenario) -> Vec<Band> {
    let world = &scenario.world;
    let names = world.node_names();
    let end = scenario.duration.as_secs_f64();
    let band = |label, start: SimTime, until: SimTime| Band {
        kind: BandKind::Fault,
        label,
        start_s: start.as_secs_f64(),
        end_s: until.as_secs_f64().min(end),
    };
    let network = world.network.iter().flat_map(|n| &n.faults);
    let mut bands: Vec<Band> = network.map(|f| band(label(f, &names), f.start, f.end)).collect();
    bands.extend(world.node_faults.iter().map(|f| {
        let service = &world.services[f.service].name;
        let what = match f.kind {
            NodeFaultKind::Crash { .. } => "crashed",
            NodeFaultKind::Pause { .. } => "paused",
        };
        band(format!("{service} {what}"), f.at, f.end())
    }));
    bands
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
