//! A call's retry policy: attempts, backoff, jitter, retry budget and the outcomes retried;
//! never accepts a backoff that shrinks or a budget that is not a percentage.

use faultline_engine::SimDuration;
use faultline_model::RetryConfig;
use faultline_model::RetryOn;
use faultline_model::policy::{Backoff, Jitter};

use crate::raw::{BackoffRaw, JitterRaw, OutcomeRaw, RetryRaw};

use super::{Checker, optional};

/// The retry policy at path `at` (`....retry`).
pub(super) fn check_retry(c: &mut Checker, at: &[&str], raw: &RetryRaw) -> Option<RetryConfig> {
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
    let budget = check_budget(c, at, raw);
    Some(RetryConfig {
        max_attempts: max_attempts?,
        backoff: backoff?,
        jitter: jitter(&raw.jitter),
        budget: budget?,
        retry_on: retry_on(raw.retry_on.as_deref()),
    })
}

/// The retry budget: retries as a share of calls, over a window (10 s when left out).
fn check_budget(
    c: &mut Checker,
    at: &[&str],
    raw: &RetryRaw,
) -> Option<Option<(f64, SimDuration)>> {
    let field = |f: &'static str| [at, &[f]].concat();
    let Some(text) = &raw.budget else { return Some(None) };
    let ratio = c.percent(&field("budget"), text);
    let window =
        optional(raw.budget_window.as_deref(), |t| c.positive_duration(&field("budget_window"), t));
    Some(Some((ratio?, window?.unwrap_or(SimDuration::from_secs(10)))))
}

fn jitter(raw: &JitterRaw) -> Jitter {
    match raw {
        JitterRaw::None => Jitter::None,
        JitterRaw::Full => Jitter::Full,
        JitterRaw::Equal => Jitter::Equal,
        JitterRaw::Decorrelated => Jitter::Decorrelated,
    }
}

/// The outcomes retried: timeouts and errors when left out.
fn retry_on(raw: Option<&[OutcomeRaw]>) -> RetryOn {
    let on = raw.unwrap_or(&[OutcomeRaw::Timeout, OutcomeRaw::Error]);
    RetryOn {
        timeout: on.contains(&OutcomeRaw::Timeout),
        error: on.contains(&OutcomeRaw::Error),
        rejected: on.contains(&OutcomeRaw::Rejected),
    }
}
