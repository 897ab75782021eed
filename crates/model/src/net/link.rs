//! The fate of each message: dropped (and why) or delivered once or twice, and when.

use std::collections::BTreeMap;

use faultline_engine::{RngStreams, SimDuration, SimRng, SimTime};
use rand::RngExt;

use super::partition::{cut, degradation};
use super::{LinkConfig, NetworkConfig, Ordering};

/// Why the network dropped a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum DropReason {
    /// The link lost it (its loss probability, or a degradation's extra loss).
    Loss,
    /// A partition or one-way cut separated sender and receiver when it was sent.
    Partition,
}

/// What happens to one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    Dropped(DropReason),
    /// Arrives at `at`, and a duplicate arrives at `copy` when the link duplicated it.
    Delivered {
        at: SimTime,
        copy: Option<SimTime>,
    },
}

/// Messages counted over a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetStats {
    pub sent: u64,
    /// Arrivals, duplicates included.
    pub delivered: u64,
    pub duplicated: u64,
    pub lost: u64,
    /// Dropped by a partition or one-way cut.
    pub partitioned: u64,
    /// Arrived at a node that had crashed (counted in `delivered` no more).
    pub crashed: u64,
}

impl NetStats {
    /// A message the network delivered found its node crashed: it is dropped after all.
    pub(crate) fn lost_at_crashed_node(&mut self) {
        self.delivered -= 1;
        self.crashed += 1;
    }

    fn count(&mut self, fate: Fate) {
        self.sent += 1;
        match fate {
            Fate::Dropped(DropReason::Loss) => self.lost += 1,
            Fate::Dropped(DropReason::Partition) => self.partitioned += 1,
            Fate::Delivered { copy, .. } => {
                self.delivered += 1 + u64::from(copy.is_some());
                self.duplicated += u64::from(copy.is_some());
            }
        }
    }
}

/// The delays one direction of a link gave the messages it delivered, duplicates included.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkLatency {
    /// The sending node.
    pub from: String,
    /// The receiving node.
    pub to: String,
    /// Messages delivered, duplicates included.
    pub messages: u64,
    /// Mean delay from sending to arrival, in seconds (a FIFO link's wait behind an earlier
    /// message included).
    pub mean_s: f64,
    pub max_s: f64,
}

/// What the network did over a run: its message counts, and the latency of each link that
/// delivered a message, in link order (sender, then receiver, by node index).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NetworkMetrics {
    pub messages: NetStats,
    pub links: Vec<LinkLatency>,
}

/// One direction of a link in use: its random stream, for FIFO links when its last message
/// arrives, and the delays it gave. Created on a link's first message, so memory follows the
/// links used.
#[derive(Debug)]
struct LinkState {
    rng: SimRng,
    last_arrival: SimTime,
    /// Messages delivered (duplicates included), their delays summed and the longest, in ns.
    delivered: u64,
    delay_sum_ns: u128,
    delay_max_ns: u64,
}

impl LinkState {
    fn delivered(&mut self, delay: SimDuration) {
        self.delivered += 1;
        self.delay_sum_ns += u128::from(delay.as_nanos());
        self.delay_max_ns = self.delay_max_ns.max(delay.as_nanos());
    }
}

/// The network's state over a run.
#[derive(Debug)]
pub(crate) struct Network {
    config: NetworkConfig,
    seed_streams: RngStreams,
    /// Names of the nodes, which name the links' streams (`net/<from>→<to>`).
    node_names: Vec<String>,
    links: BTreeMap<(u32, u32), LinkState>,
    pub(crate) stats: NetStats,
}

impl Network {
    pub(crate) fn new(config: NetworkConfig, node_names: Vec<String>, seed: u64) -> Self {
        Network {
            config,
            seed_streams: RngStreams::new(seed),
            node_names,
            links: BTreeMap::new(),
            stats: NetStats::default(),
        }
    }

    /// The link a message from `from` to `to` crosses: the last matching rule, or the default.
    fn link(&self, from: u32, to: u32) -> LinkConfig {
        let mut rules = self.config.rules.iter().rev();
        let rule = rules.find(|r| r.from.contains(from) && r.to.contains(to));
        rule.map_or(self.config.default, |r| r.link)
    }

    /// Decides the fate of a message sent from `from` to `to` at `now`.
    pub(crate) fn send(&mut self, now: SimTime, from: u32, to: u32) -> Fate {
        let fate = self.decide(now, from, to);
        self.stats.count(fate);
        fate
    }

    fn decide(&mut self, now: SimTime, from: u32, to: u32) -> Fate {
        if cut(&self.config.faults, now, from, to) {
            return Fate::Dropped(DropReason::Partition);
        }
        let link = self.link(from, to);
        let (factor, extra_loss) = degradation(&self.config.faults, now, from, to);
        let state = self.state(from, to);
        let loss = 1.0 - (1.0 - link.loss) * (1.0 - extra_loss);
        if loss > 0.0 && state.rng.random::<f64>() < loss {
            return Fate::Dropped(DropReason::Loss);
        }
        let duplicated = link.duplicate > 0.0 && state.rng.random::<f64>() < link.duplicate;
        let at = arrival(state, &link, factor, now);
        let copy = duplicated.then(|| arrival(state, &link, factor, now));
        Fate::Delivered { at, copy }
    }

    fn state(&mut self, from: u32, to: u32) -> &mut LinkState {
        let (streams, names) = (&self.seed_streams, &self.node_names);
        self.links.entry((from, to)).or_insert_with(|| {
            let name = format!("net/{}→{}/link", names[from as usize], names[to as usize]);
            LinkState {
                rng: streams.stream(&name),
                last_arrival: SimTime::ZERO,
                delivered: 0,
                delay_sum_ns: 0,
                delay_max_ns: 0,
            }
        })
    }

    /// The message counts and the latency of every link that delivered a message, in link
    /// order.
    pub(crate) fn metrics(&self) -> NetworkMetrics {
        let name = |node: u32| self.node_names[node as usize].clone();
        let links = self
            .links
            .iter()
            .filter(|(_, state)| state.delivered > 0)
            .map(|(&(from, to), state)| LinkLatency {
                from: name(from),
                to: name(to),
                messages: state.delivered,
                mean_s: state.delay_sum_ns as f64 / state.delivered as f64 / 1e9,
                max_s: SimDuration::from_nanos(state.delay_max_ns).as_secs_f64(),
            })
            .collect();
        NetworkMetrics { messages: self.stats, links }
    }
}

/// When a message sent at `now` arrives: a latency draw (times the degradation factor), held
/// behind the link's previous message on a FIFO link. Counts the delay as the link's.
fn arrival(state: &mut LinkState, link: &LinkConfig, factor: f64, now: SimTime) -> SimTime {
    let delay = link.latency.sample_secs(&mut state.rng) * factor;
    let mut at = now + SimDuration::from_secs_f64(delay);
    if link.ordering == Ordering::Fifo {
        at = at.max(state.last_arrival);
        state.last_arrival = at;
    }
    state.delivered(at.saturating_since(now));
    at
}
