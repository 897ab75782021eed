//! A service's handler: `service_time` or a list of steps (`Work`, `Wait`, `Call`, `Parallel`,
//! `Batch`, `Fanout` with its sub-task steps); never accepts a handler with no steps, or with both
//! `service_time` and `steps`.

use faultline_engine::SimDuration;
use faultline_model::{CallConfig, MAX_CALLS_PER_STEP, MAX_STEPS, Step, Zone};

use crate::raw::{CallRaw, DistRaw, ServiceRaw, StepRaw};

use super::broker::{PublishRaw, check_publish, check_require};
use super::call::{CallSpec, check_call, check_call_raw};
use super::database::{DatabaseRaw, check_database};
use super::dist::check_dist;
use super::effects::{ApplyRaw, Fields, check_apply, check_effect};
use super::names::Names;
use super::register::check_register;
use super::schedule::check_step_schedule;
use super::token::check_leeway;
use super::{Checker, optional};

/// The handler: explicit `steps`, or one `Work` step from `service_time` (and `contention`).
pub(super) fn check_handler(
    c: &mut Checker,
    name: &str,
    s: &ServiceRaw,
    all: &Names,
    zone: Option<&Zone>,
) -> Option<Vec<Step>> {
    let fields = Fields { names: all.fields, symbols: all.symbols };
    let names = Handler {
        names: all.services,
        topics: all.topics,
        field_names: all.fields,
        zone,
        fields,
        service: name,
    };
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

/// What checking a service's steps needs: the services they may call, and the service's zone
/// (`None` if it was refused), which a `Wait` reads its schedule in unless it names one.
#[derive(Clone, Copy)]
struct Handler<'a> {
    names: &'a [&'a str],
    topics: &'a [&'a str],
    field_names: &'a [String],
    zone: Option<&'a Zone>,
    /// The fields requests carry, for `Effect` and `Apply` steps.
    fields: Fields<'a>,
    /// The service as written (its `Apply` steps' entity table).
    service: &'a str,
}

