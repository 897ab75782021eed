//! ScheduledOncePerLocalDay: at end, a scheduled client sent each customer exactly one request
//! on each local calendar day of the run, at a target local time in the customer's own zone (a
//! 09:00 billing job charges everyone at 09:00 their time, once a day, DST included).
//!
//! A violation names the first customer-day that went wrong (a request at the wrong local
//! time, two on one day, or none), in local and UTC time, and then, a line each, the local
//! request times of every customer that went wrong.
//!
//! Knows no time zone rules: validation hands it each customer's local days with the instant
//! the target time falls on (computed by the model's calendar, with the schedule's gap and fold
//! rules); the zones are read only to word a violation. Observing is a binary search over a
//! customer's days and never allocates.

use faultline_engine::{SimDuration, SimTime};
use faultline_model::{Observation, ObservationKind, ObservationKinds, Timestamp, Zone, instant_at};

use super::{Property, RunEnd, Violation};

/// A customer's local days over the run: what the invariant expects of each.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomerDays {
    pub name: String,
    pub zone: Zone,
    /// The local days that overlap the run, in order.
    pub days: Vec<LocalDayTarget>,
}

/// One local day of a customer's and the instant its request is due.
#[derive(Clone, Debug, PartialEq)]
pub struct LocalDayTarget {
    /// `2026-03-08`.
    pub date: String,
    /// The day's first instant in the run: time zero for the day the run starts in.
    pub begins: SimTime,
    /// When the target local time falls on this day, if within the run.
    pub due: Option<SimTime>,
}

/// A request is on time within this much after its due instant: "to the minute".
const ON_TIME: SimDuration = SimDuration::from_secs(60);

/// The requests one customer got on one local day: how many, and the first two (instant,
/// request).
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    count: u32,
    first: Option<(SimTime, u64)>,
    second: Option<(SimTime, u64)>,
}

#[derive(Debug)]
pub struct ScheduledOncePerLocalDay {
    client: usize,
    client_name: String,
    /// The target local time as written, `09:00`.
    at: String,
    /// The instant simulated time zero stands for.
    start: Timestamp,
    customers: Vec<CustomerDays>,
    /// Per customer, per day (as in `customers`).
    tallies: Vec<Vec<Tally>>,
}

/// What went wrong on one customer's day.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Miss {
    /// One request, at the wrong local time (or on a day whose target time is outside the run).
    Wrong,
    /// More than one request.
    Twice,
    /// None at the due instant.
    Never,
}

impl ScheduledOncePerLocalDay {
    pub fn new(
        client: usize,
        client_name: String,
        at: String,
        start: Timestamp,
        customers: Vec<CustomerDays>,
    ) -> Self {
        let tallies = customers.iter().map(|c| vec![Tally::default(); c.days.len()]).collect();
        ScheduledOncePerLocalDay { client, client_name, at, start, customers, tallies }
    }

    /// What went wrong on `customer`'s day `day`, and when it showed.
    fn miss(&self, customer: usize, day: usize) -> Option<(SimTime, Miss)> {
        let tally = self.tallies[customer][day];
        let due = self.customers[customer].days[day].due;
        match (tally.second, tally.first, due) {
            (Some((second, _)), _, _) => Some((second, Miss::Twice)),
            (None, Some((t, _)), Some(due)) if t >= due && t - due < ON_TIME => None,
            (None, Some((t, _)), _) => Some((t, Miss::Wrong)),
            (None, None, Some(due)) => Some((due, Miss::Never)),
            (None, None, None) => None,
        }
    }

    /// The earliest miss of all: (when, customer, day, what).
    fn first_miss(&self) -> Option<(SimTime, usize, usize, Miss)> {
        let mut first: Option<(SimTime, usize, usize, Miss)> = None;
        for (c, customer) in self.customers.iter().enumerate() {
            for day in 0..customer.days.len() {
                if let Some((at, miss)) = self.miss(c, day)
                    && first.is_none_or(|(t, ..)| at < t)
                {
                    first = Some((at, c, day, miss));
                }
            }
        }
        first
    }

