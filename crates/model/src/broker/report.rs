//! What a run leaves behind about each subscription: its account of messages, its alerts and
//! its queue depths over time, for the invariants and the report.

use faultline_engine::SimTime;

use super::SubscriptionStats;

/// Alert instants kept per subscription; an alarm raising more is counted, not kept.
pub const MAX_ALERTS_KEPT: usize = 1_000;

/// One subscription at the end of a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SubscriptionReport {
    pub topic: String,
    pub group: String,
    /// Messages published to the topic (every subscription is given each).
    pub published: u64,
    pub stats: SubscriptionStats,
    /// Deliveries released because their visibility ran out (a consumer that crashed, a lost
    /// delivery or acknowledgement, a consumer too slow).
    pub expired: u64,
    /// Alerts its dead-letter alarm raised, and the first [`MAX_ALERTS_KEPT`] instants.
    pub alerts: u64,
    pub alert_times: Vec<SimTime>,
    /// Replay runs and what they did (also in `stats`: replayed, parked).
    pub replay_runs: u64,
    /// Per metrics window (its start), the messages waiting or in flight and the dead-letter
    /// queue's depth, sampled when the subscription changed in that window.
    pub depths: Vec<DepthSample>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DepthSample {
    pub at: SimTime,
    /// Published and not yet acknowledged, dead-lettered or parked.
    pub backlog: u64,
    pub dead_letters: u64,
}