/// The steps of a handler or of a fan-out's sub-tasks, listed at path `at`.
fn check_steps(
    c: &mut Checker,
    at: &[&str],
    steps: &[StepRaw],
    names: Handler,
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
fn check_step(c: &mut Checker, at: &[&str], step: &StepRaw, handler: Handler) -> Option<Step> {
    let names = handler.names;
    match step {
        StepRaw::Work { time, contention } => check_work(c, at, time, contention.as_deref()),
        StepRaw::Wait { schedule } => {
            let at = [at, &["schedule"]].concat();
            let schedule = check_step_schedule(c, &at, schedule, handler.zone)?;
            Some(Step::Wait { schedule })
        }
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
                balance: None,
                op: None,
                ejection: None,
            };
            check_batch(c, at, &spec, *max, wait, *per_item, names)
        }
        StepRaw::Fanout { count, timeout, steps } => {
            check_fanout(c, at, *count, timeout.as_deref(), steps, handler)
        }
        StepRaw::Parallel(calls) => check_parallel(c, at, calls, names),
        StepRaw::CheckToken { leeway } => {
            check_leeway(c, &[at, &["leeway"]].concat(), leeway.as_deref())
                .map(|leeway| Step::CheckToken { leeway })
        }
        StepRaw::Register { mode, reads, apply } => {
            check_register(c, at, mode, reads, apply).map(Step::Register)
        }
        StepRaw::Publish { .. } => {
            let publish = PublishRaw::of(step).expect("a Publish step");
            check_publish(c, at, &publish, handler.topics, handler.fields)
        }
        StepRaw::Require { fields } => check_require(c, at, fields, handler.fields),
        StepRaw::Effect { name, once_per, dedup } => {
            check_effect(c, at, name, once_per, dedup.as_deref(), handler.fields)
        }
        StepRaw::Apply { field, states, initial, version, check } => {
            let service = handler.service;
            let version = version.as_deref();
            let raw = ApplyRaw { field, states, initial, version, check: check.as_ref(), service };
            check_apply(c, at, raw, handler.fields)
        }
        StepRaw::Database { apply, reads, read, session, resend } => {
            let raw = DatabaseRaw {
                apply,
                reads: reads.as_deref(),
                read: read.as_ref(),
                session: session.as_deref(),
                resend: resend.as_deref(),
            };
            check_database(c, at, &raw, handler.field_names).map(Step::Database)
        }
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
    names: Handler,
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

#[cfg(test)]
mod tests {
    use faultline_model::Dist;

    use super::super::testing::{API, WEB, first_help, refused, scenario, valid};
    use super::*;

    /// Service `api` with these `steps`, calling service `db`.
    fn with_steps(steps: &str) -> String {
        let services =
            format!("\"api\": (workers: 4, steps: {steps}), {}", API.replace("api", "db"));
        scenario(&services, WEB, "")
    }

    #[test]
    fn steps_of_every_kind_become_the_handler_in_order() {
        let steps = r#"[
            Work(time: Exp(mean: "5ms"), contention: "1ms"),
            Call(to: "db"),
            Parallel([Call(to: "db"), Call(to: "db", weight: 2.0)]),
            Batch(to: "db", max: 10, wait: "5ms"),
            Fanout(count: 3, timeout: "1s", steps: [Work(time: Const("1ms"))]),
        ]"#;
        let s = valid(&with_steps(steps));
        let [work, call, parallel, batch, fanout] = &s.world.services[0].steps[..] else {
            panic!("five steps: {:?}", s.world.services[0].steps)
        };
        let contention = SimDuration::from_millis(1);
        assert_eq!(*work, Step::Work { time: Dist::Exp { mean: 0.005 }, contention });
        assert!(
            matches!(call, Step::Call(c) if c.target == faultline_model::Endpoint::Service(1) && c.path == "services.api.steps.1")
        );
        let Step::Parallel(calls) = parallel else { panic!("{parallel:?}") };
        let weights: Vec<(f64, &str)> = calls.iter().map(|c| (c.weight, c.path.as_str())).collect();
        assert_eq!(weights, [(1.0, "services.api.steps.2.0"), (2.0, "services.api.steps.2.1")]);
        let wait = SimDuration::from_millis(5);
        assert!(matches!(batch, Step::Batch { max: 10, wait: w, per_item: 1.0, .. } if *w == wait));
        let one_ms =
            vec![Step::Work { time: Dist::Const { secs: 0.001 }, contention: SimDuration::ZERO }];
        let timeout = Some(SimDuration::from_secs(1));
        assert_eq!(*fanout, Step::Fanout { count: 3, timeout, steps: one_ms });
    }

    #[test]
    fn a_handler_needs_service_time_or_steps_but_not_both() {
        let both =
            r#""api": (workers: 1, service_time: Const("1ms"), steps: [Work(time: Const("1ms"))])"#;
        let text = scenario(both, WEB, "");
        assert_eq!(
            refused(&text),
            ["services.api.steps: service `api` has both `service_time` and `steps`"]
        );
        assert!(first_help(&text).is_some_and(|h| h.contains("keep one")));
        assert_eq!(
            refused(&scenario(r#""api": (workers: 1)"#, WEB, "")),
            ["services.api: service `api` has neither `service_time` nor `steps`"]
        );
    }

    #[test]
    fn a_handler_has_one_to_max_steps() {
        assert_eq!(
            refused(&with_steps("[]")),
            ["services.api.steps: 0 steps; a handler has 1 to 1000"]
        );
        let many = format!("[{}]", vec!["Work(time: Const(\"1ms\"))"; 1001].join(", "));
        assert_eq!(
            refused(&with_steps(&many)),
            ["services.api.steps: 1001 steps; a handler has 1 to 1000"]
        );
    }

    #[test]
    fn an_empty_parallel_is_refused_at_its_step() {
        assert_eq!(
            refused(&with_steps("[Work(time: Const(\"1ms\")), Parallel([])]")),
            ["services.api.steps.1: `Parallel` has 0 calls; it takes 1 to 1000"]
        );
    }

    #[test]
    fn a_fanout_s_count_and_its_sub_task_steps_are_checked_at_their_paths() {
        let steps = r#"[Fanout(count: 0, timeout: "0s", steps: [Work(time: Exp(mean: "0s"))])]"#;
        assert_eq!(
            refused(&with_steps(steps)),
            [
                "services.api.steps.0.count: `services.api.steps.0.count` is 0; it must be \
                 between 1 and 1000",
                "services.api.steps.0.timeout: `services.api.steps.0.timeout` must be longer \
                 than zero",
                "services.api.steps.0.steps.0.time.mean: `services.api.steps.0.steps.0.time.mean` \
                 must be longer than zero",
            ]
        );
    }

    #[test]
    fn a_batch_checks_its_call_then_its_size_wait_and_weight_per_item() {
        let steps = r#"[Batch(to: "dbb", max: 0, wait: "0s", per_item: -1.0)]"#;
        let text = with_steps(steps);
        assert_eq!(
            refused(&text),
            [
                "services.api.steps.0.to: unknown service `dbb`",
                "services.api.steps.0.max: `services.api.steps.0.max` is 0; it must be between 1 \
                 and 10000",
                "services.api.steps.0.wait: `services.api.steps.0.wait` must be longer than zero",
                "services.api.steps.0.per_item: per_item is -1; it must be zero or more",
            ]
        );
        assert_eq!(first_help(&text).as_deref(), Some("did you mean `db`?"));
    }
}
