//! Services: workers, queue capacity, rate limits (`rate_limit`, `drain_rate`) and shedding,
//! and the call graph as a whole; never lets through a call cycle or a request that sets off
//! unbounded work.

use std::collections::{BTreeMap, BTreeSet};

use faultline_model::{RateLimit, ServiceConfig};

use crate::raw::{RateLimitRaw, ScenarioFile, ServiceRaw};
use crate::reach::{call_cycle, work_per_request};

use super::handler::check_handler;
use super::names::Names;
use super::queue::check_queue;
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
    let names = names.services;
    let at = |f: &'static str| ["services", name, f];
    let workers = c.count(&at("workers"), s.workers, 1, 1_000_000);
    let capacity = match s.queue_capacity {
        Some(cap) => c.count(&at("queue_capacity"), cap, 0, i64::from(u32::MAX)).map(Some),
        None => Some(None),
    };
    let steps = check_handler(c, name, s, names);
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
