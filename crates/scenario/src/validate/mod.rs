//! Validation: the raw file becomes a typed [`Scenario`], or every problem found is reported.
//!
//! Problems are collected with the path of the offending value; the caller turns paths into
//! file positions. Checking never stops at the first problem.

use std::collections::{BTreeMap, BTreeSet};

use faultline_check::Invariant;
use faultline_engine::{Limits, SimDuration, SimTime};
use faultline_model::policy::{Backoff, BreakerConfig, CountsAsFailure, Jitter, Window};
use faultline_model::{
    ArrivalProcess, CallConfig, ClientConfig, Discipline, Dist, Fault, FaultKind, LoadShape,
    MAX_CALLS_PER_STEP, MAX_CLASSES, MAX_STEPS, Rate, RateLimit, RetryConfig, RetryOn,
    ServiceConfig, Step, WorldConfig,
};

use crate::Scenario;
use crate::error::{did_you_mean, list};
use crate::raw::{
    ArrivalsRaw, BackoffRaw, BreakerRaw, BreakerWindowRaw, CallRaw, ClientRaw, DistRaw, FaultRaw,
    InvariantRaw, JitterRaw, OutcomeRaw, QueueRaw, RateLimitRaw, RetryRaw, ScenarioFile,
    ServiceRaw, ShapeRaw, StepRaw,
};
use crate::reach::{Reach, call_cycle, classes_reaching, work_per_request};
use crate::units::{parse_duration, parse_rate};

/// Used when a scenario sets no `limits.max_events`.
pub const DEFAULT_MAX_EVENTS: u64 = 500_000_000;
/// Used when a scenario sets no `limits.max_in_flight`.
pub const DEFAULT_MAX_IN_FLIGHT: u64 = 1_000_000;
/// Used when a scenario sets no `limits.max_work_per_instant`.
pub const DEFAULT_MAX_WORK_PER_INSTANT: u64 = Limits::DEFAULT_MAX_WORK_PER_INSTANT;
/// The time series never has more windows than this, so its memory stays small.
pub const MAX_WINDOWS: u64 = 10_000;
/// Windows a run gets when the scenario does not choose a width.
const DEFAULT_WINDOWS: u64 = 200;
/// Events one request causes at the least (its arrival and one piece of work); handlers with
/// several steps, calls and retries cause more, which the event limit still catches at run time.
const EVENTS_PER_REQUEST: f64 = 2.0;

/// A problem at a path in the (patched) scenario.
#[derive(Debug)]
pub struct PathProblem {
    pub path: Vec<String>,
    pub message: String,
    pub help: Option<String>,
}

/// Collects problems while reading values.
#[derive(Debug, Default)]
struct Checker {
    problems: Vec<PathProblem>,
}

fn path(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|p| p.to_string()).collect()
}

impl Checker {
    fn report(&mut self, at: &[&str], message: impl Into<String>, help: Option<String>) {
        self.problems.push(PathProblem { path: path(at), message: message.into(), help });
    }

    fn duration(&mut self, at: &[&str], text: &str) -> Option<SimDuration> {
        parse_duration(text).map_err(|e| self.report(at, e, None)).ok()
    }

    fn positive_duration(&mut self, at: &[&str], text: &str) -> Option<SimDuration> {
        let value = self.duration(at, text)?;
        if value.is_zero() {
            self.report(
                at,
                format!("`{}` must be longer than zero", crate::path::display(at)),
                None,
            );
            return None;
        }
        Some(value)
    }

    fn rate(&mut self, at: &[&str], text: &str) -> Option<f64> {
        parse_rate(text).map_err(|e| self.report(at, e, None)).ok()
    }

    /// `value` as the integer type the model keeps it in, if it lies in `min..=max` (a range
    /// the type holds, so the conversion is checked, never a truncating cast).
    fn count<T: TryFrom<i64>>(&mut self, at: &[&str], value: i64, min: i64, max: i64) -> Option<T> {
        let converted = (min..=max).contains(&value).then(|| T::try_from(value).ok()).flatten();
        if converted.is_none() {
            let what = crate::path::display(at);
            self.report(
                at,
                format!("`{what}` is {value}; it must be between {min} and {max}"),
                None,
            );
        }
        converted
    }
}

