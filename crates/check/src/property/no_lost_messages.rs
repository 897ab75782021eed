//! NoLostMessages: at the end, every message published to a topic is, for every subscription,
//! acknowledged, dead-lettered or parked (each with its reason), or still waiting or in flight.
//! A message retention dropped before the subscription read it is lost.

use faultline_model::broker::SubscriptionReport;

use super::{Property, RunEnd, Violation};

#[derive(Debug, Default)]
pub struct NoLostMessages;

impl NoLostMessages {
    pub fn new() -> Self {
        NoLostMessages
    }
}

/// What became of a subscription's messages, and how many are nowhere.
fn lost(report: &SubscriptionReport) -> (u64, u64) {
    let s = report.stats;
    let placed = s.acked + s.dlq_depth + s.parked + s.in_flight + s.waiting;
    let nowhere = report.published.saturating_sub(placed + s.lost_to_retention);
    (s.lost_to_retention, nowhere)
}

impl Property for NoLostMessages {
    fn name(&self) -> &'static str {
        "NoLostMessages"
    }

    fn describe(&self) -> String {
        "every message acknowledged, dead-lettered, parked or still on its way".into()
    }

    fn verdict(&self, end: &RunEnd) -> Option<Violation> {
        end.metrics.brokers.iter().find_map(|report| {
            let (dropped, nowhere) = lost(report);
            (dropped + nowhere > 0).then(|| violation(report, dropped, nowhere, end))
        })
    }
}

/// The subscription's losses in words, from the first message retention dropped unread.
fn violation(report: &SubscriptionReport, dropped: u64, nowhere: u64, end: &RunEnd) -> Violation {
    let s = report.stats;
    let mut detail = format!(
        "`{}` lost {} of the {} messages published to `{}`: {dropped} dropped by retention \
         before they were read, {nowhere} unaccounted for ({} acknowledged, {} dead-lettered, \
         {} parked, {} in flight, {} waiting)",
        report.group,
        dropped + nowhere,
        report.published,
        report.topic,
        s.acked,
        s.dlq_depth,
        s.parked,
        s.in_flight,
        s.waiting
    );
    let first = s.first_lost;
    if let Some(lost) = first {
        let m = lost.message;
        detail += &format!(
            "; the first, message {} (key {}, of request {}), published at {}, was dropped at {} \
             unread",
            m.id, m.key, m.request, m.published, lost.dropped
        );
    }
    Violation {
        at: first.map_or(end.metrics.end(), |l| l.dropped),
        request: first.map(|l| l.message.request),
        detail,
    }
}

#[cfg(test)]
mod tests {
    use faultline_model::broker::SubscriptionStats;

    use super::*;
    use crate::property::testing::metrics;

    fn report(published: u64, stats: SubscriptionStats) -> SubscriptionReport {
        SubscriptionReport {
            topic: "orders".into(),
            group: "sms".into(),
            published,
            stats,
            ..SubscriptionReport::default()
        }
    }

    #[test]
    fn messages_in_every_place_but_lost_hold() {
        let mut m = metrics();
        let stats = SubscriptionStats {
            acked: 90,
            dlq_depth: 4,
            parked: 2,
            in_flight: 3,
            waiting: 1,
            ..SubscriptionStats::default()
        };
        m.brokers = vec![report(100, stats)];
        assert_eq!(NoLostMessages::new().verdict(&RunEnd { metrics: &m, in_flight: 0 }), None);
    }

    #[test]
    fn messages_retention_dropped_unread_are_lost() {
        let mut m = metrics();
        let stats = SubscriptionStats { acked: 95, lost_to_retention: 5, ..SubscriptionStats::default() };
        m.brokers = vec![report(100, stats)];
        let v = NoLostMessages::new().verdict(&RunEnd { metrics: &m, in_flight: 0 }).expect("lost");
        assert_eq!(v.request, None, "no first loss recorded in this report");
        assert!(v.detail.starts_with("`sms` lost 5 of the 100 messages published to `orders`: 5 dropped"), "{}", v.detail);
    }
}
