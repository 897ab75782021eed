//! Faults (`Slowdown`, `Fail`, `Down` of a service; `Partition`, `OneWay`, `Isolate`,
//! `Degrade` of the network) over a stretch of the run, a fix deployed to a service (`Deploy`:
//! the service's faults running then end), and the triggers (faults and load
//! spikes) that invariants measure reactions from; never accepts a fault on an unknown service
//! or node, or one that lasts no time.

use faultline_engine::{SimDuration, SimTime};
use faultline_model::{
    ClientConfig, Fault, FaultKind, LoadShape, NetFault, NetFaultKind, NodeFault, NodeFaultKind,
    NodeSet,
};

use crate::raw::{FaultRaw, ScenarioFile};

use super::Checker;
use super::names::find_service;
use super::network::{check_groups, isolate, node_set, probability};
use super::nodes::NodeNames;

/// The faults in scenario order: those on services, and those on the network.
pub(super) struct CheckedFaults {
    pub(super) services: Vec<Fault>,
    pub(super) network: Vec<NetFault>,
    pub(super) nodes: Vec<NodeFault>,
    /// Fixes deployed: (service, instant), in scenario order.
    pub(super) deploys: Vec<(usize, SimTime)>,
}

/// A checked fault of any kind (crashing or pausing several instances is one entry each).
enum Checked {
    Service(Fault),
    Network(NetFault),
    Nodes(Vec<NodeFault>),
    Deploy(usize, SimTime),
}

pub(super) fn check_faults(
    c: &mut Checker,
    raw: &ScenarioFile,
    names: &[&str],
    nodes: &NodeNames,
) -> Option<CheckedFaults> {
    let checked: Vec<Option<Checked>> = raw
        .faults
        .iter()
        .enumerate()
        .map(|(i, f)| check_fault(c, &i.to_string(), f, names, nodes))
        .collect();
    let mut faults = CheckedFaults {
        services: Vec::new(),
        network: Vec::new(),
        nodes: Vec::new(),
        deploys: Vec::new(),
    };
    for fault in checked {
        match fault? {
            Checked::Service(f) => faults.services.push(f),
            Checked::Network(f) => faults.network.push(f),
            Checked::Nodes(f) => faults.nodes.extend(f),
            Checked::Deploy(service, at) => faults.deploys.push((service, at)),
        }
    }
    // A fix ends what is wrong with its service at that instant; a fault starting later is a
    // new bad release.
    for &(service, at) in &faults.deploys {
        for f in faults.services.iter_mut().filter(|f| f.service == service) {
            if f.start < at && at < f.end {
                f.end = at;
            }
        }
    }
    Some(faults)
}

fn check_fault(
    c: &mut Checker,
    index: &str,
    raw: &FaultRaw,
    names: &[&str],
    nodes: &NodeNames,
) -> Option<Checked> {
    let at = |f: &'static str| ["faults", index, f];
    let (service, at_text, length, kind) = match raw {
        FaultRaw::Slowdown { service, factor, at, length } => {
            if !(factor.is_finite() && *factor > 0.0) {
                c.report(
                    &["faults", index, "factor"],
                    format!("slowdown factor is {factor}; it must be above zero"),
                    None,
                );
            }
            (service, at, length, FaultKind::Slowdown { factor: *factor })
        }
        FaultRaw::Fail { service, share, at, length } => {
            if !(0.0..=1.0).contains(share) {
                c.report(
                    &["faults", index, "share"],
                    format!("share is {share}; it must be between 0.0 and 1.0"),
                    None,
                );
            }
            (service, at, length, FaultKind::Fail { share: *share })
        }
        FaultRaw::Down { service, at, length } => (service, at, length, FaultKind::Down),
        FaultRaw::Deploy { service, at: when } => {
            let service = find_service(c, &at("service"), service, names);
            let when = c.duration(&at("at"), when);
            return Some(Checked::Deploy(service?, SimTime::ZERO + when?));
        }
        FaultRaw::Crash { node, at, restart_after } => {
            let kind = |d| NodeFaultKind::Crash { restart_after: d };
            let fields = (node.as_str(), at.as_str(), restart_after.as_str(), "restart_after");
            return check_node_fault(c, index, fields, kind, nodes);
        }
        FaultRaw::Pause { node, at, length } => {
            let kind = |d| NodeFaultKind::Pause { length: d };
            let fields = (node.as_str(), at.as_str(), length.as_str(), "length");
            return check_node_fault(c, index, fields, kind, nodes);
        }
        network => return check_network_fault(c, index, network, nodes).map(Checked::Network),
    };
    let index_of = find_service(c, &at("service"), service, names);
    let (start, end) = stretch(c, index, at_text, length)?;
    Some(Checked::Service(Fault { service: index_of?, kind, start, end }))
}

