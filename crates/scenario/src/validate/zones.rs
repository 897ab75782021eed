//! Time zones: the customers' (`customers: { "tokyo": (zone: "Asia/Tokyo") }`, numbered from 0
//! in name order), a client node's own `zone` (the server's zone, UTC when left out), and the
//! check every zone name gets. Never accepts a zone missing from the bundled time zone
//! database, or more than [`MAX_CUSTOMERS`] customers.

use faultline_model::Zone;

use crate::error::did_you_mean;
use crate::raw::{ClientRaw, ScenarioFile};

use super::Checker;

/// Customers a scenario may have: each is watched day by day, and a schedule per customer is
/// a timer per customer.
pub(super) const MAX_CUSTOMERS: usize = 100_000;

/// A customer's name and zone; customer `i` is the `i`-th in name order.
pub(super) type Customer = (String, Zone);

/// The zone called `name` in the bundled database, or a problem at `at` with the closest name.
pub(super) fn check_zone(c: &mut Checker, at: &[&str], name: &str) -> Option<Zone> {
    let zone = Zone::named(name.trim());
    if zone.is_none() {
        let names = Zone::names();
        let help = did_you_mean(name, names.iter().map(String::as_str)).or_else(|| {
            Some("zones are IANA names from the tz database, like \"Europe/London\"".into())
        });
        c.report(at, format!("unknown time zone `{name}`"), help);
    }
    zone
}

/// The scenario's customers, in name order (an empty list when it has none).
pub(super) fn check_customers(c: &mut Checker, raw: &ScenarioFile) -> Option<Vec<Customer>> {
    if raw.customers.len() > MAX_CUSTOMERS {
        c.report(
            &["customers"],
            format!("{} customers; a scenario has at most {MAX_CUSTOMERS}", raw.customers.len()),
            None,
        );
        return None;
    }
    let checked: Vec<Option<Customer>> = raw
        .customers
        .iter()
        .map(|(name, customer)| {
            let zone = check_zone(c, &["customers", name, "zone"], &customer.zone)?;
            Some((name.clone(), zone))
        })
        .collect();
    checked.into_iter().collect()
}

/// The zone of client `name`'s node: its `zone`, or UTC.
pub(super) fn check_node_zone(c: &mut Checker, name: &str, raw: &ClientRaw) -> Option<Zone> {
    match &raw.zone {
        Some(zone) => check_zone(c, &["clients", name, "zone"], zone),
        None => Zone::named("UTC"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{API, first_help, refused, scenario, valid};

    const DAILY: &str = r#""billing": (target: "api", schedule: (cron: "0 9 * * *"))"#;

    #[test]
    fn customers_are_numbered_in_name_order_with_their_zones() {
        let customers =
            r#"customers: { "tokyo": (zone: "Asia/Tokyo"), "london": (zone: "Europe/London") }"#;
        let text = scenario(
            API,
            r#""billing": (target: "api", schedule: (cron: "0 9 * * *", zone: Customer, for_each: Customers))"#,
            customers,
        );
        let s = valid(&text);
        let zones: Vec<&str> = match &s.world.clients[0].for_each {
            faultline_model::ForEach::CustomersInTheirZones { zones } => {
                zones.iter().map(|z| z.name()).collect()
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(zones, ["Europe/London", "Asia/Tokyo"]);
    }

    #[test]
    fn an_unknown_customer_zone_gets_the_closest_name() {
        let text = scenario(API, DAILY, r#"customers: { "tokyo": (zone: "Asia/Tokio") }"#);
        assert_eq!(refused(&text), ["customers.tokyo.zone: unknown time zone `Asia/Tokio`"]);
        assert_eq!(first_help(&text).as_deref(), Some("did you mean `Asia/Tokyo`?"));
    }

    /// A client's own zone is its schedule's when the schedule names none, UTC otherwise.
    #[test]
    fn a_client_zone_is_its_schedules_default() {
        let in_new_york = r#""billing": (target: "api", zone: "America/New_York", schedule: (cron: "0 9 * * *"))"#;
        let s = valid(&scenario(API, in_new_york, ""));
        let zone = |s: &crate::Scenario| {
            s.world.clients[0].schedule.as_ref().map(|x| x.zone.name().to_string())
        };
        assert_eq!(zone(&s).as_deref(), Some("America/New_York"));
        assert_eq!(zone(&valid(&scenario(API, DAILY, ""))).as_deref(), Some("UTC"));
        let bad = r#""billing": (target: "api", zone: "America/NewYork", rate: "1/s")"#;
        let text = scenario(API, bad, "");
        assert_eq!(refused(&text), ["clients.billing.zone: unknown time zone `America/NewYork`"]);
        assert_eq!(first_help(&text).as_deref(), Some("did you mean `America/New_York`?"));
    }
}
