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

#[cfg(test)]
mod tests {
    use super::super::testing::{check, raw};
    use super::*;

    fn retry(text: &str) -> (Option<RetryConfig>, Vec<String>) {
        let raw: RetryRaw = raw(text);
        check(|c| check_retry(c, &["r"], &raw))
    }

    #[test]
    fn a_retry_left_at_its_defaults_retries_timeouts_and_errors_at_once() {
        let expected = RetryConfig {
            max_attempts: 3,
            backoff: Backoff::Constant(SimDuration::ZERO),
            jitter: Jitter::None,
            budget: None,
            retry_on: RetryOn { timeout: true, error: true, rejected: false },
        };
        assert_eq!(retry("(max_attempts: 3)"), (Some(expected), vec![]));
    }

    #[test]
    fn a_retry_written_out_becomes_its_config() {
        let text = r#"(max_attempts: 4, backoff: Exponential(base: "10ms", cap: "1s"),
            jitter: Full, budget: "10%", retry_on: [Rejected])"#;
        let expected = RetryConfig {
            max_attempts: 4,
            backoff: Backoff::Exponential {
                base: SimDuration::from_millis(10),
                multiplier: 2.0,
                cap: SimDuration::from_secs(1),
            },
            jitter: Jitter::Full,
            budget: Some((0.1, SimDuration::from_secs(10))),
            retry_on: RetryOn { timeout: false, error: false, rejected: true },
        };
        assert_eq!(retry(text), (Some(expected), vec![]));
    }

    #[test]
    fn a_multiplier_below_one_is_refused_and_ends_the_retry_s_check() {
        let text = r#"(max_attempts: 0, backoff: Exponential(base: "0s", multiplier: 0.5, cap: "1s"),
            budget: "lots")"#;
        let (config, said) = retry(text);
        assert_eq!(config, None);
        assert_eq!(
            said,
            [
                "r.max_attempts: `r.max_attempts` is 0; it must be between 1 and 1000",
                "r.backoff.base: `r.backoff.base` must be longer than zero",
                "r.backoff.multiplier: multiplier is 0.5; it must be at least 1",
            ]
        );
    }

    #[test]
    fn a_budget_is_a_percentage_over_a_window_longer_than_zero() {
        let (config, said) = retry(r#"(max_attempts: 2, budget: "10", budget_window: "0s")"#);
        assert_eq!(config, None);
        assert_eq!(
            said,
            [
                "r.budget: \"10\" is not a percentage",
                "r.budget_window: `r.budget_window` must be longer than zero",
            ]
        );
        let (config, _) = retry(r#"(max_attempts: 2, budget: " 25 %", budget_window: "1m")"#);
        let budget = config.and_then(|c| c.budget);
        assert_eq!(budget, Some((0.25, SimDuration::from_secs(60))));
        assert_eq!(
            retry(r#"(max_attempts: 2, budget: "1001%")"#).1,
            ["r.budget: \"1001%\" is not a percentage"]
        );
    }
}
