//! The network against hand computation: loss and duplication rates within a 99 % binomial
//! interval, partitions and one-way cuts exactly inside their windows, FIFO order, and the
//! reordering rate a datagram link's latency distribution implies.

use faultline_engine::{SimDuration, SimTime};

use super::*;
use crate::Dist;

const MESSAGES: u64 = 100_000;
/// z for a two-sided 99 % normal interval.
const Z_99: f64 = 2.576;

fn ms(ms: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_millis(ms)
}

fn link(latency: Dist, loss: f64, duplicate: f64, ordering: Ordering) -> LinkConfig {
    LinkConfig { latency, loss, duplicate, ordering }
}

fn network(default: LinkConfig, faults: Vec<NetFault>) -> Network {
    let config = NetworkConfig { default, rules: vec![], faults };
    let names = ["a", "b", "c", "d"].map(String::from).to_vec();
    Network::new(config, names, 7)
}

/// `observed` successes of `n` trials lie within the 99 % normal interval around `p`.
fn within_99(observed: u64, n: u64, p: f64) -> bool {
    let rate = observed as f64 / n as f64;
    let half_width = Z_99 * (p * (1.0 - p) / n as f64).sqrt();
    (rate - p).abs() <= half_width
}

#[test]
fn loss_and_duplication_follow_their_probabilities() {
    let fast = Dist::Const { secs: 0.001 };
    let mut net = network(link(fast, 0.1, 0.05, Ordering::Datagram), vec![]);
    let (mut lost, mut delivered, mut doubled) = (0, 0, 0);
    for i in 0..MESSAGES {
        match net.send(ms(i), 0, 1) {
            Fate::Dropped(DropReason::Loss) => lost += 1,
            Fate::Dropped(reason) => panic!("dropped for {reason:?} with no fault"),
            Fate::Delivered { copy, .. } => {
                delivered += 1;
                doubled += u64::from(copy.is_some());
            }
        }
    }
    assert!(within_99(lost, MESSAGES, 0.1), "lost {lost} of {MESSAGES}");
    assert!(within_99(doubled, delivered, 0.05), "duplicated {doubled} of {delivered}");
}

#[test]
fn a_partition_drops_exactly_the_cross_group_traffic_inside_its_window() {
    let fault = NetFault {
        kind: NetFaultKind::Partition { groups: vec![vec![0, 1], vec![2]] },
        start: ms(100),
        end: ms(200),
    };
    let mut net = network(LinkConfig::PERFECT, vec![fault]);
    for t in [0, 99, 100, 150, 199, 200, 300] {
        let inside = (100..200).contains(&t);
        for (from, to) in [(0, 1), (1, 0), (0, 2), (2, 0), (1, 2), (2, 1), (3, 0), (2, 3)] {
            let crosses = inside && (from == 2) != (to == 2) && from != 3 && to != 3;
            let fate = net.send(ms(t), from, to);
            let dropped = fate == Fate::Dropped(DropReason::Partition);
            assert_eq!(dropped, crosses, "t = {t} ms, {from} → {to}: {fate:?}");
        }
    }
}

#[test]
fn a_one_way_cut_drops_one_direction_only() {
    let fault = NetFault {
        kind: NetFaultKind::OneWay { from: NodeSet::Nodes(vec![0]), to: NodeSet::Nodes(vec![1]) },
        start: ms(0),
        end: ms(1_000),
    };
    let mut net = network(LinkConfig::PERFECT, vec![fault]);
    assert_eq!(net.send(ms(5), 0, 1), Fate::Dropped(DropReason::Partition));
    assert!(matches!(net.send(ms(5), 1, 0), Fate::Delivered { .. }));
    assert!(matches!(net.send(ms(5), 0, 2), Fate::Delivered { .. }));
}

/// Arrival times of `MESSAGES` messages sent 1 ms apart on a link with Exp(1 ms) latency.
fn arrivals(ordering: Ordering) -> Vec<SimTime> {
    let mut net = network(link(Dist::Exp { mean: 0.001 }, 0.0, 0.0, ordering), vec![]);
    (0..MESSAGES)
        .map(|i| match net.send(ms(i), 0, 1) {
            Fate::Delivered { at, copy: None } => at,
            other => panic!("a perfect link gave {other:?}"),
        })
        .collect()
}

#[test]
fn a_fifo_link_never_reorders() {
    let times = arrivals(Ordering::Fifo);
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
}

/// Two messages sent Δ apart with i.i.d. Exp(λ) latencies swap when L₁ − L₂ > Δ. L₁ − L₂ is
/// Laplace(0, 1/λ), so P(swap) = ½·e^(−λΔ): ½·e^(−1) = 0.1839 for Δ = mean = 1 ms. Pairs are
/// disjoint (messages 2k and 2k+1), so the swaps are independent trials.
#[test]
fn a_datagram_link_reorders_as_its_latency_distribution_implies() {
    let times = arrivals(Ordering::Datagram);
    let pairs = MESSAGES / 2;
    let swapped = times.chunks(2).filter(|pair| pair[1] < pair[0]).count() as u64;
    let expected = 0.5 * (-1.0f64).exp();
    assert!(
        within_99(swapped, pairs, expected),
        "{swapped} of {pairs} pairs swapped; expected {:.0}",
        expected * pairs as f64
    );
}