/// Checks `raw` and builds the typed scenario, or returns every problem found.
pub fn validate(raw: &ScenarioFile, variant: Option<&str>) -> Result<Scenario, Vec<PathProblem>> {
    let mut c = Checker::default();
    if raw.name.trim().is_empty() {
        c.report(&["name"], "the scenario needs a `name`", None);
    }
    let duration = c.positive_duration(&["duration"], &raw.duration);
    let warmup = match &raw.warmup {
        Some(text) => c.duration(&["warmup"], text),
        None => Some(SimDuration::ZERO),
    };
    if let (Some(d), Some(w)) = (duration, warmup)
        && w >= d
    {
        c.report(
            &["warmup"],
            format!("warm-up ({w}) must be shorter than the duration ({d})"),
            None,
        );
    }
    let service_names: Vec<&str> = raw.services.keys().map(String::as_str).collect();
    let classes = class_names(raw);
    let class_refs: Vec<&str> = classes.iter().map(String::as_str).collect();
    let reach = classes_reaching(raw);
    let names = Names { services: &service_names, classes: &class_refs, reach: &reach };
    let services = check_services(&mut c, raw, &names);
    let faults = check_faults(&mut c, raw, &service_names);
    let clients = check_clients(&mut c, raw, &names);
    let triggers = Triggers::of(clients.as_deref(), faults.as_deref());
    let invariants = check_invariants(&mut c, raw, &names, duration, triggers);
    let limits = check_limits(&mut c, raw);
    let window = duration.and_then(|d| check_window(&mut c, raw, d));
    if let (Some(d), Some(clients), Some(limits)) = (duration, &clients, limits) {
        check_event_budget(&mut c, clients, d, limits.max_events);
    }
    if !c.problems.is_empty() {
        return Err(c.problems);
    }
    let (duration, warmup, window) = (duration.unwrap(), warmup.unwrap(), window.unwrap());
    let RunLimits { max_events, max_in_flight, max_work_per_instant } = limits.unwrap();
    Ok(Scenario {
        name: raw.name.clone(),
        lesson: raw.lesson.clone(),
        seed: raw.seed.unwrap_or(1),
        variant: variant.map(str::to_string),
        variants: raw.variants.iter().map(|(n, v)| (n.clone(), v.description.clone())).collect(),
        duration,
        warmup,
        max_events,
        max_work_per_instant,
        invariants: invariants.unwrap(),
        world: WorldConfig {
            classes,
            fields: Vec::new(),
            clients: clients.unwrap(),
            services: services.unwrap(),
            faults: faults.unwrap(),
            warmup: SimTime::ZERO + warmup,
            end: SimTime::ZERO + duration,
            window,
            max_in_flight,
            network: None,
        },
    })
}

/// Names things can refer to: services and request classes, and which classes reach which
/// service.
struct Names<'a> {
    services: &'a [&'a str],
    classes: &'a [&'a str],
    reach: &'a Reach<'a>,
}

/// Request classes: every class a client names, in name order; `default` for clients naming none.
fn class_names(raw: &ScenarioFile) -> Vec<String> {
    let named = raw.clients.values().map(|c| c.class.clone().unwrap_or_else(|| "default".into()));
    let unique: std::collections::BTreeSet<String> = named.collect();
    if unique.is_empty() { vec!["default".into()] } else { unique.into_iter().collect() }
}

