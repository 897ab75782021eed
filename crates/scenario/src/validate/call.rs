//! A call as written on a client, in a `Call` or `Parallel` step or by a `Batch`: its target
//! service, timeout, concurrency cap and weight, with its retry and breaker; never accepts a
//! call to a service the scenario does not have.

use faultline_model::CallConfig;

use crate::raw::{BreakerRaw, CallRaw, RetryRaw};

use super::breaker::check_breaker;
use super::names::find_service;
use super::retry::check_retry;
use super::{Checker, optional};

/// The parts of a call, as written on a client or in a `Call` step.
pub(super) struct CallSpec<'a> {
    pub(super) target: &'a str,
    pub(super) target_field: &'static str,
    pub(super) timeout: Option<&'a str>,
    pub(super) retry: Option<&'a RetryRaw>,
    pub(super) breaker: Option<&'a BreakerRaw>,
    pub(super) cancel_on_timeout: bool,
    pub(super) max_concurrent: Option<i64>,
    pub(super) weight: Option<f64>,
}

/// A `Call(...)` (alone or in a `Parallel`) at path `at`.
pub(super) fn check_call_raw(
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

/// The call at path `at`, which becomes its name in the run (its retries' jitter stream).
pub(super) fn check_call(
    c: &mut Checker,
    at: &[&str],
    spec: &CallSpec,
    names: &[&str],
) -> Option<CallConfig> {
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
