//! What the network did in a run: messages sent, delivered, dropped by reason and duplicated,
//! the latency of each link, and the network faults drawn as bands on the time plots. Absent
//! from every output of a run without a network, so those outputs stay as they were.

use faultline_engine::{SimTime, human_secs};
use faultline_model::{
    LinkLatency, NetFault, NetFaultKind, NetworkMetrics, NodeFaultKind, NodeSet,
};
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
    /// The delays each link gave the messages it delivered, in link order (sender, then
    /// receiver, in node order).
    pub links: Vec<LinkSummary>,
}

/// The latency of one direction of a link.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LinkSummary {
    pub from: String,
    pub to: String,
    /// Messages delivered, duplicates included.
    pub messages: u64,
    pub mean_s: f64,
    pub max_s: f64,
}

impl LinkSummary {
    /// The page's cells: messages, mean, max.
    pub(crate) fn cells(&self) -> [String; 3] {
        [thousands(self.messages), human_secs(self.mean_s), human_secs(self.max_s)]
    }

    fn new(link: &LinkLatency) -> Self {
        LinkSummary {
            from: link.from.clone(),
            to: link.to.clone(),
            messages: link.messages,
            mean_s: link.mean_s,
            max_s: link.max_s,
        }
    }
}

/// Links shown in the text summary: those with the highest mean latency.
const SHOWN_LINKS: usize = 5;

impl NetworkSummary {
    pub fn new(network: &NetworkMetrics) -> Self {
        let stats = &network.messages;
        let links = network.links.iter().map(LinkSummary::new).collect();
        NetworkSummary {
            sent: stats.sent,
            delivered: stats.delivered,
            duplicated: stats.duplicated,
            lost: stats.lost,
            partitioned: stats.partitioned,
            crashed: stats.crashed,
            links,
        }
    }

    /// The links with the highest mean latency (ties in link order), at most [`SHOWN_LINKS`].
    /// Links that delayed nothing (a network only faults bring) are not worth a line.
    pub(crate) fn slowest_links(&self) -> Vec<&LinkSummary> {
        let mut slowest: Vec<&LinkSummary> = self.links.iter().filter(|l| l.max_s > 0.0).collect();
        slowest.sort_by(|a, b| b.mean_s.total_cmp(&a.mean_s));
        slowest.truncate(SHOWN_LINKS);
        slowest
    }

    /// The page's cells: sent, delivered, lost, partitioned, at a crashed node, duplicated.
    pub(crate) fn cells(&self) -> [String; 6] {
        [self.sent, self.delivered, self.lost, self.partitioned, self.crashed, self.duplicated]
            .map(thousands)
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

    /// The text summary's lines under the `network` line: the links with the highest mean
    /// latency (ties in link order), at most [`SHOWN_LINKS`], in aligned columns.
    pub fn link_lines(&self) -> Vec<String> {
        let slowest = self.slowest_links();
        let names: Vec<String> = slowest.iter().map(|l| format!("{} → {}", l.from, l.to)).collect();
        let counts: Vec<String> = slowest.iter().map(|l| thousands(l.messages)).collect();
        let name_width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
        let count_width = counts.iter().map(String::len).max().unwrap_or(0);
        slowest
            .iter()
            .zip(names.iter().zip(&counts))
            .map(|(link, (name, count))| {
                format!(
                    "  {name:<name_width$}  {count:>count_width$} messages  mean {}  max {}",
                    human_secs(link.mean_s),
                    human_secs(link.max_s)
                )
            })
            .collect()
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

pub(crate) fn label(fault: &NetFault, names: &[String]) -> String {
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

#[cfg(test)]
mod tests {
    use faultline_model::NetStats;

    use super::*;

    fn link(from: &str, to: &str, messages: u64, mean_s: f64, max_s: f64) -> LinkLatency {
        LinkLatency { from: from.into(), to: to.into(), messages, mean_s, max_s }
    }

    fn summary(links: Vec<LinkLatency>) -> NetworkSummary {
        NetworkSummary::new(&NetworkMetrics { messages: NetStats::default(), links })
    }

    #[test]
    fn the_text_shows_the_five_slowest_links_aligned_slowest_first() {
        let links = vec![
            link("api", "db", 12_345, 0.00102, 0.0098),
            link("api", "web", 10, 0.0005, 0.001),
            link("db", "api", 12_345, 0.003, 0.02),
            link("web", "api", 9, 0.0001, 0.0002),
            link("web", "cache", 7, 0.002, 0.002),
            link("x", "y", 1, 0.0005, 0.0005),
            link("y", "x", 1, 0.00001, 0.00001),
        ];
        assert_eq!(
            summary(links).link_lines(),
            [
                "  db → api     12,345 messages  mean 3ms  max 20ms",
                "  web → cache       7 messages  mean 2ms  max 2ms",
                "  api → db     12,345 messages  mean 1.02ms  max 9.8ms",
                "  api → web        10 messages  mean 500µs  max 1ms",
                "  x → y             1 messages  mean 500µs  max 500µs",
            ]
        );
    }

    /// Every link that delivered something is listed, in the JSON; the text shows the slowest.
    #[test]
    fn every_link_is_listed_in_link_order() {
        let slow = summary(vec![link("a", "b", 5, 0.0, 0.0), link("b", "a", 5, 0.001, 0.002)]);
        let json = serde_json::to_value(&slow).expect("serialises");
        let links = json["links"].as_array().expect("a list");
        assert_eq!(links.len(), 2, "{json}");
        assert_eq!(links[1]["from"], "b");
        assert_eq!(links[1]["mean_s"], 0.001);
    }
}