fn check_services(
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

/// Calls and sub-tasks one client request may set off, all layers down.
const MAX_WORK_PER_REQUEST: u64 = 1_000_000;

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

/// The queue discipline, with class names resolved to class indices.
fn check_queue(
    c: &mut Checker,
    service: &str,
    raw: Option<&QueueRaw>,
    names: &Names,
) -> Option<(Discipline, Option<SimDuration>)> {
    let at = ["services", service, "queue"];
    let classes = names.classes;
    let class_index = |c: &mut Checker, name: &str| {
        find_class(c, &at, name, classes).and_then(|i| u8::try_from(i).ok())
    };
    match raw {
        None | Some(QueueRaw::Fifo) => Some((Discipline::Fifo, None)),
        Some(QueueRaw::Priority { order, ageing }) => {
            let complete = check_priority_order(c, service, order, names);
            let order: Vec<Option<u8>> = order.iter().map(|n| class_index(c, n)).collect();
            let ageing = optional(ageing.as_deref(), |t| {
                c.positive_duration(&[&at[..], &["ageing"]].concat(), t)
            });
            let order = order.into_iter().collect::<Option<_>>().filter(|_| complete)?;
            Some((Discipline::Strict { order }, ageing?))
        }
        Some(QueueRaw::WeightedFair { weights }) => {
            let mut per_class = vec![1u32; classes.len()];
            for (name, weight) in weights {
                let index = class_index(c, name);
                let weight = c.count(
                    &[&at[..], &["weights", name.as_str()]].concat(),
                    *weight,
                    1,
                    1_000_000,
                );
                per_class[index? as usize] = weight?;
            }
            Some((Discipline::Weighted { weights: per_class }, None))
        }
    }
}

/// A strict priority order must name each class that reaches the service exactly once: a
/// class left out could never be taken from the queue, so its requests would wait forever
/// while workers sit idle. Returns whether the order is complete and has no repeats.
fn check_priority_order(c: &mut Checker, service: &str, order: &[String], names: &Names) -> bool {
    let at = ["services", service, "queue", "order"];
    let unique = check_no_repeats(c, &at, order);
    let reaching = names.reach.get(service).into_iter().flatten();
    let missing: Vec<(&str, &str)> = reaching
        .filter(|(class, _)| !order.contains(&class.to_string()))
        .map(|(k, v)| (*k, *v))
        .collect();
    let Some(&(class, client)) = missing.first() else { return unique };
    let left_out: Vec<&str> = missing.iter().map(|(class, _)| *class).collect();
    let full: Vec<&str> =
        order.iter().map(String::as_str).chain(left_out.iter().copied()).collect();
    c.report(
        &at,
        format!(
            "the priority order of service `{service}` leaves out {}; requests of class \
             `{class}` (from client `{client}`) could never leave its queue",
            list(&left_out)
        ),
        Some(format!("name every class that reaches `{service}`: `order: {full:?}`")),
    );
    false
}

/// Reports each name that repeats an earlier one; true when there is none.
fn check_no_repeats(c: &mut Checker, at: &[&str], order: &[String]) -> bool {
    let mut unique = true;
    for (i, class) in order.iter().enumerate().filter(|(i, class)| order[..*i].contains(class)) {
        let index = i.to_string();
        let message = format!("class `{class}` is named twice in the priority order");
        c.report(&[at, &[index.as_str()]].concat(), message, None);
        unique = false;
    }
    unique
}

/// `Some(None)` when absent, `Some(Some(v))` when present and valid, `None` when invalid.
fn optional<T>(text: Option<&str>, check: impl FnOnce(&str) -> Option<T>) -> Option<Option<T>> {
    match text {
        Some(text) => check(text).map(Some),
        None => Some(None),
    }
}

/// The handler: explicit `steps`, or one `Work` step from `service_time` (and `contention`).
fn check_handler(c: &mut Checker, name: &str, s: &ServiceRaw, names: &[&str]) -> Option<Vec<Step>> {
    match (&s.service_time, &s.steps) {
        (Some(_), Some(_)) => {
            c.report(
                &["services", name, "steps"],
                format!("service `{name}` has both `service_time` and `steps`"),
                Some("`service_time: X` is short for `steps: [Work(time: X)]`; keep one".into()),
            );
            None
        }
        (None, None) => {
            c.report(
                &["services", name],
                format!("service `{name}` has neither `service_time` nor `steps`"),
                Some("add `service_time: Exp(mean: \"10ms\")` or a list of `steps`".into()),
            );
            None
        }
        (Some(time), None) => {
            let contention = optional(s.contention.as_deref(), |t| {
                c.duration(&["services", name, "contention"], t)
            });
            let time = check_dist(c, &["services", name, "service_time"], time);
            Some(vec![Step::Work {
                time: time?,
                contention: contention?.unwrap_or(SimDuration::ZERO),
            }])
        }
        (None, Some(steps)) => check_steps(c, &["services", name, "steps"], steps, names),
    }
}

/// The steps of a handler or of a fan-out's sub-tasks, listed at path `at`.
fn check_steps(
    c: &mut Checker,
    at: &[&str],
    steps: &[StepRaw],
    names: &[&str],
) -> Option<Vec<Step>> {
    if steps.is_empty() || steps.len() > MAX_STEPS {
        let count = steps.len();
        c.report(at, format!("{count} steps; a handler has 1 to {MAX_STEPS}"), None);
        return None;
    }
    let checked: Vec<Option<Step>> = steps
        .iter()
        .enumerate()
        .map(|(i, step)| check_step(c, &[at, &[i.to_string().as_str()]].concat(), step, names))
        .collect();
    checked.into_iter().collect()
}

/// Checks the step at path `at` (`services.NAME.steps.I`, or deeper inside a fan-out).
fn check_step(c: &mut Checker, at: &[&str], step: &StepRaw, names: &[&str]) -> Option<Step> {
    match step {
        StepRaw::Work { time, contention } => {
            let contention =
                optional(contention.as_deref(), |t| c.duration(&[at, &["contention"]].concat(), t));
            let time = check_dist(c, &[at, &["time"]].concat(), time);
            Some(Step::Work { time: time?, contention: contention?.unwrap_or(SimDuration::ZERO) })
        }
        StepRaw::Call(call) => check_call_raw(c, at, call, names).map(Step::Call),
        StepRaw::Batch { to, max, wait, per_item, timeout } => {
            let field = |f: &'static str| [at, &[f]].concat();
            let spec = CallSpec {
                target: to,
                target_field: "to",
                timeout: timeout.as_deref(),
                retry: None,
                breaker: None,
                cancel_on_timeout: false,
                max_concurrent: None,
                weight: None,
            };
            let call = check_call(c, at, &spec, names);
            let max = c.count(&field("max"), *max, 1, 10_000);
            let wait = c.positive_duration(&field("wait"), wait);
            let per_item = per_item.unwrap_or(1.0);
            if !(per_item.is_finite() && per_item >= 0.0) {
                c.report(
                    &field("per_item"),
                    format!("per_item is {per_item}; it must be zero or more"),
                    None,
                );
                return None;
            }
            Some(Step::Batch { call: call?, max: max?, wait: wait?, per_item })
        }
        StepRaw::Fanout { count, timeout, steps } => {
            let max = MAX_CALLS_PER_STEP as i64;
            let count = c.count(&[at, &["count"]].concat(), *count, 1, max);
            let timeout = optional(timeout.as_deref(), |t| {
                c.positive_duration(&[at, &["timeout"]].concat(), t)
            });
            let steps = check_steps(c, &[at, &["steps"]].concat(), steps, names);
            Some(Step::Fanout { count: count?, timeout: timeout?, steps: steps? })
        }
        StepRaw::Parallel(calls) => {
            if calls.is_empty() || calls.len() > MAX_CALLS_PER_STEP {
                let count = calls.len();
                let message =
                    format!("`Parallel` has {count} calls; it takes 1 to {MAX_CALLS_PER_STEP}");
                c.report(at, message, None);
                return None;
            }
            let checked: Vec<Option<CallConfig>> = calls
                .iter()
                .enumerate()
                .map(|(i, call)| {
                    check_call_raw(c, &[at, &[i.to_string().as_str()]].concat(), call, names)
                })
                .collect();
            checked.into_iter().collect::<Option<Vec<_>>>().map(Step::Parallel)
        }
    }
}

fn check_call_raw(
    c: &mut Checker,
    at: &[&str],
    call: &CallRaw,
    names: &[&str],
) -> Option<CallConfig> {
    let spec = CallSpec {
        target: &call.to,
        target_field: "to",
        timeout: call.timeout.as_deref(),
        retry: call.retry.as_ref(),
        breaker: call.breaker.as_ref(),
        cancel_on_timeout: call.cancel_on_timeout,
        max_concurrent: call.max_concurrent,
        weight: call.weight,
    };
    check_call(c, at, &spec, names)
}

/// The parts of a call, as written on a client or in a `Call` step.
struct CallSpec<'a> {
    target: &'a str,
    target_field: &'static str,
    timeout: Option<&'a str>,
    retry: Option<&'a RetryRaw>,
    breaker: Option<&'a BreakerRaw>,
    cancel_on_timeout: bool,
    max_concurrent: Option<i64>,
    weight: Option<f64>,
}

