//! The `network:` section (the default link and per-link overrides) and the network faults
//! (`Partition`, `OneWay`, `Isolate`, `Degrade`); never accepts a probability outside [0, 1],
//! a node that does not exist, or groups that share a node.

use faultline_model::{
    Dist, LinkConfig, LinkRule, NetFault, NetFaultKind, NetworkConfig, NodeSet, Ordering,
};

use crate::raw::{LinkRaw, LinkRuleRaw, NetworkRaw, OrderingRaw};

use super::Checker;
use super::dist::check_dist;
use super::nodes::NodeNames;

/// The world's network: `None` when the scenario has neither a `network:` section nor a
/// network fault, so that it runs exactly as without one.
pub(super) fn check_network(
    c: &mut Checker,
    raw: Option<&NetworkRaw>,
    nodes: &NodeNames,
    faults: Option<Vec<NetFault>>,
) -> Option<Option<NetworkConfig>> {
    let Some(raw) = raw else {
        let faults = faults?;
        let default = LinkConfig::PERFECT;
        let network = NetworkConfig { default, rules: vec![], faults };
        return Some((!network.faults.is_empty()).then_some(network));
    };
    let default = check_link(c, &["network", "default"], &raw.default, LinkConfig::PERFECT);
    // With a default that has problems of its own, rules are checked against the perfect link,
    // so that their problems are reported too.
    let base = default.unwrap_or(LinkConfig::PERFECT);
    let rules: Vec<Option<Vec<LinkRule>>> = raw
        .links
        .iter()
        .enumerate()
        .map(|(i, rule)| check_rule(c, &i.to_string(), rule, nodes, base))
        .collect();
    let rules = rules.into_iter().collect::<Option<Vec<_>>>();
    Some(Some(NetworkConfig { default: default?, rules: rules?.concat(), faults: faults? }))
}

/// A link rule; with `both_ways`, also the rule for the opposite direction.
fn check_rule(
    c: &mut Checker,
    index: &str,
    raw: &LinkRuleRaw,
    nodes: &NodeNames,
    default: LinkConfig,
) -> Option<Vec<LinkRule>> {
    let at = ["network", "links", index];
    let from = node_set(c, &[&at[..], &["from"]].concat(), raw.from.as_deref(), nodes);
    let to = node_set(c, &[&at[..], &["to"]].concat(), raw.to.as_deref(), nodes);
    let fields = LinkRaw {
        latency: raw.latency.clone(),
        loss: raw.loss,
        duplicate: raw.duplicate,
        ordering: raw.ordering,
    };
    let link = check_link(c, &at, &fields, default)?;
    let (from, to) = (from?, to?);
    let mut rules = vec![LinkRule { from: from.clone(), to: to.clone(), link }];
    if raw.both_ways {
        rules.push(LinkRule { from: to, to: from, link });
    }
    Some(rules)
}

/// `names` as a node set; left out, any node.
pub(super) fn node_set(
    c: &mut Checker,
    at: &[&str],
    names: Option<&[String]>,
    nodes: &NodeNames,
) -> Option<NodeSet> {
    match names {
        None => Some(NodeSet::Any),
        Some(names) => nodes.set(c, at, names).map(NodeSet::Nodes),
    }
}

/// A link: each field given, or the `base` link's.
fn check_link(c: &mut Checker, at: &[&str], raw: &LinkRaw, base: LinkConfig) -> Option<LinkConfig> {
    let field = |f: &'static str| [at, &[f]].concat();
    let latency: Option<Dist> = match &raw.latency {
        Some(dist) => check_dist(c, &field("latency"), dist),
        None => Some(base.latency),
    };
    let loss = probability(c, &field("loss"), raw.loss.unwrap_or(base.loss));
    let duplicate = probability(c, &field("duplicate"), raw.duplicate.unwrap_or(base.duplicate));
    let ordering = match raw.ordering {
        Some(OrderingRaw::Fifo) => Ordering::Fifo,
        Some(OrderingRaw::Datagram) => Ordering::Datagram,
        None => base.ordering,
    };
    Some(LinkConfig { latency: latency?, loss: loss?, duplicate: duplicate?, ordering })
}

/// A probability: a number from 0.0 to 1.0.
pub(super) fn probability(c: &mut Checker, at: &[&str], p: f64) -> Option<f64> {
    if (0.0..=1.0).contains(&p) {
        return Some(p);
    }
    let what = at.last().copied().unwrap_or("probability");
    c.report(at, format!("`{what}` is {p}; a probability is between 0.0 and 1.0"), None);
    None
}

