//! Services: workers, queue capacity, rate limits (`rate_limit`, `drain_rate`) and shedding,
//! and the call graph as a whole; never lets through a call cycle, or a request that sets off
//! more than a million calls and sub-tasks.

use std::collections::{BTreeMap, BTreeSet};

use faultline_model::{RateLimit, ServiceConfig, Zone};

use crate::raw::{RateLimitRaw, ScenarioFile, ServiceRaw};
use crate::reach::{call_cycle, work_per_request};

use super::handler::check_handler;
use super::names::Names;
use super::queue::check_queue;
use super::zones::check_zone;
use super::{Checker, optional};

/// Calls and sub-tasks one client request may set off, all layers down.
const MAX_WORK_PER_REQUEST: u64 = 1_000_000;

pub(super) fn check_services(
    c: &mut Checker,
    raw: &ScenarioFile,
    names: &Names,
) -> Option<Vec<ServiceConfig>> {
    if raw.services.is_empty() {
        c.report(
            &["services"],
            "the scenario has no services",
            Some("add one under `services: { \"name\": (...) }`".into()),
        );
        return None;
    }
    let checked: Vec<Option<ServiceConfig>> =
        raw.services.iter().map(|(name, s)| check_service(c, name, s, names)).collect();
    let acyclic = raw.services.keys().all(|name| check_no_call_cycle(c, raw, name));
    let bounded = acyclic && check_work_per_request(c, raw);
    checked.into_iter().collect::<Option<_>>().filter(|_| acyclic && bounded)
}

/// Nested fan-outs multiply: `Fanout(count: 1000, [Fanout(count: 1000, ...)])` is a million
/// sub-tasks per request, and calls refused at once all happen within one event, which the
/// event limit does not see. A request that sets off more than [`MAX_WORK_PER_REQUEST`] is
/// refused at the handler of the service it enters, once per service.
fn check_work_per_request(c: &mut Checker, raw: &ScenarioFile) -> bool {
    let mut memo = BTreeMap::new();
    let entries: BTreeSet<&str> =
        raw.clients.values().map(|client| client.target.as_str()).collect();
    let mut bounded = true;
    for service in entries.into_iter().filter(|s| raw.services.contains_key(*s)) {
        let work = work_per_request(raw, service, &mut memo);
        if work > MAX_WORK_PER_REQUEST {
            bounded = false;
            c.report(
                &["services", service, "steps"],
                format!(
                    "one request to service `{service}` sets off {} calls and sub-tasks, all \
                     layers down; at most {} are allowed",
                    work, MAX_WORK_PER_REQUEST
                ),
                Some("nested `Fanout` counts multiply: lower one of them".into()),
            );
        }
    }
    bounded
}

/// Handlers call unconditionally, so a request entering a call cycle calls without end (as
/// deep as the workers allow, all at one instant). Each cycle is reported once, at its service
/// first in name order.
fn check_no_call_cycle(c: &mut Checker, raw: &ScenarioFile, service: &str) -> bool {
    let Some(path) = call_cycle(raw, service) else { return true };
    if path.iter().all(|other| service <= *other) {
        let path: Vec<String> = path.iter().map(|s| format!("`{s}`")).collect();
        c.report(
            &["services", service, "steps"],
            format!(
                "service `{service}` calls itself ({}); every request would call without end",
                path.join(" → ")
            ),
            Some("a handler cannot call back into its own service; use `Fanout` for sub-tasks on the same workers".into()),
        );
    }
    false
}

fn check_service(
    c: &mut Checker,
    name: &str,
    s: &ServiceRaw,
    names: &Names,
) -> Option<ServiceConfig> {
    let (discipline, ageing) = check_queue(c, name, s.queue.as_ref(), names)?;
    let all_names = names;
    let at = |f: &'static str| ["services", name, f];
    let workers = c.count(&at("workers"), s.workers, 1, 1_000_000);
    let capacity = match s.queue_capacity {
        Some(cap) => c.count(&at("queue_capacity"), cap, 0, i64::from(u32::MAX)).map(Some),
        None => Some(None),
    };
    let zone = match &s.zone {
        Some(zone) => check_zone(c, &at("zone"), zone),
        None => Zone::named("UTC"),
    };
    let steps = check_handler(c, name, s, all_names, zone.as_ref());
    if let Some(steps) = &steps {
        super::effects::check_one_table(c, name, steps);
    }
    super::register::check_register_placement(c, name, s);
    super::database::check_database_placement(c, name, s);
    let rate_limit = check_rate_limit(c, &["services", name, "rate_limit"], s.rate_limit.as_ref());
    let drain_rate = check_rate_limit(c, &["services", name, "drain_rate"], s.drain_rate.as_ref());
    let shed_after =
        optional(s.shed_after.as_deref(), |text| c.positive_duration(&at("shed_after"), text));
    Some(ServiceConfig {
        hold_while_open: s.hold_while_open,
        drain_rate: drain_rate?,
        discipline,
        ageing,
        name: name.to_string(),
        workers: workers?,
        queue_capacity: capacity?,
        steps: steps?,
        rate_limit: rate_limit?,
        shed_after: shed_after?,
    })
}