#[test]
fn the_last_matching_rule_picks_the_link() {
    let slow = link(Dist::Const { secs: 1.0 }, 0.0, 0.0, Ordering::Fifo);
    let lossy = link(Dist::Const { secs: 0.0 }, 1.0, 0.0, Ordering::Fifo);
    let rules = vec![
        LinkRule { from: NodeSet::Any, to: NodeSet::Nodes(vec![1]), link: slow },
        LinkRule { from: NodeSet::Nodes(vec![2]), to: NodeSet::Nodes(vec![1]), link: lossy },
    ];
    let config = NetworkConfig { default: LinkConfig::PERFECT, rules, faults: vec![] };
    let mut net = Network::new(config, ["a", "b", "c"].map(String::from).to_vec(), 1);
    assert_eq!(net.send(ms(0), 0, 1), Fate::Delivered { at: ms(1_000), copy: None });
    assert_eq!(net.send(ms(0), 2, 1), Fate::Dropped(DropReason::Loss));
    assert_eq!(net.send(ms(0), 1, 0), Fate::Delivered { at: ms(0), copy: None });
}

#[test]
fn a_degradation_slows_and_loses_only_inside_its_window() {
    let fault = NetFault {
        kind: NetFaultKind::Degrade {
            from: NodeSet::Any,
            to: NodeSet::Nodes(vec![1]),
            latency_factor: 10.0,
            extra_loss: 0.5,
        },
        start: ms(1_000),
        end: ms(1_000 + MESSAGES),
    };
    let mut net =
        network(link(Dist::Const { secs: 0.002 }, 0.0, 0.0, Ordering::Datagram), vec![fault]);
    assert_eq!(net.send(ms(0), 0, 1), Fate::Delivered { at: ms(2), copy: None });
    let mut lost = 0;
    for i in 0..MESSAGES {
        match net.send(ms(1_000 + i), 0, 1) {
            Fate::Delivered { at, .. } => assert_eq!(at, ms(1_000 + i + 20)),
            Fate::Dropped(_) => lost += 1,
        }
    }
    assert!(within_99(lost, MESSAGES, 0.5), "lost {lost}");
}

/// The mean of n Exp(1 ms) delays has a standard error of 1 ms / √n ≈ 0.003 ms for n = 100,000,
/// so a 1 % (0.01 ms) tolerance is over three standard errors: wide enough not to fail by
/// chance with another seed, narrow enough to catch a wrong unit or a delay counted twice.
#[test]
fn a_link_s_mean_latency_is_its_distribution_s_mean() {
    let mut net = network(link(Dist::Exp { mean: 0.001 }, 0.0, 0.0, Ordering::Datagram), vec![]);
    for i in 0..MESSAGES {
        net.send(ms(i), 0, 1);
    }
    let links = net.metrics().links;
    assert_eq!(links.len(), 1, "{links:?}");
    let link = &links[0];
    assert_eq!((link.from.as_str(), link.to.as_str(), link.messages), ("a", "b", MESSAGES));
    assert!((link.mean_s - 0.001).abs() <= 0.01 * 0.001, "mean {} s", link.mean_s);
    // The largest of n Exp(1 ms) draws is about ln n + 0.58 ≈ 12 ms; under 5 ms, never.
    assert!(link.max_s > 0.005, "max {} s", link.max_s);
}

#[test]
fn a_const_link_s_max_is_its_constant_and_copies_count_as_messages() {
    let mut net = network(link(Dist::Const { secs: 0.0025 }, 0.0, 1.0, Ordering::Fifo), vec![]);
    for i in 0..10 {
        net.send(ms(100 * i), 1, 0);
    }
    let link = &net.metrics().links[0];
    assert_eq!(link.messages, 20, "every message and its copy");
    assert_eq!(link.max_s, 0.0025);
    assert!((link.mean_s - 0.0025).abs() < 1e-12, "mean {} s", link.mean_s);
}

/// Links come in (sender, receiver) order whatever order they were first used in; a link that
/// delivered nothing (all lost) has no latency and is left out; partitioned messages never
/// reach a link.
#[test]
fn links_are_listed_in_order_and_only_when_they_delivered() {
    let fault = NetFault {
        kind: NetFaultKind::OneWay { from: NodeSet::Nodes(vec![3]), to: NodeSet::Any },
        start: ms(0),
        end: ms(1_000),
    };
    let lossy = link(Dist::Const { secs: 0.001 }, 1.0, 0.0, Ordering::Fifo);
    let rules = vec![LinkRule { from: NodeSet::Nodes(vec![2]), to: NodeSet::Any, link: lossy }];
    let config = NetworkConfig { default: LinkConfig::PERFECT, rules, faults: vec![fault] };
    let mut net = Network::new(config, ["a", "b", "c", "d"].map(String::from).to_vec(), 1);
    for (from, to) in [(1, 0), (0, 2), (2, 0), (0, 1), (3, 0), (1, 0)] {
        net.send(ms(5), from, to);
    }
    let metrics = net.metrics();
    let links: Vec<(&str, &str, u64)> =
        metrics.links.iter().map(|l| (l.from.as_str(), l.to.as_str(), l.messages)).collect();
    assert_eq!(links, [("a", "b", 1), ("a", "c", 1), ("b", "a", 2)]);
    assert_eq!((metrics.messages.sent, metrics.messages.lost), (6, 1));
    assert_eq!(metrics.messages.partitioned, 1);
}
