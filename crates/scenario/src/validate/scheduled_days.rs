//! `ScheduledOncePerLocalDay(client: ..., at: "09:00")`: the client it watches, the target
//! local time, and each customer's local days over the run with the instant its request is due,
//! computed here with the model's calendar: a daily cron at that time in the customer's zone,
//! so a day whose target time a DST gap skips or a fold repeats is due when such a schedule
//! fires. Never accepts a client that does not send for each customer, a time that is not
//! `HH:MM`, or more customer-days than [`MAX_CUSTOMER_DAYS`].

use std::collections::BTreeMap;

use faultline_check::{CustomerDays, Invariant, LocalDayTarget};
use faultline_engine::{SimDuration, SimTime};
use faultline_model::{Cron, Schedule, Timestamp, Zone, instant_at};

use crate::raw::ClientRaw;

use super::Checker;
use super::names::find_client;
use super::zones::Customer;

/// Days the invariant watches over all customers: its memory.
const MAX_CUSTOMER_DAYS: u64 = 1_000_000;

/// What checking scheduled days needs of the rest of the scenario: the run's start and
/// length, the customers and the clients as written (each `None` if it had a problem).
#[derive(Clone, Copy)]
pub(super) struct Calendar<'a> {
    pub(super) start: Option<Timestamp>,
    pub(super) duration: Option<SimDuration>,
    pub(super) customers: Option<&'a [Customer]>,
    pub(super) clients: &'a BTreeMap<String, ClientRaw>,
}

/// The invariant at `invariants.INDEX`.
pub(super) fn scheduled_once_per_local_day(
    c: &mut Checker,
    index: &str,
    client: &str,
    at: &str,
    calendar: Calendar,
) -> Option<Invariant> {
    let path = |field: &'static str| ["invariants", index, field];
    let names: Vec<&str> = calendar.clients.keys().map(String::as_str).collect();
    let client_index = find_client(c, &path("client"), client, &names);
    let time = local_time(at);
    if time.is_none() {
        c.report(
            &path("at"),
            format!("\"{at}\" is not a local time"),
            Some("write it as hours and minutes, like \"09:00\"".into()),
        );
    }
    let sends_for_each = calendar.clients.get(client).and_then(|raw| raw.schedule.as_ref());
    if client_index.is_some() && sends_for_each.is_none_or(|s| s.for_each.is_none()) {
        c.report(
            &path("client"),
            format!("client `{client}` does not send for each customer, so its requests name none"),
            Some("give its schedule `for_each: Customers`".into()),
        );
        return None;
    }
    let (start, duration, customers) = (calendar.start?, calendar.duration?, calendar.customers?);
    let days = customers.len() as u64 * (duration.as_nanos() / 86_400_000_000_000 + 2);
    if days > MAX_CUSTOMER_DAYS {
        c.report(
            &["invariants", index],
            format!("{} customers over {duration} are about {days} customer-days to watch; at most {MAX_CUSTOMER_DAYS}", customers.len()),
            Some("shorten the run or have fewer customers".into()),
        );
        return None;
    }
    let (hour, minute) = time?;
    let customers = customers
        .iter()
        .map(|(name, zone)| CustomerDays {
            name: name.clone(),
            zone: zone.clone(),
            days: days_of(zone, start, duration, hour, minute),
        })
        .collect();
    Some(Invariant::ScheduledOncePerLocalDay {
        client: client_index?,
        client_name: client.to_string(),
        at: format!("{hour:02}:{minute:02}"),
        start,
        customers,
    })
}

/// `HH:MM` (or `H:MM`) as hours 0–23 and minutes 0–59.
fn local_time(text: &str) -> Option<(u8, u8)> {
    let (hours, minutes) = text.trim().split_once(':')?;
    let digits = |s: &str, max: u8| {
        let ok = (1..=2).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| s.parse::<u8>().ok()).flatten().filter(|n| *n <= max)
    };
    (minutes.len() == 2).then_some(())?;
    Some((digits(hours, 23)?, digits(minutes, 59)?))
}

/// The local days in `zone` that overlap the run, each due when a daily `minute hour * * *`
/// schedule there fires on it, if that is within the run. The run includes its end instant,
/// as the engine does (an event at exactly the end still happens).
fn days_of(
    zone: &Zone,
    start: Timestamp,
    duration: SimDuration,
    hour: u8,
    minute: u8,
) -> Vec<LocalDayTarget> {
    let end = instant_at(start, SimTime::ZERO + duration);
    // Two days past the end, so that the last day of the run has a next day: its end.
    let beyond = instant_at(start, SimTime::ZERO + duration + SimDuration::from_secs(2 * 86_400));
    let days = zone.days(start, beyond);
    let daily = Cron::parse(&format!("{minute} {hour} * * *")).ok();
    let schedule = daily.map(|cron| Schedule { cron, zone: zone.clone() });
    let since_start = |t: Timestamp| {
        let ns = (t.as_nanosecond() - start.as_nanosecond()).max(0);
        SimTime::from_nanos(u64::try_from(ns).unwrap_or(u64::MAX))
    };
    let mut targets = Vec::new();
    for (i, day) in days.iter().enumerate().take_while(|(_, d)| d.begins <= end) {
        let next = days.get(i + 1).map(|d| d.begins);
        let just_before = Timestamp::from_nanosecond(day.begins.as_nanosecond() - 1).ok();
        let due = schedule
            .as_ref()
            .zip(just_before)
            .and_then(|(s, t)| s.next_after(t))
            .filter(|t| next.is_none_or(|n| *t < n) && *t >= start && *t <= end);
        targets.push(LocalDayTarget {
            date: day.date.clone(),
            begins: since_start(day.begins),
            due: due.map(since_start),
        });
    }
    targets
}