fn check_call(c: &mut Checker, at: &[&str], spec: &CallSpec, names: &[&str]) -> Option<CallConfig> {
    let field = |f: &'static str| [at, &[f]].concat();
    let target = find_service(c, &field(spec.target_field), spec.target, names);
    let timeout = optional(spec.timeout, |t| c.positive_duration(&field("timeout"), t));
    let retry = match spec.retry {
        Some(r) => check_retry(c, &field("retry"), r).map(Some),
        None => Some(None),
    };
    let breaker = match spec.breaker {
        Some(b) => check_breaker(c, &field("breaker"), b).map(Some),
        None => Some(None),
    };
    let max_concurrent = match spec.max_concurrent {
        Some(n) => c.count(&field("max_concurrent"), n, 1, i64::from(u32::MAX)).map(Some),
        None => Some(None),
    };
    let weight = spec.weight.unwrap_or(1.0);
    if !(weight.is_finite() && weight > 0.0) {
        c.report(&field("weight"), format!("weight is {weight}; it must be above zero"), None);
        return None;
    }
    Some(CallConfig {
        path: crate::path::display(at),
        weight,
        max_concurrent: max_concurrent?,
        target: faultline_model::Endpoint::Service(target?),
        timeout: timeout?,
        retry: retry?,
        breaker: breaker?,
        cancel_on_timeout: spec.cancel_on_timeout,
    })
}

fn check_retry(c: &mut Checker, at: &[&str], raw: &RetryRaw) -> Option<RetryConfig> {
    let field = |f: &'static str| [at, &[f]].concat();
    let max_attempts = c.count(&field("max_attempts"), raw.max_attempts, 1, 1_000);
    let backoff = match &raw.backoff {
        None => Some(Backoff::Constant(SimDuration::ZERO)),
        Some(BackoffRaw::Constant(d)) => c.duration(&field("backoff"), d).map(Backoff::Constant),
        Some(BackoffRaw::Exponential { base, multiplier, cap }) => {
            let path = field("backoff");
            let base = c.positive_duration(&[&path[..], &["base"]].concat(), base);
            let cap = c.positive_duration(&[&path[..], &["cap"]].concat(), cap);
            let multiplier = multiplier.unwrap_or(2.0);
            if !(multiplier.is_finite() && multiplier >= 1.0) {
                c.report(
                    &[&path[..], &["multiplier"]].concat(),
                    format!("multiplier is {multiplier}; it must be at least 1"),
                    None,
                );
                return None;
            }
            Some(Backoff::Exponential { base: base?, multiplier, cap: cap? })
        }
    };
    let jitter = match raw.jitter {
        JitterRaw::None => Jitter::None,
        JitterRaw::Full => Jitter::Full,
        JitterRaw::Equal => Jitter::Equal,
        JitterRaw::Decorrelated => Jitter::Decorrelated,
    };
    let budget = match &raw.budget {
        Some(text) => {
            let ratio = check_percent(c, &field("budget"), text);
            let window = optional(raw.budget_window.as_deref(), |t| {
                c.positive_duration(&field("budget_window"), t)
            });
            Some(Some((ratio?, window?.unwrap_or(SimDuration::from_secs(10)))))
        }
        None => Some(None),
    };
    let on = raw.retry_on.as_deref().unwrap_or(&[OutcomeRaw::Timeout, OutcomeRaw::Error]);
    let retry_on = RetryOn {
        timeout: on.contains(&OutcomeRaw::Timeout),
        error: on.contains(&OutcomeRaw::Error),
        rejected: on.contains(&OutcomeRaw::Rejected),
    };
    Some(RetryConfig {
        max_attempts: max_attempts?,
        backoff: backoff?,
        jitter,
        budget: budget?,
        retry_on,
    })
}

