//! Calendars: a client's `schedule: (cron: ..., zone: ...)` and the run's `start`, the UTC
//! instant simulated time zero stands for. Never accepts a cron expression that is not five
//! valid fields, a zone missing from the bundled time zone database, or a start that is not an
//! instant with its offset.

use faultline_model::{Cron, Schedule, Timestamp, Zone};

use crate::error::did_you_mean;
use crate::raw::ScheduleRaw;

use super::Checker;

/// The start of the run, the Unix epoch when left out.
pub(super) fn check_start(c: &mut Checker, text: Option<&str>) -> Option<Timestamp> {
    let Some(text) = text else {
        return Some(Timestamp::UNIX_EPOCH);
    };
    let start = text.trim().parse::<Timestamp>().ok();
    if start.is_none() {
        c.report(
            &["start"],
            format!("\"{text}\" is not a UTC instant"),
            Some("write it like \"2026-03-07T12:00:00Z\"".into()),
        );
    }
    start
}

/// Client `client`'s schedule, at `clients.NAME.schedule`.
pub(super) fn check_schedule(c: &mut Checker, client: &str, raw: &ScheduleRaw) -> Option<Schedule> {
    let cron = Cron::parse(&raw.cron)
        .map_err(|e| c.report(&["clients", client, "schedule", "cron"], e.to_string(), None))
        .ok();
    let zone = Zone::named(raw.zone.trim());
    if zone.is_none() {
        let names = Zone::names();
        let help = did_you_mean(&raw.zone, names.iter().map(String::as_str)).or_else(|| {
            Some("zones are IANA names from the tz database, like \"Europe/London\"".into())
        });
        c.report(
            &["clients", client, "schedule", "zone"],
            format!("unknown time zone `{}`", raw.zone),
            help,
        );
    }
    Some(Schedule { cron: cron?, zone: zone? })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{API, check, first_help, raw, refused, scenario, valid};
    use super::*;

    fn schedule(cron: &str, zone: &str) -> (Option<Schedule>, Vec<String>) {
        let text = format!("(cron: \"{cron}\", zone: \"{zone}\")");
        check(|c| check_schedule(c, "web", &raw::<ScheduleRaw>(&text)))
    }

    /// A scenario whose client `web` has these fields besides its target.
    fn web(fields: &str, rest: &str) -> String {
        scenario(API, &format!("\"web\": (target: \"api\", {fields})"), rest)
    }

    #[test]
    fn a_schedule_becomes_its_cron_in_its_zone() {
        let (s, said) = schedule("0 9 * * 1-5", "America/New_York");
        assert!(said.is_empty(), "{said:?}");
        let s = s.expect("valid");
        assert_eq!(s.zone.name(), "America/New_York");
        assert_eq!(s.cron, Cron::parse("0 9 * * 1-5").expect("valid"));
    }

    #[test]
    fn a_bad_cron_is_reported_at_its_field_with_its_message() {
        let (s, said) = schedule("0 9 * *", "UTC");
        assert!(s.is_none());
        assert_eq!(said.len(), 1);
        assert!(
            said[0].starts_with("clients.web.schedule.cron: 4 fields; a schedule has 5"),
            "{said:?}"
        );
        let (_, said) = schedule("61 9 * * *", "UTC");
        assert_eq!(said, ["clients.web.schedule.cron: minute field: 61 is outside 0-59"]);
    }

    #[test]
    fn an_unknown_zone_gets_the_closest_name() {
        let (s, said) = schedule("0 9 * * *", "America/New_Yrok");
        assert!(s.is_none());
        assert_eq!(said, ["clients.web.schedule.zone: unknown time zone `America/New_Yrok`"]);
        let text = web(r#"schedule: (cron: "0 9 * * *", zone: "America/New_Yrok")"#, "");
        assert_eq!(first_help(&text).as_deref(), Some("did you mean `America/New_York`?"));
        let text = web(r#"schedule: (cron: "0 9 * * *", zone: "Nowhere")"#, "");
        assert!(first_help(&text).is_some_and(|h| h.contains("IANA")));
    }

    #[test]
    fn both_a_bad_cron_and_a_bad_zone_are_reported() {
        let (_, said) = schedule("x", "Mars/Olympus");
        assert_eq!(said.len(), 2, "{said:?}");
    }

    #[test]
    fn the_start_is_a_utc_instant_and_defaults_to_the_epoch() {
        let s = valid(&web(r#"rate: "1/s""#, ""));
        assert_eq!(s.world.start, Timestamp::UNIX_EPOCH);
        let s = valid(&web(r#"rate: "1/s""#, r#"start: "2026-03-07T12:00:00Z""#));
        assert_eq!(s.world.start.to_string(), "2026-03-07T12:00:00Z");
        assert_eq!(
            refused(&web(r#"rate: "1/s""#, r#"start: "7 March""#)),
            ["start: \"7 March\" is not a UTC instant"]
        );
    }

    #[test]
    fn a_client_has_exactly_one_of_rate_and_schedule() {
        let s = valid(&web(r#"schedule: (cron: "0 9 * * *", zone: "Europe/London")"#, ""));
        let client = &s.world.clients[0];
        assert_eq!(client.schedule.as_ref().map(|s| s.zone.name()), Some("Europe/London"));
        let neither = refused(&web("", ""));
        assert_eq!(neither.len(), 1);
        assert!(neither[0].starts_with("clients.web: client `web` has neither"), "{neither:?}");
        let both = web(r#"rate: "1/s", schedule: (cron: "0 9 * * *", zone: "UTC")"#, "");
        let said = refused(&both);
        assert_eq!(said.len(), 1);
        assert!(said[0].starts_with("clients.web.schedule: client `web` has both"), "{said:?}");
    }

    #[test]
    fn a_scheduled_client_takes_no_load_shape() {
        let text = web(
            r#"schedule: (cron: "0 9 * * *", zone: "UTC"), shape: Step(at: "5s", to: "2/s")"#,
            "",
        );
        let said = refused(&text);
        assert_eq!(said.len(), 1);
        assert!(said[0].starts_with("clients.web.shape: "), "{said:?}");
    }
}
