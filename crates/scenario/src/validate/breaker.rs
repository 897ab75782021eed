//! A call's circuit breaker: its window, failure and slow-call thresholds, open time and
//! half-open probes; never accepts a rate outside 0.0..=1.0.

use faultline_engine::SimDuration;
use faultline_model::policy::{BreakerConfig, CountsAsFailure, Window};

use crate::raw::{BreakerRaw, BreakerWindowRaw, OutcomeRaw};

use super::{Checker, optional};

/// The breaker at path `at` (`....breaker`).
pub(super) fn check_breaker(
    c: &mut Checker,
    at: &[&str],
    raw: &BreakerRaw,
) -> Option<BreakerConfig> {
    let field = |f: &'static str| [at, &[f]].concat();
    let window = match &raw.window {
        BreakerWindowRaw::Count(n) => c.count(&field("window"), *n, 1, 100_000).map(Window::Count),
        BreakerWindowRaw::Time(d) => c.positive_duration(&field("window"), d).map(Window::Time),
    };
    let failure_rate = check_share(c, at, "failure_rate", raw.failure_rate);
    // Without a slow-call threshold the slow-call trigger is off.
    let slow_call_rate = match raw.slow_call_rate {
        Some(v) => check_share(c, at, "slow_call_rate", v),
        None => Some(f64::INFINITY),
    };
    let slow = optional(raw.slow_call_duration.as_deref(), |t| {
        c.positive_duration(&field("slow_call_duration"), t)
    });
    let minimum_calls = c.count(&field("minimum_calls"), raw.minimum_calls, 1, 1_000_000);
    let open_duration = c.positive_duration(&field("open_duration"), &raw.open_duration);
    let probes = c.count(&field("half_open_probes"), raw.half_open_probes.unwrap_or(1), 1, 10_000);
    Some(BreakerConfig {
        window: window?,
        failure_rate: failure_rate?,
        slow_call_rate: slow_call_rate?,
        slow_call_duration: slow?.unwrap_or(SimDuration::MAX),
        minimum_calls: minimum_calls?,
        open_duration: open_duration?,
        half_open_probes: probes?,
        count_as_failure: counts_as_failure(raw.count_as_failure.as_deref()),
    })
}

/// The breaker's field `name`, a share of calls between 0.0 and 1.0.
fn check_share(c: &mut Checker, at: &[&str], name: &'static str, value: f64) -> Option<f64> {
    let ok = value.is_finite() && (0.0..=1.0).contains(&value);
    if !ok {
        c.report(
            &[at, &[name]].concat(),
            format!("`{name}` is {value}; it must be between 0.0 and 1.0"),
            None,
        );
    }
    ok.then_some(value)
}

/// The outcomes that count as failures: errors and timeouts when left out.
fn counts_as_failure(raw: Option<&[OutcomeRaw]>) -> CountsAsFailure {
    let counted = raw.unwrap_or(&[OutcomeRaw::Error, OutcomeRaw::Timeout]);
    CountsAsFailure {
        error: counted.contains(&OutcomeRaw::Error),
        timeout: counted.contains(&OutcomeRaw::Timeout),
        rejected: counted.contains(&OutcomeRaw::Rejected),
    }
}