    /// `t` on `customer`'s wall clock: (`2026-03-08`, `18:00`).
    fn local(&self, customer: usize, t: SimTime) -> (String, String) {
        self.customers[customer].zone.wall(instant_at(self.start, t))
    }

    /// `t` in UTC: `2026-03-08 17:00 UTC`.
    fn utc(&self, t: SimTime) -> String {
        let (date, time) = match Zone::named("UTC") {
            Some(utc) => utc.wall(instant_at(self.start, t)),
            None => return instant_at(self.start, t).to_string(),
        };
        format!("{date} {time} UTC")
    }

    /// The first miss in words.
    fn describe_miss(&self, c: usize, day: usize, miss: Miss) -> String {
        let customer = &self.customers[c];
        let who = format!("customer `{}` ({})", customer.name, customer.zone.name());
        let target = &customer.days[day];
        let date = &target.date;
        let tally = self.tallies[c][day];
        let due = |t: SimTime| format!("{} local is {}", self.at, self.utc(t));
        match (miss, tally.first, tally.second) {
            (Miss::Twice, Some((a, _)), Some((b, _))) => format!(
                "{who} got {} requests on {date}: at {} and {} local ({}, {}){}",
                tally.count,
                self.local(c, a).1,
                self.local(c, b).1,
                self.utc(a),
                self.utc(b),
                target.due.map(|t| format!("; {}", due(t))).unwrap_or_default()
            ),
            (Miss::Wrong, Some((t, _)), _) => {
                let wanted = match target.due {
                    Some(d) => format!("not at {} ({})", self.at, self.utc(d)),
                    None => format!("and {} that day is outside the run", self.at),
                };
                format!(
                    "{who} got its request at {} local on {date} ({}), {wanted}",
                    self.local(c, t).1,
                    self.utc(t)
                )
            }
            _ => {
                let due = target.due.map(due).unwrap_or_default();
                if day + 1 < customer.days.len() {
                    format!("{who} got no request on {date} ({due})")
                } else {
                    format!("{who} got no request on {date} by the end of the run ({due})")
                }
            }
        }
    }

    /// A line for each customer with a miss, with the local times of its requests day by day:
    /// `` `tokyo` local request times: 03-06 23:00, 03-07 23:00, 03-08 22:00 `` (`none` for a
    /// day that is due but got none); what makes a shift across a DST change visible.
    fn charge_times(&self) -> String {
        let mut customers = Vec::new();
        for (c, customer) in self.customers.iter().enumerate() {
            if (0..customer.days.len()).all(|day| self.miss(c, day).is_none()) {
                continue;
            }
            let mut days = Vec::new();
            for (day, target) in customer.days.iter().enumerate() {
                let tally = self.tallies[c][day];
                let times: Vec<String> = [tally.first, tally.second]
                    .into_iter()
                    .flatten()
                    .map(|(t, _)| self.local(c, t).1)
                    .collect();
                let short = target.date.get(5..).unwrap_or(&target.date);
                match (times.is_empty(), target.due.is_some()) {
                    (false, _) => days.push(format!("{short} {}", times.join(" and "))),
                    (true, true) => days.push(format!("{short} none")),
                    (true, false) => {}
                }
            }
            customers.push(format!("`{}` local request times: {}", customer.name, days.join(", ")));
        }
        customers.join("\n")
    }
}