/// `"10%"` as 0.1.
fn check_percent(c: &mut Checker, at: &[&str], text: &str) -> Option<f64> {
    let value = text.trim().strip_suffix('%').and_then(|n| n.trim().parse::<f64>().ok());
    match value {
        Some(v) if (0.0..=1000.0).contains(&v) => Some(v / 100.0),
        _ => {
            c.report(
                at,
                format!("\"{text}\" is not a percentage"),
                Some("write it like \"10%\"".into()),
            );
            None
        }
    }
}

fn check_breaker(c: &mut Checker, at: &[&str], raw: &BreakerRaw) -> Option<BreakerConfig> {
    let field = |f: &'static str| [at, &[f]].concat();
    let window = match &raw.window {
        BreakerWindowRaw::Count(n) => c.count(&field("window"), *n, 1, 100_000).map(Window::Count),
        BreakerWindowRaw::Time(d) => c.positive_duration(&field("window"), d).map(Window::Time),
    };
    let rate = |c: &mut Checker, name: &'static str, value: f64| {
        let ok = value.is_finite() && (0.0..=1.0).contains(&value);
        if !ok {
            c.report(
                &field(name),
                format!("`{name}` is {value}; it must be between 0.0 and 1.0"),
                None,
            );
        }
        ok.then_some(value)
    };
    let failure_rate = rate(c, "failure_rate", raw.failure_rate);
    // Without a slow-call threshold the slow-call trigger is off.
    let slow_call_rate = match raw.slow_call_rate {
        Some(v) => rate(c, "slow_call_rate", v),
        None => Some(f64::INFINITY),
    };
    let slow = optional(raw.slow_call_duration.as_deref(), |t| {
        c.positive_duration(&field("slow_call_duration"), t)
    });
    let minimum_calls = c.count(&field("minimum_calls"), raw.minimum_calls, 1, 1_000_000);
    let open_duration = c.positive_duration(&field("open_duration"), &raw.open_duration);
    let probes = c.count(&field("half_open_probes"), raw.half_open_probes.unwrap_or(1), 1, 10_000);
    let counted =
        raw.count_as_failure.as_deref().unwrap_or(&[OutcomeRaw::Error, OutcomeRaw::Timeout]);
    Some(BreakerConfig {
        window: window?,
        failure_rate: failure_rate?,
        slow_call_rate: slow_call_rate?,
        slow_call_duration: slow?.unwrap_or(SimDuration::MAX),
        minimum_calls: minimum_calls?,
        open_duration: open_duration?,
        half_open_probes: probes?,
        count_as_failure: CountsAsFailure {
            error: counted.contains(&OutcomeRaw::Error),
            timeout: counted.contains(&OutcomeRaw::Timeout),
            rejected: counted.contains(&OutcomeRaw::Rejected),
        },
    })
}

fn check_faults(c: &mut Checker, raw: &ScenarioFile, names: &[&str]) -> Option<Vec<Fault>> {
    let checked: Vec<Option<Fault>> = raw
        .faults
        .iter()
        .enumerate()
        .map(|(i, f)| check_fault(c, &i.to_string(), f, names))
        .collect();
    checked.into_iter().collect()
}

fn check_fault(c: &mut Checker, index: &str, raw: &FaultRaw, names: &[&str]) -> Option<Fault> {
    let at = |f: &'static str| ["faults", index, f];
    let (service, at_text, length, kind) = match raw {
        FaultRaw::Slowdown { service, factor, at, length } => {
            if !(factor.is_finite() && *factor > 0.0) {
                c.report(
                    &["faults", index, "factor"],
                    format!("slowdown factor is {factor}; it must be above zero"),
                    None,
                );
            }
            (service, at, length, FaultKind::Slowdown { factor: *factor })
        }
        FaultRaw::Fail { service, share, at, length } => {
            if !(0.0..=1.0).contains(share) {
                c.report(
                    &["faults", index, "share"],
                    format!("share is {share}; it must be between 0.0 and 1.0"),
                    None,
                );
            }
            (service, at, length, FaultKind::Fail { share: *share })
        }
        FaultRaw::Down { service, at, length } => (service, at, length, FaultKind::Down),
    };
    let index_of = find_service(c, &at("service"), service, names);
    let start = c.duration(&at("at"), at_text);
    let length = c.positive_duration(&at("length"), length);
    let start = SimTime::ZERO + start?;
    Some(Fault { service: index_of?, kind, start, end: start + length? })
}

/// When trouble starts and ends, for invariants about reacting and recovering.
#[derive(Clone, Copy, Debug)]
struct Triggers {
    /// The start of the first fault: what `BreakerOpensWithin` measures from.
    first_fault: Option<SimTime>,
    /// The end of the last fault or load spike: what `GoodputRecovers` measures from.
    last_end: Option<SimTime>,
    /// The end of the last fault.
    last_fault_end: Option<SimTime>,
}

impl Triggers {
    fn of(clients: Option<&[ClientConfig]>, faults: Option<&[Fault]>) -> Self {
        let faults = faults.unwrap_or(&[]);
        let spikes = clients.unwrap_or(&[]).iter().filter_map(|c| match c.shape {
            LoadShape::Spike { until, .. } => Some(until),
            _ => None,
        });
        Triggers {
            first_fault: faults.iter().map(|f| f.start).min(),
            last_end: spikes.chain(faults.iter().map(|f| f.end)).max(),
            last_fault_end: faults.iter().map(|f| f.end).max(),
        }
    }
}

