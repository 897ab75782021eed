//! What each subscription did with its topic's messages over a run, for the summary and the
//! queue chart: delivered, acknowledged, delivered again, dead-lettered, alerted on, replayed,
//! parked, lost. Never judges them (the invariants do).

use serde::Serialize;

use faultline_model::Metrics;
use faultline_model::broker::SubscriptionReport;

use crate::text::thousands;

/// One subscription's account.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SubscriptionSummary {
    pub topic: String,
    pub group: String,
    pub published: u64,
    pub delivered: u64,
    pub acked: u64,
    /// Released by the consumer or by an expired visibility, and delivered again.
    pub redelivered: u64,
    /// Released because their visibility ran out.
    pub expired: u64,
    pub dead_lettered: u64,
    /// In the dead-letter queue at the end.
    pub dead_letters_left: u64,
    pub alerts: u64,
    /// When the dead-letter alarm first raised an alert.
    pub first_alert_s: Option<f64>,
    pub replay_runs: u64,
    pub replayed: u64,
    pub parked: u64,
    pub lost_to_retention: u64,
    pub in_flight: u64,
    pub waiting: u64,
}

impl SubscriptionSummary {
    fn new(r: &SubscriptionReport) -> Self {
        let s = r.stats;
        SubscriptionSummary {
            topic: r.topic.clone(),
            group: r.group.clone(),
            published: r.published,
            delivered: s.delivered,
            acked: s.acked,
            redelivered: s.redelivered,
            expired: r.expired,
            dead_lettered: s.dead_lettered,
            dead_letters_left: s.dlq_depth,
            alerts: r.alerts,
            first_alert_s: r.alert_times.first().map(|t| t.as_secs_f64()),
            replay_runs: r.replay_runs,
            replayed: s.replayed,
            parked: s.parked,
            lost_to_retention: s.lost_to_retention,
            in_flight: s.in_flight,
            waiting: s.waiting,
        }
    }

    /// The subscription's name: topic → group.
    pub fn name(&self) -> String {
        format!("{} → {}", self.topic, self.group)
    }

    /// The line of the text summary.
    pub fn line(&self) -> String {
        let mut line = format!(
            "messages    {}  published {}  acked {}  redelivered {}  dead-lettered {} ({} left)  alerts {}",
            self.name(),
            thousands(self.published),
            thousands(self.acked),
            thousands(self.redelivered),
            thousands(self.dead_lettered),
            thousands(self.dead_letters_left),
            thousands(self.alerts),
        );
        if self.replay_runs > 0 {
            line += &format!(
                "  replayed {}  parked {}",
                thousands(self.replayed),
                thousands(self.parked)
            );
        }
        if self.lost_to_retention > 0 {
            line += &format!("  lost to retention {}", thousands(self.lost_to_retention));
        }
        line
    }

    /// The cells of its row in the page's table, after its name.
    pub fn cells(&self) -> Vec<String> {
        let counts = [
            self.published,
            self.acked,
            self.redelivered,
            self.expired,
            self.dead_lettered,
            self.dead_letters_left,
            self.alerts,
            self.replayed,
            self.parked,
            self.lost_to_retention,
        ];
        counts.iter().map(|&n| thousands(n)).collect()
    }
}

/// The page table's headings, after the name.
pub const COLUMNS: [&str; 10] = [
    "published",
    "acked",
    "redelivered",
    "expired",
    "dead-lettered",
    "left in DLQ",
    "alerts",
    "replayed",
    "parked",
    "lost",
];

pub(crate) fn subscription_summaries(m: &Metrics) -> Vec<SubscriptionSummary> {
    m.brokers.iter().map(SubscriptionSummary::new).collect()
}

/// A subscription's depths over time for the queue chart: (window start, backlog, dead
/// letters), in seconds and messages.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SubscriptionDepths {
    pub name: String,
    pub points: Vec<(f64, u64, u64)>,
}

pub(crate) fn subscription_depths(m: &Metrics) -> Vec<SubscriptionDepths> {
    m.brokers
        .iter()
        .map(|r| SubscriptionDepths {
            name: format!("{} → {}", r.topic, r.group),
            points: r
                .depths
                .iter()
                .map(|d| (d.at.as_secs_f64(), d.backlog, d.dead_letters))
                .collect(),
        })
        .collect()
}