impl Property for ScheduledOncePerLocalDay {
    fn name(&self) -> &'static str {
        "ScheduledOncePerLocalDay"
    }

    fn describe(&self) -> String {
        format!(
            "`{}` sends each customer one request per local day, at {} their time",
            self.client_name, self.at
        )
    }

    #[inline]
    fn wants() -> ObservationKinds {
        const { ObservationKinds::of(&[ObservationKind::RequestArrived]) }
    }

    #[inline]
    fn observe(&mut self, now: SimTime, what: &Observation) {
        let Observation::RequestArrived { client, request, key } = *what else { return };
        if client != self.client {
            return;
        }
        let Some(customer) = usize::try_from(key).ok().filter(|k| *k < self.customers.len())
        else {
            return;
        };
        let days = &self.customers[customer].days;
        let Some(day) = days.partition_point(|d| d.begins <= now).checked_sub(1) else { return };
        let tally = &mut self.tallies[customer][day];
        tally.count += 1;
        match tally.count {
            1 => tally.first = Some((now, request)),
            2 => tally.second = Some((now, request)),
            _ => {}
        }
    }

    fn verdict(&self, _end: &RunEnd) -> Option<Violation> {
        let (at, c, day, miss) = self.first_miss()?;
        let tally = self.tallies[c][day];
        let request = match miss {
            Miss::Twice => tally.second.map(|(_, r)| r),
            Miss::Wrong => tally.first.map(|(_, r)| r),
            Miss::Never => None,
        };
        let detail = format!(
            "{}\n{}",
            self.describe_miss(c, day, miss),
            self.charge_times()
        );
        Some(Violation { at, request, detail })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::property::testing::{metrics, show, verdict};

    const HOUR: u64 = 3_600;

    fn h(hours: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(hours * HOUR)
    }

    /// Two customers over a run of two days from 00:00 UTC on 7 March 2026, due at 09:00 their
    /// time: `tokyo` (UTC+9; its days begin at 15:00 UTC the day before, 09:00 is 00:00 UTC)
    /// and `london` (UTC in March; 09:00 is 09:00 UTC).
    fn property() -> ScheduledOncePerLocalDay {
        let day = |date: &str, begins: SimTime, due: Option<SimTime>| LocalDayTarget {
            date: date.into(),
            begins,
            due,
        };
        let tokyo = CustomerDays {
            name: "tokyo".into(),
            zone: Zone::named("Asia/Tokyo").expect("bundled"),
            days: vec![
                day("2026-03-07", h(0), Some(h(0))),
                day("2026-03-08", h(15), Some(h(24))),
                day("2026-03-09", h(39), None),
            ],
        };
        let london = CustomerDays {
            name: "london".into(),
            zone: Zone::named("Europe/London").expect("bundled"),
            days: vec![day("2026-03-07", h(0), Some(h(9))), day("2026-03-08", h(24), Some(h(33)))],
        };
        let start: Timestamp = "2026-03-07T00:00:00Z".parse().expect("instant");
        ScheduledOncePerLocalDay::new(0, "billing".into(), "09:00".into(), start, vec![tokyo, london])
    }

    fn charge(p: &mut ScheduledOncePerLocalDay, at: SimTime, request: u64, customer: u64) {
        show(p, at, Observation::RequestArrived { client: 0, request, key: customer });
    }

    /// Everyone charged at 09:00 their time, within the minute; another client's requests
    /// are not counted.
    fn on_time(p: &mut ScheduledOncePerLocalDay) {
        charge(p, h(0), 1, 0);
        charge(p, h(9) + SimDuration::from_secs(59), 2, 1);
        charge(p, h(24), 3, 0);
        charge(p, h(33), 4, 1);
        show(p, h(5), Observation::RequestArrived { client: 1, request: 9, key: 0 });
    }

    #[test]
    fn holds_when_each_customer_is_charged_once_a_day_at_the_local_time() {
        let mut p = property();
        on_time(&mut p);
        assert_eq!(verdict(&p, &metrics()), None);
        assert_eq!(
            p.describe(),
            "`billing` sends each customer one request per local day, at 09:00 their time"
        );
    }

    /// London charged at 14:00 UTC on the 7th instead of 09:00: the charge's local and UTC
    /// times are named, and each customer's charge times listed.
    #[test]
    fn a_charge_at_the_wrong_local_time_is_named_with_both_instants() {
        let mut p = property();
        charge(&mut p, h(0), 1, 0);
        charge(&mut p, h(14), 2, 1);
        charge(&mut p, h(24), 3, 0);
        charge(&mut p, h(33), 4, 1);
        let v = verdict(&p, &metrics()).expect("violated");
        assert_eq!((v.at, v.request), (h(14), Some(2)));
        assert_eq!(
            v.detail,
            "customer `london` (Europe/London) got its request at 14:00 local on 2026-03-07 \
             (2026-03-07 14:00 UTC), not at 09:00 (2026-03-07 09:00 UTC)\n\
             `london` local request times: 03-07 14:00, 03-08 09:00"
        );
        // A minute late is late.
        let mut p = property();
        charge(&mut p, h(0), 1, 0);
        charge(&mut p, h(9) + SimDuration::from_secs(60), 2, 1);
        let v = verdict(&p, &metrics()).expect("violated");
        assert_eq!(v.at, h(9) + SimDuration::from_secs(60));
        assert!(v.detail.contains("got its request at 09:01 local on 2026-03-07"), "{}", v.detail);
    }

    /// Tokyo charged twice on its 8 March (at 00:00 and at 09:00 UTC, 09:00 and 18:00 local).
    #[test]
    fn a_second_charge_on_one_local_day_is_a_violation_at_the_second() {
        let mut p = property();
        on_time(&mut p);
        charge(&mut p, h(33), 5, 0);
        let v = verdict(&p, &metrics()).expect("violated");
        assert_eq!((v.at, v.request), (h(33), Some(5)));
        assert_eq!(
            v.detail,
            "customer `tokyo` (Asia/Tokyo) got 2 requests on 2026-03-08: at 09:00 and 18:00 \
             local (2026-03-08 00:00 UTC, 2026-03-08 09:00 UTC); 09:00 local is 2026-03-08 \
             00:00 UTC\n`tokyo` local request times: 03-07 09:00, 03-08 09:00 and 18:00"
        );
    }

    /// London never charged on the 8th: the violation is at the instant it was due; the last
    /// day of the run is worded as not charged by the end.
    #[test]
    fn a_day_without_its_charge_is_a_violation_at_its_due_instant() {
        let mut p = property();
        charge(&mut p, h(0), 1, 0);
        charge(&mut p, h(9), 2, 1);
        charge(&mut p, h(24), 3, 0);
        let v = verdict(&p, &metrics()).expect("violated");
        assert_eq!((v.at, v.request), (h(33), None));
        assert_eq!(
            v.detail,
            "customer `london` (Europe/London) got no request on 2026-03-08 by the end of the \
             run (09:00 local is 2026-03-08 09:00 UTC)\n\
             `london` local request times: 03-07 09:00, 03-08 none"
        );
        let mut p = property();
        charge(&mut p, h(24), 3, 0);
        let v = verdict(&p, &metrics()).expect("violated");
        assert_eq!(v.at, h(0));
        assert!(v.detail.starts_with("customer `tokyo` (Asia/Tokyo) got no request on 2026-03-07"));
    }

    /// A charge on a day whose 09:00 is outside the run (Tokyo's 9 March, from 15:00 UTC on the
    /// 8th; 16:00 UTC is 01:00 there) is at the wrong time.
    #[test]
    fn a_charge_on_a_day_with_nothing_due_is_at_the_wrong_time() {
        let mut p = property();
        on_time(&mut p);
        charge(&mut p, h(40), 5, 0);
        let v = verdict(&p, &metrics()).expect("violated");
        assert_eq!(v.at, h(40));
        assert!(
            v.detail.contains("request at 01:00 local on 2026-03-09 (2026-03-08 16:00 UTC), and 09:00 that day is outside the run"),
            "{}",
            v.detail
        );
    }
}
