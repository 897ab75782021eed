//! A service's handler: `service_time` or a list of steps (`Work`, `Call`, `Parallel`, `Batch`,
//! `Fanout` with its sub-task steps); never accepts a handler with no steps, or with both
//! `service_time` and `steps`.

use faultline_engine::SimDuration;
use faultline_model::{CallConfig, MAX_CALLS_PER_STEP, MAX_STEPS, Step};

use crate::raw::{CallRaw, DistRaw, ServiceRaw, StepRaw};

use super::call::{CallSpec, check_call, check_call_raw};
use super::dist::check_dist;
use super::{Checker, optional};

/// The handler: explicit `steps`, or one `Work` step from `service_time` (and `contention`).
pub(super) fn check_handler(
    c: &mut Checker,
    name: &str,
    s: &ServiceRaw,
    names: &[&str],
) -> Option<Vec<Step>> {
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
        StepRaw::Work { time, contention } => check_work(c, at, time, contention.as_deref()),
        StepRaw::Call(call) => check_call_raw(c, at, call, names).map(Step::Call),
        StepRaw::Batch { to, max, wait, per_item, timeout } => {
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
            check_batch(c, at, &spec, *max, wait, *per_item, names)
        }
        StepRaw::Fanout { count, timeout, steps } => {
            check_fanout(c, at, *count, timeout.as_deref(), steps, names)
        }
        StepRaw::Parallel(calls) => check_parallel(c, at, calls, names),
    }
}

/// `Work(time: ..., contention: ...)`.
fn check_work(
    c: &mut Checker,
    at: &[&str],
    time: &DistRaw,
    contention: Option<&str>,
) -> Option<Step> {
    let contention = optional(contention, |t| c.duration(&[at, &["contention"]].concat(), t));
    let time = check_dist(c, &[at, &["time"]].concat(), time);
    Some(Step::Work { time: time?, contention: contention?.unwrap_or(SimDuration::ZERO) })
}

/// `Batch(to: ..., max: ..., wait: ..., per_item: ...)`: its call, then its own fields.
fn check_batch(
    c: &mut Checker,
    at: &[&str],
    spec: &CallSpec,
    max: i64,
    wait: &str,
    per_item: Option<f64>,
    names: &[&str],
) -> Option<Step> {
    let field = |f: &'static str| [at, &[f]].concat();
    let call = check_call(c, at, spec, names);
    let max = c.count(&field("max"), max, 1, 10_000);
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

/// `Fanout(count: ..., timeout: ..., steps: [...])`: sub-tasks on the service's own workers.
fn check_fanout(
    c: &mut Checker,
    at: &[&str],
    count: i64,
    timeout: Option<&str>,
    steps: &[StepRaw],
    names: &[&str],
) -> Option<Step> {
    let max = MAX_CALLS_PER_STEP as i64;
    let count = c.count(&[at, &["count"]].concat(), count, 1, max);
    let timeout = optional(timeout, |t| c.positive_duration(&[at, &["timeout"]].concat(), t));
    let steps = check_steps(c, &[at, &["steps"]].concat(), steps, names);
    Some(Step::Fanout { count: count?, timeout: timeout?, steps: steps? })
}

/// `Parallel([...])`: 1 to [`MAX_CALLS_PER_STEP`] calls, each listed at its index.
fn check_parallel(c: &mut Checker, at: &[&str], calls: &[CallRaw], names: &[&str]) -> Option<Step> {
    if calls.is_empty() || calls.len() > MAX_CALLS_PER_STEP {
        let count = calls.len();
        let message = format!("`Parallel` has {count} calls; it takes 1 to {MAX_CALLS_PER_STEP}");
        c.report(at, message, None);
        return None;
    }
    let checked: Vec<Option<CallConfig>> = calls
        .iter()
        .enumerate()
        .map(|(i, call)| check_call_raw(c, &[at, &[i.to_string().as_str()]].concat(), call, names))
        .collect();
    checked.into_iter().collect::<Option<Vec<_>>>().map(Step::Parallel)
}
