//! A cron schedule in a zone: the instants it runs at. A local time skipped by a DST gap runs
//! at the first instant after the gap; a local time repeated by a fold runs once, at its first
//! occurrence (the "compatible" rule of RFC 5545 and Temporal for folds). Times that land on the
//! same instant (several skipped by one gap) run once.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::AmbiguousOffset;

use super::{Cron, Zone};

/// A cron expression evaluated in a zone.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    pub cron: Cron,
    pub zone: Zone,
}

/// How many days to look ahead for a matching day: a schedule for the 29th of February finds
/// one within 8 years.
const SEARCH_DAYS: i32 = 8 * 366;

impl Schedule {
    /// The first instant strictly after `after` at which the schedule runs, or `None` if it
    /// never runs (a 31st of February).
    pub fn next_after(&self, after: Timestamp) -> Option<Timestamp> {
        let tz = self.zone.tz();
        let start = tz.to_datetime(after).date();
        for offset in 0..SEARCH_DAYS {
            let day = start.checked_add(jiff::Span::new().days(offset)).ok()?;
            let weekday = day.weekday().to_sunday_zero_offset() as u32;
            if !self.cron.runs_on(day.month() as u32, day.day() as u32, weekday) {
                continue;
            }
            let runs = self.cron.times().filter_map(|(h, m)| self.instant(day, h, m));
            if let Some(next) = runs.filter(|t| *t > after).min() {
                return Some(next);
            }
        }
        None
    }

    /// The instant `day` at `hour:minute` local time runs at.
    fn instant(&self, day: Date, hour: u32, minute: u32) -> Option<Timestamp> {
        let tz = self.zone.tz();
        let local: DateTime = day.at(hour as i8, minute as i8, 0, 0);
        let ambiguous = tz.to_ambiguous_timestamp(local);
        match ambiguous.offset() {
            AmbiguousOffset::Unambiguous { .. } | AmbiguousOffset::Fold { .. } => {
                ambiguous.earlier().ok()
            }
            AmbiguousOffset::Gap { after, .. } => {
                // The local time does not exist: the first instant after the gap is the
                // transition itself, the first one after this time read with the later offset
                // (which lands before the transition).
                let probe = after.to_timestamp(local).ok()?;
                tz.following(probe).next().map(|t| t.timestamp())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(cron: &str, zone: &str) -> Schedule {
        Schedule { cron: Cron::parse(cron).expect("valid"), zone: Zone::named(zone).expect("zone") }
    }

    fn utc(text: &str) -> Timestamp {
        text.parse().expect("a UTC instant")
    }

    /// The runs of `cron` in `zone` after `from`, `n` of them, in UTC.
    fn runs(cron: &str, zone: &str, from: &str, n: usize) -> Vec<String> {
        let s = schedule(cron, zone);
        let mut t = utc(from);
        (0..n)
            .map(|_| {
                t = s.next_after(t).expect("runs");
                t.to_string()
            })
            .collect()
    }

    /// 09:00 in New York is 14:00 UTC in winter (EST, −5) and 13:00 in summer (EDT, −4); DST
    /// starts on Sunday 8 March 2026.
    #[test]
    fn a_daily_job_keeps_its_local_time_across_dst() {
        assert_eq!(
            runs("0 9 * * *", "America/New_York", "2026-03-06T00:00:00Z", 4),
            [
                "2026-03-06T14:00:00Z",
                "2026-03-07T14:00:00Z",
                "2026-03-08T13:00:00Z",
                "2026-03-09T13:00:00Z"
            ]
        );
    }

    /// New York, 8 March 2026: 02:00 EST jumps to 03:00 EDT (07:00 UTC). 02:30 does not exist
    /// that day: the job runs at 03:00 EDT, once; the days around it at 02:30 local.
    #[test]
    fn new_york_gap_runs_at_the_first_instant_after_it() {
        assert_eq!(
            runs("30 2 * * *", "America/New_York", "2026-03-07T00:00:00Z", 3),
            ["2026-03-07T07:30:00Z", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"]
        );
        // Every quarter of the skipped hour lands on the same instant: one run.
        assert_eq!(
            runs("*/15 2 * * *", "America/New_York", "2026-03-08T06:00:00Z", 2),
            ["2026-03-08T07:00:00Z", "2026-03-09T06:00:00Z"]
        );
    }

    /// New York, 1 November 2026: 02:00 EDT falls back to 01:00 EST, so 01:30 happens twice
    /// (05:30 and 06:30 UTC). The job runs once, at the first.
    #[test]
    fn new_york_fold_runs_once_at_the_first_occurrence() {
        assert_eq!(
            runs("30 1 * * *", "America/New_York", "2026-10-31T00:00:00Z", 3),
            ["2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"]
        );
    }

    /// London: 29 March 2026 01:00 GMT jumps to 02:00 BST (01:00 UTC); 25 October 2026 02:00
    /// BST falls back to 01:00 GMT, repeating 01:00–02:00.
    #[test]
    fn london_gap_and_fold() {
        assert_eq!(
            runs("30 1 * * *", "Europe/London", "2026-03-28T00:00:00Z", 3),
            ["2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"]
        );
        assert_eq!(
            runs("30 1 * * *", "Europe/London", "2026-10-24T00:00:00Z", 3),
            ["2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"]
        );
    }

    /// Sydney: 5 April 2026 03:00 AEDT (+11) falls back to 02:00 AEST (+10), repeating 02:00–
    /// 03:00; 4 October 2026 02:00 AEST jumps to 03:00 AEDT (16:00 UTC the day before).
    #[test]
    fn sydney_fold_and_gap() {
        assert_eq!(
            runs("30 2 * * *", "Australia/Sydney", "2026-04-03T00:00:00Z", 3),
            ["2026-04-03T15:30:00Z", "2026-04-04T15:30:00Z", "2026-04-05T16:30:00Z"]
        );
        assert_eq!(
            runs("30 2 * * *", "Australia/Sydney", "2026-10-02T00:00:00Z", 3),
            // 3 Oct 02:30 AEST (+10); 4 Oct at 03:00 AEDT, the end of the gap; 5 Oct 02:30 AEDT.
            ["2026-10-02T16:30:00Z", "2026-10-03T16:00:00Z", "2026-10-04T15:30:00Z"]
        );
    }

    #[test]
    fn an_impossible_day_never_runs() {
        assert_eq!(schedule("0 0 31 2 *", "UTC").next_after(utc("2026-01-01T00:00:00Z")), None);
        let leap = schedule("0 0 29 2 *", "UTC").next_after(utc("2026-01-01T00:00:00Z"));
        assert_eq!(leap.map(|t| t.to_string()).as_deref(), Some("2028-02-29T00:00:00Z"));
    }
}