#[cfg(test)]
mod tests {
    use super::super::testing::{API, refused, scenario, valid};
    use super::*;

    const CUSTOMERS: &str =
        r#"customers: { "new-york": (zone: "America/New_York"), "tokyo": (zone: "Asia/Tokyo") }"#;

    fn billing(schedule: &str) -> String {
        format!(r#""billing": (target: "api", schedule: ({schedule}))"#)
    }

    fn with(schedule: &str, invariant: &str, rest: &str) -> String {
        let text = scenario(API, &billing(schedule), &format!("invariants: [{invariant}], {rest}"));
        text.replace("duration: \"60s\"", "duration: \"48h\"")
    }

    fn hours(h: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(h * 3_600)
    }

    /// From 12:00 UTC on 7 March 2026 for 48 h. New York (EST, −5, until 02:00 on the 8th; EDT
    /// after) has its 7th (begun before the run; 09:00 EST = 14:00 UTC, 2 h in), its 8th (from
    /// 05:00 UTC, 17 h in; 09:00 EDT = 13:00 UTC, 25 h in) and its 9th (from 04:00 UTC on the
    /// 9th, 40 h in; 09:00 = 49 h in, after the end). Tokyo (+9): its 7th began before the run
    /// and its 09:00 (00:00 UTC) too; the 8th from 15:00 UTC on the 7th (3 h in), due at 00:00
    /// UTC on the 8th (12 h in); the 9th from 27 h, due at 36 h; the 10th from 51 h... after the
    /// end, so not watched.
    #[test]
    fn each_customer_gets_its_local_days_and_due_instants() {
        let text = with(
            "cron: \"0 9 * * *\", zone: Customer, for_each: Customers",
            r#"ScheduledOncePerLocalDay(client: "billing", at: "9:00")"#,
            &format!("{CUSTOMERS}, start: \"2026-03-07T12:00:00Z\""),
        );
        let s = valid(&text);
        let Invariant::ScheduledOncePerLocalDay { client, at, customers, .. } = &s.invariants[0]
        else {
            panic!("{:?}", s.invariants)
        };
        assert_eq!((*client, at.as_str()), (0, "09:00"));
        let days = |i: usize| -> Vec<(&str, SimTime, Option<SimTime>)> {
            customers[i].days.iter().map(|d| (d.date.as_str(), d.begins, d.due)).collect()
        };
        assert_eq!(
            days(0),
            [
                ("2026-03-07", hours(0), Some(hours(2))),
                ("2026-03-08", hours(17), Some(hours(25))),
                ("2026-03-09", hours(40), None),
            ]
        );
        assert_eq!(
            days(1),
            [
                ("2026-03-07", hours(0), None),
                ("2026-03-08", hours(3), Some(hours(12))),
                ("2026-03-09", hours(27), Some(hours(36))),
            ]
        );
    }

    /// 02:30 does not exist in New York on 8 March 2026: that day is due at 03:00 EDT (07:00
    /// UTC), when the gap ends, as the schedule fires. From 00:00 UTC on the 8th: 7 h in.
    #[test]
    fn a_target_time_skipped_by_a_gap_is_due_when_the_gap_ends() {
        let text = with(
            "cron: \"30 2 * * *\", zone: Customer, for_each: Customers",
            r#"ScheduledOncePerLocalDay(client: "billing", at: "02:30")"#,
            r#"customers: { "ny": (zone: "America/New_York") }, start: "2026-03-08T00:00:00Z""#,
        );
        let s = valid(&text);
        let Invariant::ScheduledOncePerLocalDay { customers, .. } = &s.invariants[0] else {
            panic!()
        };
        let dues: Vec<Option<SimTime>> = customers[0].days.iter().map(|d| d.due).collect();
        // The 7th (begun before the run; 02:30 EST = 07:30 UTC on the 7th, before it), the 8th,
        // then 02:30 EDT = 06:30 UTC on the 9th (30.5 h in).
        let half = SimDuration::from_secs(1_800);
        assert_eq!(dues, [None, Some(hours(7)), Some(hours(30) + half)]);
    }

    #[test]
    fn a_bad_client_or_time_is_refused_with_help() {
        let each = "cron: \"0 9 * * *\", for_each: Customers";
        let said = refused(&with(
            each,
            r#"ScheduledOncePerLocalDay(client: "biling", at: "9am")"#,
            CUSTOMERS,
        ));
        assert_eq!(
            said,
            [
                "invariants.0.client: unknown client `biling`",
                "invariants.0.at: \"9am\" is not a local time",
            ]
        );
        for bad in ["24:00", "09:60", "09:5", "0900", ":30"] {
            assert_eq!(local_time(bad), None, "{bad}");
        }
        assert_eq!(local_time("23:59"), Some((23, 59)));
        let once = refused(&with(
            "cron: \"0 9 * * *\"",
            r#"ScheduledOncePerLocalDay(client: "billing", at: "09:00")"#,
            CUSTOMERS,
        ));
        assert_eq!(
            once,
            [
                "invariants.0.client: client `billing` does not send for each customer, so its requests name none"
            ]
        );
    }
}
