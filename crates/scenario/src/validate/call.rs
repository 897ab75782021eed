//! A call as written on a client, in a `Call` or `Parallel` step or by a `Batch`: its target
//! service, timeout, concurrency cap and weight, with its retry and breaker; never accepts a
//! call to a service the scenario does not have.

use faultline_model::{Balance, CallConfig, DataOp, Ejection, Endpoint};

use crate::raw::{BalanceRaw, BreakerRaw, CallRaw, DataOpRaw, EjectionRaw, RetryRaw};

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
    pub(super) balance: Option<BalanceRaw>,
    pub(super) ejection: Option<&'a EjectionRaw>,
    /// To a database: read or write (`None` on clients and batches).
    pub(super) op: Option<DataOpRaw>,
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
        balance: call.balance,
        ejection: call.outlier_ejection.as_ref(),
        op: call.op,
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
    let call = check_call_to(c, at, spec, Endpoint::Service(target.unwrap_or(0)));
    target.and(call)
}

/// The call at path `at` to `target`, found already.
pub(super) fn check_call_to(
    c: &mut Checker,
    at: &[&str],
    spec: &CallSpec,
    target: Endpoint,
) -> Option<CallConfig> {
    let field = |f: &'static str| [at, &[f]].concat();
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
    let ejection = match spec.ejection {
        Some(e) => check_ejection(c, &field("outlier_ejection"), e).map(Some),
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
        target,
        timeout: timeout?,
        retry: retry?,
        breaker: breaker?,
        cancel_on_timeout: spec.cancel_on_timeout,
        balance: balance(spec.balance),
        ejection: ejection?,
        op: spec.op.map(|op| match op {
            DataOpRaw::Read => DataOp::Read,
            DataOpRaw::Write => DataOp::Write,
        }),
    })
}

fn balance(raw: Option<BalanceRaw>) -> Balance {
    match raw {
        None | Some(BalanceRaw::RoundRobin) => Balance::RoundRobin,
        Some(BalanceRaw::Random) => Balance::Random,
        Some(BalanceRaw::LeastOutstanding) => Balance::LeastOutstanding,
        Some(BalanceRaw::PowerOfTwo) => Balance::PowerOfTwo,
    }
}

/// Outlier ejection, with Envoy's defaults: 5 consecutive failures, 30 s, at most 10 % of
/// instances (but always one).
fn check_ejection(c: &mut Checker, at: &[&str], raw: &EjectionRaw) -> Option<Ejection> {
    let field = |f: &'static str| [at, &[f]].concat();
    let failures = raw.consecutive_failures.unwrap_or(5);
    let failures = c.count(&field("consecutive_failures"), failures, 1, 1_000_000);
    let base_time =
        c.positive_duration(&field("base_time"), raw.base_time.as_deref().unwrap_or("30s"));
    let share = c.percent(&field("max_ejected"), raw.max_ejected.as_deref().unwrap_or("10%"));
    if share.is_some_and(|s| s > 1.0) {
        c.report(&field("max_ejected"), "at most 100% of instances can be ejected", None);
        return None;
    }
    Some(Ejection { consecutive_failures: failures?, base_time: base_time?, max_share: share? })
}

#[cfg(test)]
mod tests {
    use faultline_engine::SimDuration;

    use super::super::testing::{check, raw, scenario, valid};
    use super::*;

    const SERVICES: &[&str] = &["api", "db"];

    #[test]
    fn a_client_s_call_is_named_by_the_client_s_path() {
        let client = r#""web": (target: "db", rate: "1/s", timeout: "1s", max_concurrent: 4,
            cancel_on_timeout: true)"#;
        let services = r#""api": (workers: 1, service_time: Const("1ms")),
            "db": (workers: 1, service_time: Const("1ms"))"#;
        let s = valid(&scenario(services, client, ""));
        let expected = CallConfig {
            path: "clients.web".into(),
            target: faultline_model::Endpoint::Service(1),
            timeout: Some(SimDuration::from_secs(1)),
            retry: None,
            breaker: None,
            cancel_on_timeout: true,
            max_concurrent: Some(4),
            weight: 1.0,
            balance: Balance::RoundRobin,
            ejection: None,
            op: None,
        };
        assert_eq!(s.world.clients[0].call, expected);
    }

    #[test]
    fn a_call_s_target_timeout_and_cap_are_checked_in_that_order() {
        let call: CallRaw = raw(r#"Call(to: "nope", timeout: "0s", max_concurrent: 0)"#);
        let (config, said) = check(|c| check_call_raw(c, &["s", "0"], &call, SERVICES));
        assert_eq!(config, None);
        assert_eq!(
            said,
            [
                "s.0.to: unknown service `nope`",
                "s.0.timeout: `s.0.timeout` must be longer than zero",
                "s.0.max_concurrent: `s.0.max_concurrent` is 0; it must be between 1 and \
                 4294967295",
            ]
        );
    }

    #[test]
    fn a_call_weighs_more_than_zero_and_its_policies_are_checked_beneath_it() {
        let call: CallRaw = raw(r#"Call(to: "db", weight: 0.0)"#);
        let (config, said) = check(|c| check_call_raw(c, &["s"], &call, SERVICES));
        assert_eq!(
            (config, said),
            (None, vec!["s.weight: weight is 0; it must be above zero".into()])
        );
        let call: CallRaw = raw(r#"Call(to: "db", retry: (max_attempts: 0))"#);
        let (_, said) = check(|c| check_call_raw(c, &["s"], &call, SERVICES));
        assert_eq!(
            said,
            ["s.retry.max_attempts: `s.retry.max_attempts` is 0; it must be between 1 and 1000"]
        );
    }
}