/// `[at, at + length)`: the stretch of the run a fault lasts.
fn stretch(c: &mut Checker, index: &str, at: &str, length: &str) -> Option<(SimTime, SimTime)> {
    let start = c.duration(&["faults", index, "at"], at);
    let length = c.positive_duration(&["faults", index, "length"], length);
    let start = SimTime::ZERO + start?;
    Some((start, start + length?))
}

/// A crash or a pause of a node (every instance, when it names a service with several).
fn check_node_fault(
    c: &mut Checker,
    index: &str,
    (node, at, length, length_field): (&str, &str, &str, &'static str),
    kind: impl Fn(SimDuration) -> NodeFaultKind,
    nodes: &NodeNames,
) -> Option<Checked> {
    let services = nodes.services(c, &["faults", index, "node"], node);
    let start = c.duration(&["faults", index, "at"], at);
    let length = c.positive_duration(&["faults", index, length_field], length);
    let (services, at, kind) = (services?, SimTime::ZERO + start?, kind(length?));
    let faults = services.into_iter().map(|service| NodeFault { service, kind, at });
    Some(Checked::Nodes(faults.collect()))
}

/// A fault on the network: which messages it drops or degrades, and when.
fn check_network_fault(
    c: &mut Checker,
    index: &str,
    raw: &FaultRaw,
    nodes: &NodeNames,
) -> Option<NetFault> {
    let at = |f: &'static str| ["faults", index, f];
    let (kind, at_text, length) = match raw {
        FaultRaw::Partition { groups, at: t, length } => {
            (check_groups(c, &at("groups"), groups, nodes), t, length)
        }
        FaultRaw::OneWay { from, to, at: t, length } => {
            let from = nodes.set(c, &at("from"), from).map(NodeSet::Nodes);
            let to = nodes.set(c, &at("to"), to).map(NodeSet::Nodes);
            let kind = from.zip(to).map(|(from, to)| NetFaultKind::OneWay { from, to });
            (kind, t, length)
        }
        FaultRaw::Isolate { node, at: t, length } => {
            (isolate(c, &at("node"), node, nodes), t, length)
        }
        FaultRaw::Degrade { from, to, latency_factor, extra_loss, at: t, length } => {
            let from = node_set(c, &at("from"), from.as_deref(), nodes);
            let to = node_set(c, &at("to"), to.as_deref(), nodes);
            let factor = latency_factor.unwrap_or(1.0);
            if !(factor.is_finite() && factor > 0.0) {
                let message = format!("latency_factor is {factor}; it must be above zero");
                c.report(&at("latency_factor"), message, None);
            }
            let extra_loss = probability(c, &at("extra_loss"), extra_loss.unwrap_or(0.0));
            let kind = (from.zip(to).zip(extra_loss))
                .filter(|_| factor.is_finite() && factor > 0.0)
                .map(|((from, to), extra_loss)| NetFaultKind::Degrade {
                    from,
                    to,
                    latency_factor: factor,
                    extra_loss,
                });
            (kind, t, length)
        }
        FaultRaw::Slowdown { .. }
        | FaultRaw::Fail { .. }
        | FaultRaw::Down { .. }
        | FaultRaw::Crash { .. }
        | FaultRaw::Pause { .. }
        | FaultRaw::Deploy { .. } => {
            unreachable!("service and node faults are checked by check_fault")
        }
    };
    let (start, end) = stretch(c, index, at_text, length)?;
    Some(NetFault { kind: kind?, start, end })
}

/// When trouble starts and ends, for invariants about reacting and recovering.
#[derive(Clone, Copy, Debug)]
pub(super) struct Triggers {
    /// The start of the first fault: what `BreakerOpensWithin` measures from.
    pub(super) first_fault: Option<SimTime>,
    /// The end of the last fault or load spike: what `GoodputRecovers` measures from.
    pub(super) last_end: Option<SimTime>,
    /// The end of the last fault.
    pub(super) last_fault_end: Option<SimTime>,
}

impl Triggers {
    pub(super) fn of(clients: Option<&[ClientConfig]>, faults: Option<&CheckedFaults>) -> Self {
        let spikes = clients.unwrap_or(&[]).iter().filter_map(|c| match c.shape {
            LoadShape::Spike { until, .. } => Some(until),
            _ => None,
        });
        let none = (&[][..], &[][..], &[][..]);
        let (services, network, nodes) =
            faults.map_or(none, |f| (&f.services, &f.network, &f.nodes));
        let windows = || {
            let services = services.iter().map(|f| (f.start, f.end));
            let network = network.iter().map(|f| (f.start, f.end));
            services.chain(network).chain(nodes.iter().map(|f| (f.at, f.end())))
        };
        Triggers {
            first_fault: windows().map(|(start, _)| start).min(),
            last_end: spikes.chain(windows().map(|(_, end)| end)).max(),
            last_fault_end: windows().map(|(_, end)| end).max(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{API, WEB, instant_s, refused, scenario, valid};
    use super::*;

    /// The `api`/`web` scenario with `faults: [FAULTS]`.
    fn with_faults(faults: &str) -> String {
        scenario(API, WEB, &format!("faults: [{faults}]"))
    }

    /// A fault on service 0 (`api`) from `start` to `end` seconds.
    fn fault(kind: FaultKind, start: u64, end: u64) -> Fault {
        Fault { service: 0, kind, start: instant_s(start), end: instant_s(end) }
    }

    #[test]
    fn each_fault_becomes_its_service_kind_and_stretch_of_the_run() {
        let faults = r#"Down(service: "api", at: "10s", length: "5s"),
            Slowdown(service: "api", factor: 3.0, at: "1s", length: "1s"),
            Fail(service: "api", share: 0.5, at: "0s", length: "1m")"#;
        assert_eq!(
            valid(&with_faults(faults)).world.faults,
            [
                fault(FaultKind::Down, 10, 15),
                fault(FaultKind::Slowdown { factor: 3.0 }, 1, 2),
                fault(FaultKind::Fail { share: 0.5 }, 0, 60),
            ]
        );
    }

    /// A fix ends the faults running on its service then, and no other.
    #[test]
    fn a_deploy_ends_its_service_s_faults_running_then() {
        let faults = r#"Fail(service: "api", share: 1.0, at: "10s", length: "40s"),
            Down(service: "api", at: "40s", length: "5s"),
            Deploy(service: "api", at: "30s"),
            Slowdown(service: "api", factor: 2.0, at: "0s", length: "5s")"#;
        assert_eq!(
            valid(&with_faults(faults)).world.faults,
            [
                fault(FaultKind::Fail { share: 1.0 }, 10, 30),
                fault(FaultKind::Down, 40, 45),
                fault(FaultKind::Slowdown { factor: 2.0 }, 0, 5),
            ]
        );
    }

    #[test]
    fn a_fault_s_strength_service_and_stretch_are_checked_in_that_order() {
        assert_eq!(
            refused(&with_faults(
                r#"Slowdown(service: "api", factor: 0.0, at: "1s", length: "1s")"#
            )),
            ["faults.0.factor: slowdown factor is 0; it must be above zero"]
        );
        let faults = r#"Down(service: "api", at: "1s", length: "1s"),
            Fail(service: "apx", share: 1.5, at: "1s", length: "0s")"#;
        assert_eq!(
            refused(&with_faults(faults)),
            [
                "faults.1.share: share is 1.5; it must be between 0.0 and 1.0",
                "faults.1.service: unknown service `apx`",
                "faults.1.length: `faults.1.length` must be longer than zero",
            ]
        );
    }

    #[test]
    fn triggers_are_the_first_fault_and_the_last_end_of_a_fault_or_spike() {
        let client = r#""web": (target: "api", rate: "1/s",
            shape: Spike(at: "30s", length: "10s", factor: 2.0))"#;
        let faults = r#"faults: [Down(service: "api", at: "20s", length: "5s"),
            Down(service: "api", at: "10s", length: "5s")]"#;
        let s = valid(&scenario(API, client, faults));
        let network = vec![];
        let faults = CheckedFaults {
            services: s.world.faults.clone(),
            network,
            nodes: vec![],
            deploys: vec![],
        };
        let triggers = Triggers::of(Some(&s.world.clients), Some(&faults));
        assert_eq!(triggers.first_fault, Some(instant_s(10)));
        assert_eq!(triggers.last_fault_end, Some(instant_s(25)));
        assert_eq!(triggers.last_end, Some(instant_s(40)));
        let partition = r#"faults: [Isolate(node: "api", at: "50s", length: "5s"),
            Down(service: "api", at: "10s", length: "5s")]"#;
        let s = valid(&scenario(API, client, partition));
        let network = s.world.network.expect("a network fault").faults;
        let faults = CheckedFaults {
            services: s.world.faults.clone(),
            network,
            nodes: vec![],
            deploys: vec![],
        };
        let triggers = Triggers::of(Some(&s.world.clients), Some(&faults));
        assert_eq!(triggers.last_fault_end, Some(instant_s(55)), "network faults count");
        let none = Triggers::of(None, None);
        assert_eq!((none.first_fault, none.last_end, none.last_fault_end), (None, None, None));
    }
}