/// The groups of a partition: each a node set, no node in two groups, at least two groups.
pub(super) fn check_groups(
    c: &mut Checker,
    at: &[&str],
    groups: &[Vec<String>],
    nodes: &NodeNames,
) -> Option<NetFaultKind> {
    if groups.len() < 2 {
        let help = "list at least two groups, e.g. `groups: [[\"api\"], [\"db\"]]`; to cut one \
                    node from all others, use `Isolate(node: ...)`";
        c.report(at, format!("a partition has {} group(s)", groups.len()), Some(help.into()));
        return None;
    }
    let sets: Vec<Option<Vec<u32>>> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| nodes.set(c, &[at, &[i.to_string().as_str()]].concat(), g))
        .collect();
    let sets: Vec<Vec<u32>> = sets.into_iter().collect::<Option<_>>()?;
    for (i, set) in sets.iter().enumerate() {
        if let Some(&shared) = set.iter().find(|n| sets[..i].iter().any(|s| s.contains(n))) {
            let name = nodes.name(shared);
            let index = i.to_string();
            let here = [at, &[index.as_str()]].concat();
            c.report(&here, format!("groups overlap: `{name}` is in two groups"), None);
            return None;
        }
    }
    Some(NetFaultKind::Partition { groups: sets })
}

/// `Isolate(node)`: the node's nodes in one group, every other node in the other.
pub(super) fn isolate(
    c: &mut Checker,
    at: &[&str],
    node: &str,
    nodes: &NodeNames,
) -> Option<NetFaultKind> {
    let alone = nodes.set(c, at, std::slice::from_ref(&node.to_string()))?;
    let rest: Vec<u32> = (0..nodes.len() as u32).filter(|n| !alone.contains(n)).collect();
    Some(NetFaultKind::Partition { groups: vec![alone, rest] })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{API, WEB, refused, scenario, valid};
    use super::*;

    #[test]
    fn no_network_section_and_no_network_fault_means_no_network() {
        assert_eq!(valid(&scenario(API, WEB, "")).world.network, None);
    }

    #[test]
    fn a_rule_overrides_only_the_fields_it_sets_and_both_ways_mirrors_it() {
        let network = r#"network: (
            default: (latency: Const("2ms"), loss: 0.01),
            links: [(from: ["web"], to: ["api"], both_ways: true, loss: 0.5, ordering: Datagram)],
        )"#;
        let net = valid(&scenario(API, WEB, network)).world.network.expect("a network");
        let default =
            LinkConfig { latency: Dist::Const { secs: 0.002 }, loss: 0.01, ..LinkConfig::PERFECT };
        assert_eq!(net.default, default);
        let link = LinkConfig { loss: 0.5, ordering: Ordering::Datagram, ..default };
        // Nodes: clients first (`web` is 0), then services (`api` is 1).
        let (web, api) = (NodeSet::Nodes(vec![0]), NodeSet::Nodes(vec![1]));
        assert_eq!(
            net.rules,
            [
                LinkRule { from: web.clone(), to: api.clone(), link },
                LinkRule { from: api, to: web, link },
            ]
        );
    }

    #[test]
    fn isolate_cuts_one_node_from_all_the_others() {
        let fault = r#"faults: [Isolate(node: "api", at: "1s", length: "2s")]"#;
        let net = valid(&scenario(API, WEB, fault)).world.network.expect("a network");
        assert_eq!(net.faults[0].kind, NetFaultKind::Partition { groups: vec![vec![1], vec![0]] });
        assert_eq!(net.default, LinkConfig::PERFECT);
    }

    #[test]
    fn partitions_need_two_disjoint_groups_of_known_nodes() {
        let partition = |groups: &str| {
            scenario(
                API,
                WEB,
                &format!("faults: [Partition(groups: {groups}, at: \"1s\", length: \"1s\")]"),
            )
        };
        assert_eq!(
            refused(&partition(r#"[["api"]]"#)),
            ["faults.0.groups: a partition has 1 group(s)"]
        );
        assert_eq!(
            refused(&partition(r#"[["api"], ["api"]]"#)),
            ["faults.0.groups.1: groups overlap: `api` is in two groups"]
        );
        assert_eq!(
            refused(&partition(r#"[["api"], ["nope"]]"#)),
            ["faults.0.groups.1.0: unknown node `nope`"]
        );
    }

    #[test]
    fn probabilities_and_factors_out_of_range_are_refused() {
        let bad = r#"network: (default: (loss: -0.5, duplicate: 2.0)),
            faults: [Degrade(latency_factor: 0.0, extra_loss: 1.5, at: "1s", length: "1s")]"#;
        assert_eq!(
            refused(&scenario(API, WEB, bad)),
            [
                "faults.0.latency_factor: latency_factor is 0; it must be above zero",
                "faults.0.extra_loss: `extra_loss` is 1.5; a probability is between 0.0 and 1.0",
                "network.default.loss: `loss` is -0.5; a probability is between 0.0 and 1.0",
                "network.default.duplicate: `duplicate` is 2; a probability is between 0.0 and 1.0",
            ]
        );
    }
}