fn check_dist(c: &mut Checker, at: &[&str], raw: &DistRaw) -> Option<Dist> {
    let field = |f: &'static str| [at, &[f]].concat();
    match raw {
        DistRaw::Const(value) => {
            let d = c.duration(at, value)?;
            Some(Dist::Const { secs: d.as_secs_f64() })
        }
        DistRaw::Exp { mean } => {
            let mean = c.positive_duration(&field("mean"), mean)?;
            Some(Dist::Exp { mean: mean.as_secs_f64() })
        }
        DistRaw::Uniform { min, max } => {
            let (lo, hi) = (c.duration(&field("min"), min), c.duration(&field("max"), max));
            let (lo, hi) = (lo?, hi?);
            if lo > hi {
                c.report(&field("max"), format!("Uniform max ({hi}) is below min ({lo})"), None);
                return None;
            }
            Some(Dist::Uniform { min: lo.as_secs_f64(), max: hi.as_secs_f64() })
        }
        DistRaw::LogNormal { median, p99 } => {
            let (m, p) =
                (c.positive_duration(&field("median"), median), c.duration(&field("p99"), p99));
            let (m, p) = (m?, p?);
            if p <= m {
                c.report(
                    &field("p99"),
                    format!("LogNormal p99 ({p}) must be above the median ({m})"),
                    None,
                );
                return None;
            }
            Some(Dist::log_normal(m.as_secs_f64(), p.as_secs_f64()))
        }
        DistRaw::Pareto { scale, shape } => {
            let scale = c.positive_duration(&field("scale"), scale);
            if !(shape.is_finite() && *shape > 0.0) {
                c.report(
                    &field("shape"),
                    format!("Pareto shape is {shape}; it must be above zero"),
                    None,
                );
                return None;
            }
            Some(Dist::Pareto { scale: scale?.as_secs_f64(), shape: *shape })
        }
    }
}

fn check_clients(c: &mut Checker, raw: &ScenarioFile, names: &Names) -> Option<Vec<ClientConfig>> {
    if raw.clients.is_empty() {
        c.report(
            &["clients"],
            "the scenario has no clients, so nothing would happen",
            Some("add one under `clients: { \"name\": (target: ..., rate: \"10/s\") }`".into()),
        );
        return None;
    }
    let checked: Vec<Option<ClientConfig>> =
        raw.clients.iter().map(|(name, client)| check_client(c, name, client, names)).collect();
    checked.into_iter().collect()
}

fn check_client(
    c: &mut Checker,
    name: &str,
    raw: &ClientRaw,
    names: &Names,
) -> Option<ClientConfig> {
    let spec = CallSpec {
        target: &raw.target,
        target_field: "target",
        timeout: raw.timeout.as_deref(),
        retry: raw.retry.as_ref(),
        breaker: raw.breaker.as_ref(),
        cancel_on_timeout: raw.cancel_on_timeout,
        max_concurrent: raw.max_concurrent,
        weight: None,
    };
    let call = check_call(c, &["clients", name], &spec, names.services);
    let rate = c.rate(&["clients", name, "rate"], &raw.rate);
    if rate.is_some_and(|r| r <= 0.0) {
        c.report(
            &["clients", name, "rate"],
            format!("client `{name}` has rate {}; it must be above zero", raw.rate),
            None,
        );
        return None;
    }
    let shape = check_shape(c, &["clients", name, "shape"], &raw.shape);
    let process = match raw.arrivals {
        ArrivalsRaw::Poisson => ArrivalProcess::Poisson,
        ArrivalsRaw::Fixed => ArrivalProcess::Fixed,
    };
    let class = raw.class.as_deref().unwrap_or("default");
    let class = check_class_count(c, name, names.classes.iter().position(|k| *k == class));
    Some(ClientConfig {
        key: None,
        fields: Vec::new(),
        class: class?,
        name: name.to_string(),
        process,
        rate: Rate(rate?),
        shape: shape?,
        call: call?,
    })
}

/// A client's class index, which requests carry as a `u8`: at most [`MAX_CLASSES`] classes.
fn check_class_count(c: &mut Checker, client: &str, index: Option<usize>) -> Option<u8> {
    let index = index.expect("classes are collected from the clients");
    let class = u8::try_from(index).ok(); // MAX_CLASSES is the `u8` range
    if class.is_none() {
        c.report(
            &["clients", client, "class"],
            format!(
                "this is request class number {}; a scenario has at most {MAX_CLASSES}",
                index + 1
            ),
            Some("clients may share a class: give several the same `class`".into()),
        );
    }
    class
}

