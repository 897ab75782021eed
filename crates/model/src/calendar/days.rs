//! Local calendar days in a zone and what a wall clock there reads: for judging when something
//! happened in someone's own time (a customer charged at 09:00 *their* time). Maps instants to
//! local dates and times and back; never reads the machine's zone.

use jiff::Timestamp;
use jiff::civil::Date;

use super::Zone;

/// A calendar day in a zone: its date and its first instant (the end of the gap when a DST
/// change skips midnight).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalDay {
    /// `2026-03-08`.
    pub date: String,
    pub begins: Timestamp,
}

impl Zone {
    /// The local days that overlap `[from, to)`, in order; the first may begin before `from`.
    /// Empty when `to` is not after `from`.
    pub fn days(&self, from: Timestamp, to: Timestamp) -> Vec<LocalDay> {
        let mut days = Vec::new();
        if to <= from {
            return days;
        }
        let mut date = self.tz().to_datetime(from).date();
        while let Some(begins) = self.day_begins(date) {
            if begins >= to {
                break;
            }
            days.push(LocalDay { date: date.to_string(), begins });
            let Ok(next) = date.tomorrow() else { break };
            date = next;
        }
        days
    }

    /// What a wall clock in this zone reads at `t`, to the minute: (`2026-03-08`, `18:00`).
    pub fn wall(&self, t: Timestamp) -> (String, String) {
        let local = self.tz().to_datetime(t);
        (local.date().to_string(), format!("{:02}:{:02}", local.hour(), local.minute()))
    }

    /// The first instant of `date` here.
    fn day_begins(&self, date: Date) -> Option<Timestamp> {
        // Midnight read with the "compatible" rule: inside a gap, the instant the gap ends.
        let midnight = date.to_zoned_datetime(self.tz().clone()).ok()?;
        Some(midnight.start_of_day().ok()?.timestamp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(name: &str) -> Zone {
        Zone::named(name).expect("bundled")
    }

    fn utc(text: &str) -> Timestamp {
        text.parse().expect("a UTC instant")
    }

    fn days(name: &str, from: &str, to: &str) -> Vec<(String, String)> {
        let days = zone(name).days(utc(from), utc(to));
        days.into_iter().map(|d| (d.date, d.begins.to_string())).collect()
    }

    /// New York is UTC−5 (EST) until 02:00 on 8 March 2026, then UTC−4: the 8th is 23 hours
    /// long, so the 9th begins at 04:00 UTC. A window from noon UTC on the 7th to 05:00 UTC on
    /// the 9th overlaps the 7th (begun before it), the 8th and the 9th.
    #[test]
    fn days_overlapping_a_window_across_a_dst_change() {
        let got = days("America/New_York", "2026-03-07T12:00:00Z", "2026-03-09T05:00:00Z");
        let want = [
            ("2026-03-07", "2026-03-07T05:00:00Z"),
            ("2026-03-08", "2026-03-08T05:00:00Z"),
            ("2026-03-09", "2026-03-09T04:00:00Z"),
        ];
        let want: Vec<(String, String)> =
            want.iter().map(|(d, b)| (d.to_string(), b.to_string())).collect();
        assert_eq!(got, want);
        // A window ending exactly when a day begins does not overlap it.
        let got = days("America/New_York", "2026-03-07T12:00:00Z", "2026-03-09T04:00:00Z");
        assert_eq!(got.len(), 2);
        assert!(days("UTC", "2026-03-07T12:00:00Z", "2026-03-07T12:00:00Z").is_empty());
    }

    /// Havana skips midnight: on 8 March 2026 its clocks go from 00:00 CST (−5) to 01:00 CDT
    /// (−4), so that day begins at 01:00 local, 05:00 UTC.
    #[test]
    fn a_day_whose_midnight_is_skipped_begins_when_the_gap_ends() {
        let got = days("America/Havana", "2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z");
        assert_eq!(got, [("2026-03-08".to_string(), "2026-03-08T05:00:00Z".to_string())]);
    }

    /// 14:00 UTC on 6 March 2026 is 23:00 in Tokyo (+9), 09:00 in New York (−5), 01:00 the
    /// next day in Sydney (+11).
    #[test]
    fn a_wall_clock_reads_local_date_and_time() {
        let t = utc("2026-03-06T14:00:00Z");
        let wall = |name| zone(name).wall(t);
        assert_eq!(wall("Asia/Tokyo"), ("2026-03-06".into(), "23:00".into()));
        assert_eq!(wall("America/New_York"), ("2026-03-06".into(), "09:00".into()));
        assert_eq!(wall("Australia/Sydney"), ("2026-03-07".into(), "01:00".into()));
    }
}