/// A token bucket's rate and burst; `Some(None)` when absent.
fn check_rate_limit(
    c: &mut Checker,
    at: &[&str],
    raw: Option<&RateLimitRaw>,
) -> Option<Option<RateLimit>> {
    let Some(limit) = raw else { return Some(None) };
    let field = |f: &'static str| [at, &[f]].concat();
    let rate = c.rate(&field("rate"), &limit.rate);
    let burst = c.count(&field("burst"), limit.burst, 1, i64::from(u32::MAX));
    if rate.is_some_and(|r| r <= 0.0) {
        c.report(&field("rate"), "a rate limit must be above zero", None);
        return None;
    }
    Some(Some(RateLimit { rate: rate?, burst: burst? }))
}

#[cfg(test)]
mod tests {
    use faultline_engine::SimDuration;
    use faultline_model::{Discipline, Dist, Step};

    use super::super::testing::{API, WEB, first_help, refused, scenario, valid};
    use super::*;

    /// Service `api` with `fields` (and a handler of one 10 ms step, unless they give one).
    fn api(fields: &str) -> String {
        let handler = if fields.contains("steps") { "" } else { "service_time: Const(\"10ms\")," };
        format!("\"api\": (workers: 2, {handler} {fields})")
    }

    #[test]
    fn a_service_becomes_its_config() {
        let fields = r#"workers: 3, queue_capacity: 10, contention: "1ms", shed_after: "2s",
            hold_while_open: true"#;
        let text =
            scenario(&format!("\"api\": ({fields}, service_time: Const(\"10ms\"))"), WEB, "");
        let expected = ServiceConfig {
            name: "api".into(),
            workers: 3,
            queue_capacity: Some(10),
            steps: vec![Step::Work {
                time: Dist::Const { secs: 0.01 },
                contention: SimDuration::from_millis(1),
            }],
            rate_limit: None,
            discipline: Discipline::Fifo,
            hold_while_open: true,
            drain_rate: None,
            ageing: None,
            shed_after: Some(SimDuration::from_secs(2)),
        };
        assert_eq!(valid(&text).world.services, [expected]);
    }

    #[test]
    fn a_scenario_without_services_is_refused() {
        let text = scenario("", WEB, "");
        assert_eq!(
            refused(&text),
            ["services: the scenario has no services", "clients.web.target: unknown service `api`"]
        );
        assert!(first_help(&text).is_some_and(|h| h.contains("services: {")));
    }

    #[test]
    fn workers_queue_capacity_and_shedding_are_checked_in_range() {
        let text = scenario(&api("workers: -3, queue_capacity: -1, shed_after: \"0s\""), WEB, "");
        assert_eq!(
            refused(&text.replace("workers: 2, ", "")),
            [
                "services.api.workers: `services.api.workers` is -3; it must be between 1 and \
                 1000000",
                "services.api.queue_capacity: `services.api.queue_capacity` is -1; it must be \
                 between 0 and 4294967295",
                "services.api.shed_after: `services.api.shed_after` must be longer than zero",
            ]
        );
    }

    #[test]
    fn rate_limits_need_a_rate_above_zero_and_a_burst_of_one_or_more() {
        let limits =
            r#"rate_limit: (rate: "100/s", burst: 5), drain_rate: (rate: "2/s", burst: 1)"#;
        let s = valid(&scenario(&api(limits), WEB, ""));
        let service = &s.world.services[0];
        assert_eq!(service.rate_limit, Some(RateLimit { rate: 100.0, burst: 5 }));
        assert_eq!(service.drain_rate, Some(RateLimit { rate: 2.0, burst: 1 }));
        let zero = r#"rate_limit: (rate: "0/s", burst: 0), drain_rate: (rate: "fast", burst: 1)"#;
        let said = refused(&scenario(&api(zero), WEB, ""));
        assert_eq!(
            said[..2],
            [
                "services.api.rate_limit.burst: `services.api.rate_limit.burst` is 0; it must \
                 be between 1 and 4294967295",
                "services.api.rate_limit.rate: a rate limit must be above zero",
            ]
        );
        assert!(said[2].starts_with("services.api.drain_rate.rate: \"fast\" is not a rate"));
        assert_eq!(said.len(), 3);
    }

    #[test]
    fn a_call_cycle_is_reported_once_at_its_first_service() {
        let services = r#""api": (workers: 1, steps: [Call(to: "db")]),
            "db": (workers: 1, steps: [Work(time: Const("1ms")), Call(to: "api")])"#;
        let text = scenario(services, WEB, "");
        assert_eq!(
            refused(&text),
            ["services.api.steps: service `api` calls itself (`api` → `db` → `api`); every \
                 request would call without end"]
        );
        assert!(first_help(&text).is_some_and(|h| h.contains("use `Fanout`")));
    }

    #[test]
    fn nested_fanouts_that_multiply_past_the_limit_are_refused_at_the_entry_service() {
        let nested = |inner: u32| {
            let services = format!(
                "\"api\": (workers: 1, steps: [Fanout(count: 1000, steps: \
                 [Fanout(count: {inner}, steps: [Call(to: \"db\")])])]), {}",
                API.replace("api", "db")
            );
            scenario(&services, WEB, "")
        };
        // 1000 sub-tasks, each setting off `inner` sub-tasks that make one call apiece.
        valid(&nested(499));
        assert_eq!(
            refused(&nested(500)),
            ["services.api.steps: one request to service `api` sets off 1001000 calls and \
                 sub-tasks, all layers down; at most 1000000 are allowed"]
        );
    }
}