fn check_shape(c: &mut Checker, at: &[&str], raw: &ShapeRaw) -> Option<LoadShape> {
    let field = |f: &'static str| [at, &[f]].concat();
    let instant = |d: SimDuration| SimTime::ZERO + d;
    match raw {
        ShapeRaw::Const => Some(LoadShape::Const),
        ShapeRaw::Ramp { to, start, end } => {
            let to = c.rate(&field("to"), to);
            let (s, e) = (c.duration(&field("start"), start), c.duration(&field("end"), end));
            let (s, e) = (s?, e?);
            if e <= s {
                c.report(
                    &field("end"),
                    format!("Ramp end ({e}) must be after its start ({s})"),
                    None,
                );
            }
            Some(LoadShape::Ramp { to: Rate(to?), start: instant(s), end: instant(e) })
        }
        ShapeRaw::Step { at: when, to } => {
            let (when, to) = (c.duration(&field("at"), when), c.rate(&field("to"), to));
            Some(LoadShape::Step { at: instant(when?), to: Rate(to?) })
        }
        ShapeRaw::Spike { at: when, length, factor } => {
            let (when, length) =
                (c.duration(&field("at"), when), c.positive_duration(&field("length"), length));
            if !(factor.is_finite() && *factor >= 0.0) {
                c.report(
                    &field("factor"),
                    format!("Spike factor is {factor}; it must be zero or more"),
                    None,
                );
                return None;
            }
            let at = instant(when?);
            Some(LoadShape::Spike { at, until: at + length?, factor: *factor })
        }
    }
}

fn check_invariants(
    c: &mut Checker,
    raw: &ScenarioFile,
    names: &Names,
    duration: Option<SimDuration>,
    triggers: Triggers,
) -> Option<Vec<Invariant>> {
    let checked: Vec<Option<Invariant>> = raw
        .invariants
        .iter()
        .enumerate()
        .map(|(i, inv)| check_invariant(c, &i.to_string(), inv, names, duration, triggers))
        .collect();
    checked.into_iter().collect()
}

fn check_invariant(
    c: &mut Checker,
    index: &str,
    raw: &InvariantRaw,
    names: &Names,
    duration: Option<SimDuration>,
    triggers: Triggers,
) -> Option<Invariant> {
    let at = |f: &'static str| ["invariants", index, f];
    let services = names.services;
    match raw {
        InvariantRaw::NoSecondOutage => {
            let Some(fault_end) = triggers.last_fault_end else {
                c.report(&["invariants", index], "NoSecondOutage needs a fault to recover from", Some("add a `faults` entry, e.g. `Down(service: ..., at: \"30s\", length: \"30s\")`".into()));
                return None;
            };
            Some(Invariant::NoSecondOutage { fault_end })
        }
        InvariantRaw::Progress { stuck } => {
            let stuck = c.positive_duration(&at("stuck"), stuck);
            Some(Invariant::Progress { stuck: stuck? })
        }
        InvariantRaw::ClassMaxWait { class, bound } => {
            let index = find_class(c, &at("class"), class, names.classes);
            let bound = c.positive_duration(&at("bound"), bound);
            Some(Invariant::ClassMaxWait {
                class: u8::try_from(index?).ok()?,
                class_name: class.clone(),
                bound: bound?,
            })
        }
        InvariantRaw::LatencySlo { percentile, bound, after } => {
            check_percentile(c, &at("percentile"), *percentile);
            let bound = c.positive_duration(&at("bound"), bound);
            let after = match after {
                Some(text) => c.duration(&at("after"), text),
                None => Some(SimDuration::ZERO),
            };
            if let (Some(a), Some(d)) = (after, duration)
                && a >= d
            {
                c.report(
                    &at("after"),
                    format!("`after` ({a}) is not before the end of the run ({d})"),
                    None,
                );
            }
            Some(Invariant::LatencySlo {
                percentile: *percentile,
                bound: bound?,
                after: SimTime::ZERO + after?,
            })
        }
        InvariantRaw::QueueBounded { service, max } => {
            let index = find_service(c, &at("service"), service, services);
            let max = c.count(&at("max"), *max, 0, i64::from(u32::MAX));
            Some(Invariant::QueueBounded {
                service: index?,
                service_name: service.clone(),
                max: max?,
            })
        }
        InvariantRaw::NoLostRequests => Some(Invariant::NoLostRequests),
        InvariantRaw::ServiceSlo { service, percentile, bound } => {
            let index = find_service(c, &at("service"), service, services);
            check_percentile(c, &at("percentile"), *percentile);
            let bound = c.positive_duration(&at("bound"), bound);
            Some(Invariant::ServiceSlo {
                service: index?,
                service_name: service.clone(),
                percentile: *percentile,
                bound: bound?,
            })
        }
        InvariantRaw::RetryAmplification { max } => {
            if !(max.is_finite() && *max >= 1.0) {
                c.report(
                    &at("max"),
                    format!("max is {max}; attempts per request are at least 1"),
                    None,
                );
                return None;
            }
            Some(Invariant::RetryAmplification { max: *max })
        }
        InvariantRaw::GoodputRecovers { share, within } => {
            if !(*share > 0.0 && *share <= 1.0) {
                c.report(
                    &at("share"),
                    format!("share is {share}; it must be above 0.0 and at most 1.0"),
                    None,
                );
            }
            let within = c.duration(&at("within"), within);
            let Some(trigger_end) = triggers.last_end else {
                c.report(
                    &["invariants", index],
                    "GoodputRecovers needs a trigger to recover from",
                    Some("add a `faults` entry or a client `shape: Spike(...)`".into()),
                );
                return None;
            };
            if let (Some(w), Some(d)) = (within, duration)
                && trigger_end + w >= SimTime::ZERO + d
            {
                c.report(
                    &at("within"),
                    format!("recovery is checked from {} on, after the run ends", trigger_end + w),
                    Some("lengthen `duration` or shorten `within`".into()),
                );
            }
            Some(Invariant::GoodputRecovers { share: *share, within: within?, trigger_end })
        }
        InvariantRaw::BreakerOpensWithin { within } => {
            let within = c.positive_duration(&at("within"), within);
            let Some(degraded_at) = triggers.first_fault else {
                c.report(&["invariants", index], "BreakerOpensWithin needs a fault to react to", Some("add a `faults` entry, e.g. `Slowdown(service: ..., factor: 20.0, at: \"30s\", length: \"60s\")`".into()));
                return None;
            };
            Some(Invariant::BreakerOpensWithin { within: within?, degraded_at })
        }
    }
}

