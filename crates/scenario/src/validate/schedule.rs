//! Calendars: a client's `schedule: (cron: ..., zone: ..., for_each: Customers)`, a `Wait`
//! step's schedule, and the run's `start`, the UTC instant simulated time zero stands for. Never accepts a cron expression that
//! is not five valid fields, a zone missing from the bundled time zone database, a schedule in
//! each customer's zone that is not for each customer, or a start that is not an instant with
//! its offset.

use faultline_model::{Cron, ForEach, Schedule, Timestamp, Zone};

use crate::error::did_you_mean;
use crate::raw::{ForEachRaw, ScheduleRaw};

use super::Checker;
use super::zones::{Customer, check_zone};

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

/// Client `client`'s schedule, at `clients.NAME.schedule`, and whom its firings are for: its
/// zone is the one it names, each customer's (`Customer`), or else `node_zone`, the client's.
pub(super) fn check_schedule(
    c: &mut Checker,
    client: &str,
    raw: &ScheduleRaw,
    node_zone: Option<&Zone>,
    customers: &[Customer],
) -> Option<(Schedule, ForEach)> {
    let at = |field: &'static str| ["clients", client, "schedule", field];
    let cron = Cron::parse(&raw.cron).map_err(|e| c.report(&at("cron"), e.to_string(), None)).ok();
    let zone = match &raw.zone {
        Some(text) => check_zone_choice(c, &at("zone"), text.get_ron()),
        None => node_zone.cloned().map(ZoneChoice::Named),
    };
    if raw.for_each.is_some() && customers.is_empty() {
        c.report(
            &at("for_each"),
            format!("client `{client}` sends for each customer, but the scenario has no customers"),
            Some("add `customers: { \"tokyo\": (zone: \"Asia/Tokyo\") }`".into()),
        );
        return None;
    }
    let for_each = match (zone?, raw.for_each) {
        (ZoneChoice::Named(zone), None) => (zone, ForEach::Once),
        (ZoneChoice::Named(zone), Some(ForEachRaw::Customers)) => {
            let count = u32::try_from(customers.len()).ok()?;
            (zone, ForEach::Customers { count })
        }
        (ZoneChoice::Customer, Some(ForEachRaw::Customers)) => {
            let zones = customers.iter().map(|(_, zone)| zone.clone()).collect();
            (node_zone?.clone(), ForEach::CustomersInTheirZones { zones })
        }
        (ZoneChoice::Customer, None) => {
            c.report(
                &at("zone"),
                "`Customer` is each customer's own zone, but the schedule is not for each customer",
                Some("add `for_each: Customers` to the schedule".into()),
            );
            return None;
        }
    };
    let (zone, for_each) = for_each;
    Some((Schedule { cron: cron?, zone }, for_each))
}

/// The schedule of a `Wait` step at path `at`: its cron, in the zone it names or else the
/// service's `node_zone`; a step is not for customers, so neither `for_each` nor `Customer`.
pub(super) fn check_step_schedule(
    c: &mut Checker,
    at: &[&str],
    raw: &ScheduleRaw,
    node_zone: Option<&Zone>,
) -> Option<Schedule> {
    let field = |f: &'static str| [at, &[f]].concat();
    let cron = Cron::parse(&raw.cron).map_err(|e| c.report(&field("cron"), e.to_string(), None));
    if raw.for_each.is_some() {
        c.report(
            &field("for_each"),
            "a `Wait` step waits once per request; it does not fire for each customer",
            Some("remove `for_each`; a client's schedule can send for each customer".into()),
        );
    }
    let zone = match &raw.zone {
        Some(text) => match check_zone_choice(c, &field("zone"), text.get_ron())? {
            ZoneChoice::Named(zone) => Some(zone),
            ZoneChoice::Customer => {
                c.report(
                    &field("zone"),
                    "a `Wait` step has no customer whose zone it could read",
                    Some("name a zone, or leave `zone` out for the service's own".into()),
                );
                None
            }
        },
        None => node_zone.cloned(),
    };
    if raw.for_each.is_some() {
        return None;
    }
    Some(Schedule { cron: cron.ok()?, zone: zone? })
}

/// Where a schedule reads its cron: a named zone, or each customer's.
enum ZoneChoice {
    Named(Zone),
    Customer,
}