/// The index of a named service, or a problem naming the closest one.
fn find_service(c: &mut Checker, at: &[&str], name: &str, services: &[&str]) -> Option<usize> {
    find_named(c, at, ("service", "services are"), name, services)
}

/// The index of a request class (classes are the names clients give in `class`).
fn find_class(c: &mut Checker, at: &[&str], name: &str, classes: &[&str]) -> Option<usize> {
    find_named(c, at, ("request class", "classes (from the clients' `class`) are"), name, classes)
}

/// `name`'s index among `known`, or a problem suggesting the closest (or listing them all).
fn find_named(
    c: &mut Checker,
    at: &[&str],
    (what, listed): (&str, &str),
    name: &str,
    known: &[&str],
) -> Option<usize> {
    let index = known.iter().position(|k| *k == name);
    if index.is_none() {
        let help = did_you_mean(name, known.iter().copied())
            .or_else(|| Some(format!("{listed} {}", list(known))));
        c.report(at, format!("unknown {what} `{name}`"), help);
    }
    index
}

fn check_percentile(c: &mut Checker, at: &[&str], percentile: f64) {
    if !(percentile > 0.0 && percentile < 100.0) {
        c.report(
            at,
            format!("percentile is {percentile}; it must be above 0 and below 100"),
            Some("p99 is written `percentile: 99.0`".into()),
        );
    }
}

/// The run's bounds from `limits: (...)`, each defaulted when left out.
#[derive(Clone, Copy, Debug)]
struct RunLimits {
    max_events: u64,
    max_in_flight: u32,
    max_work_per_instant: u64,
}

fn check_limits(c: &mut Checker, raw: &ScenarioFile) -> Option<RunLimits> {
    let mut limit = |name: &'static str, value: Option<i64>, max: i64, default: u64| match value {
        Some(n) => c.count::<u64>(&["limits", name], n, 1, max),
        None => Some(default),
    };
    let events = limit("max_events", raw.limits.max_events, i64::MAX, DEFAULT_MAX_EVENTS);
    let in_flight = limit(
        "max_in_flight",
        raw.limits.max_in_flight,
        i64::from(u32::MAX),
        DEFAULT_MAX_IN_FLIGHT,
    );
    let work = limit(
        "max_work_per_instant",
        raw.limits.max_work_per_instant,
        i64::MAX,
        DEFAULT_MAX_WORK_PER_INSTANT,
    );
    Some(RunLimits {
        max_events: events?,
        max_in_flight: u32::try_from(in_flight?).ok()?,
        max_work_per_instant: work?,
    })
}

fn check_window(c: &mut Checker, raw: &ScenarioFile, duration: SimDuration) -> Option<SimDuration> {
    let Some(text) = &raw.metrics.window else {
        return Some(default_window(duration));
    };
    let window = c.positive_duration(&["metrics", "window"], text)?;
    let windows = duration.as_nanos().div_ceil(window.as_nanos());
    if windows > MAX_WINDOWS {
        c.report(
            &["metrics", "window"],
            format!("a {window} window cuts the run into {windows} windows; at most {MAX_WINDOWS} are kept"),
            Some(format!("use a window of at least {}", SimDuration::from_nanos(duration.as_nanos().div_ceil(MAX_WINDOWS)))),
        );
        return None;
    }
    Some(window)
}

/// About [`DEFAULT_WINDOWS`] windows, rounded up to a 1-2-5 step so the axis reads well.
pub fn default_window(duration: SimDuration) -> SimDuration {
    let target = (duration.as_nanos() / DEFAULT_WINDOWS).max(1);
    let mut step: u64 = 1;
    loop {
        for factor in [1, 2, 5] {
            if step.saturating_mul(factor) >= target {
                return SimDuration::from_nanos(step.saturating_mul(factor));
            }
        }
        step = step.saturating_mul(10);
    }
}

fn check_event_budget(
    c: &mut Checker,
    clients: &[ClientConfig],
    duration: SimDuration,
    max_events: u64,
) {
    let end = SimTime::ZERO + duration;
    let requests: f64 = clients.iter().map(|cl| cl.shape.expected_arrivals(cl.rate, end)).sum();
    let events = requests * EVENTS_PER_REQUEST;
    if events > max_events as f64 {
        c.report(
            &["duration"],
            format!("this load means about {events:.3e} events, above the limit of {max_events}"),
            Some("shorten `duration`, lower the rates, or raise `limits.max_events`".into()),
        );
    }
}