/// A schedule's `zone` as written: a zone name in quotes (or bare, as `--set` may give it),
/// or `Customer`.
fn check_zone_choice(c: &mut Checker, at: &[&str], text: &str) -> Option<ZoneChoice> {
    let text = text.trim();
    if text == "Customer" {
        return Some(ZoneChoice::Customer);
    }
    let quoted = text.starts_with('"') || text.starts_with("r\"") || text.starts_with("r#");
    let name = if quoted { ron::from_str::<String>(text).ok() } else { Some(text.to_string()) };
    let Some(name) =
        name.filter(|n| quoted || n.chars().all(|ch| ch.is_alphanumeric() || "_/-+".contains(ch)))
    else {
        c.report(
            at,
            format!("`{text}` is not a time zone"),
            Some("write a zone name in quotes, like \"Europe/London\", or `Customer` for each customer's own zone".into()),
        );
        return None;
    };
    if !quoted && let Some(help) = did_you_mean(&name, ["Customer"]) {
        c.report(at, format!("unknown time zone `{name}`"), Some(help));
        return None;
    }
    check_zone(c, at, &name).map(ZoneChoice::Named)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{API, check, first_help, raw, refused, scenario, valid};
    use super::*;
    use faultline_model::Step;

    fn schedule(cron: &str, zone: &str) -> (Option<Schedule>, Vec<String>) {
        let text = format!("(cron: \"{cron}\", zone: \"{zone}\")");
        let utc = Zone::named("UTC");
        let (s, said) =
            check(|c| check_schedule(c, "web", &raw::<ScheduleRaw>(&text), utc.as_ref(), &[]));
        (s.map(|(s, _)| s), said)
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

    const TWO: &str = r#"customers: { "a": (zone: "Asia/Tokyo"), "b": (zone: "Europe/London") }"#;

    #[test]
    fn a_schedule_fires_once_or_for_each_customer_in_a_zone_or_in_theirs() {
        let for_each = |fields: &str| valid(&web(fields, TWO)).world.clients[0].for_each.clone();
        assert_eq!(for_each(r#"schedule: (cron: "0 9 * * *")"#), ForEach::Once);
        let each = for_each(r#"schedule: (cron: "0 9 * * *", zone: UTC, for_each: Customers)"#);
        assert_eq!(each, ForEach::Customers { count: 2 });
        let own = for_each(r#"schedule: (cron: "0 9 * * *", zone: Customer, for_each: Customers)"#);
        let zones = ["Asia/Tokyo", "Europe/London"].map(|z| Zone::named(z).expect("bundled"));
        assert_eq!(own, ForEach::CustomersInTheirZones { zones: zones.to_vec() });
    }

    #[test]
    fn customer_zones_need_customers_and_a_schedule_for_each() {
        let said = refused(&web(r#"schedule: (cron: "0 9 * * *", zone: Customer)"#, TWO));
        assert_eq!(
            said,
            [
                "clients.web.schedule.zone: `Customer` is each customer's own zone, but the schedule is not for each customer"
            ]
        );
        let said = refused(&web(r#"schedule: (cron: "0 9 * * *", for_each: Customers)"#, ""));
        assert_eq!(
            said,
            [
                "clients.web.schedule.for_each: client `web` sends for each customer, but the scenario has no customers"
            ]
        );
        let text = web(r#"schedule: (cron: "0 9 * * *", zone: Custmer, for_each: Customers)"#, TWO);
        assert_eq!(refused(&text), ["clients.web.schedule.zone: unknown time zone `Custmer`"]);
        assert_eq!(first_help(&text).as_deref(), Some("did you mean `Customer`?"));
        let said = refused(&web(r#"schedule: (cron: "0 9 * * *", zone: ["UTC"])"#, TWO));
        assert_eq!(said, ["clients.web.schedule.zone: `[\"UTC\"]` is not a time zone"]);
        let keyed = r#"schedule: (cron: "0 9 * * *", for_each: Customers), key: Uniform(5)"#;
        let said = refused(&web(keyed, TWO));
        assert_eq!(
            said,
            [
                "clients.web.key: client `web` sends for each customer: each request's key is its customer's number"
            ]
        );
    }

    /// A schedule for each of 2 customers counts 2 requests a minute: a 60 s run, 4.
    #[test]
    fn a_schedule_for_each_customer_counts_each_request_against_the_event_limit() {
        let fields = r#"schedule: (cron: "* * * * *", zone: "UTC", for_each: Customers)"#;
        // 2 requests per firing, 2 firings (the minute and its end), 2 events each: 8.
        valid(&web(fields, &format!("{TWO}, limits: (max_events: 8)")));
        let said = refused(&web(fields, &format!("{TWO}, limits: (max_events: 7)")));
        assert!(said[0].starts_with("duration: this load means about 8.000e0 events"), "{said:?}");
    }

    /// Service `api` in `zone` (if any) whose one step waits for `schedule`.
    fn waiting(zone: &str, schedule: &str) -> String {
        let api = format!(r#""api": (workers: 1, {zone} steps: [Wait(schedule: ({schedule}))])"#);
        scenario(&api, r#""web": (target: "api", rate: "1/s")"#, TWO)
    }

    #[test]
    fn a_wait_step_reads_its_schedule_in_the_services_zone_unless_it_names_one() {
        let steps = |text: &str| valid(text).world.services[0].steps.clone();
        let zone_of = |steps: Vec<Step>| match &steps[..] {
            [Step::Wait { schedule }] => schedule.zone.name().to_string(),
            other => panic!("{other:?}"),
        };
        let own = waiting(r#"zone: "America/New_York","#, r#"cron: "0 2 * * *""#);
        assert_eq!(zone_of(steps(&own)), "America/New_York");
        let named =
            waiting(r#"zone: "America/New_York","#, r#"cron: "0 2 * * *", zone: "Asia/Tokyo""#);
        assert_eq!(zone_of(steps(&named)), "Asia/Tokyo");
        assert_eq!(zone_of(steps(&waiting("", r#"cron: "0 2 * * *""#))), "UTC");
    }

    #[test]
    fn a_wait_step_is_not_for_customers() {
        let said = refused(&waiting("", r#"cron: "0 2 * * *", zone: Customer"#));
        assert_eq!(
            said,
            [
                "services.api.steps.0.schedule.zone: a `Wait` step has no customer whose zone it could read"
            ]
        );
        let said = refused(&waiting("", r#"cron: "0 2 * *", for_each: Customers"#));
        assert_eq!(
            said,
            [
                "services.api.steps.0.schedule.cron: 4 fields; a schedule has 5: minute hour \
                 day-of-month month day-of-week (e.g. \"0 9 * * *\")",
                "services.api.steps.0.schedule.for_each: a `Wait` step waits once per request; it \
                 does not fire for each customer",
            ]
        );
        let said = refused(&waiting(r#"zone: "Mars/Base","#, r#"cron: "0 2 * * *""#));
        assert_eq!(said, ["services.api.zone: unknown time zone `Mars/Base`"]);
    }
}
