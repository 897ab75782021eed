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

#[cfg(test)]
mod tests {
    use super::super::testing::{check, raw};
    use super::*;

    fn breaker(text: &str) -> (Option<BreakerConfig>, Vec<String>) {
        let raw: BreakerRaw = raw(text);
        check(|c| check_breaker(c, &["b"], &raw))
    }

    #[test]
    fn a_breaker_left_at_its_defaults_has_no_slow_call_trigger_and_one_probe() {
        let text =
            r#"(window: Count(20), failure_rate: 0.5, minimum_calls: 10, open_duration: "5s")"#;
        let expected = BreakerConfig {
            window: Window::Count(20),
            failure_rate: 0.5,
            slow_call_rate: f64::INFINITY,
            slow_call_duration: SimDuration::MAX,
            minimum_calls: 10,
            open_duration: SimDuration::from_secs(5),
            half_open_probes: 1,
            count_as_failure: CountsAsFailure { error: true, timeout: true, rejected: false },
        };
        assert_eq!(breaker(text), (Some(expected), vec![]));
    }

    #[test]
    fn a_breaker_written_out_becomes_its_config() {
        let text = r#"(window: Time("10s"), failure_rate: 1.0, slow_call_rate: 0.0,
            slow_call_duration: "200ms", minimum_calls: 1, open_duration: "1s",
            half_open_probes: 3, count_as_failure: [Rejected])"#;
        let (config, said) = breaker(text);
        let config = config.unwrap_or_else(|| panic!("refused: {said:?}"));
        assert_eq!(config.window, Window::Time(SimDuration::from_secs(10)));
        assert_eq!((config.failure_rate, config.slow_call_rate), (1.0, 0.0));
        assert_eq!(config.slow_call_duration, SimDuration::from_millis(200));
        assert_eq!(config.half_open_probes, 3);
        let rejected_only = CountsAsFailure { error: false, timeout: false, rejected: true };
        assert_eq!(config.count_as_failure, rejected_only);
    }

    #[test]
    fn rates_outside_zero_to_one_and_counts_below_one_are_refused_field_by_field() {
        let text = r#"(window: Count(0), failure_rate: 1.5, slow_call_rate: -0.1,
            slow_call_duration: "0s", minimum_calls: 0, open_duration: "0s", half_open_probes: 0)"#;
        let (config, said) = breaker(text);
        assert_eq!(config, None);
        assert_eq!(
            said,
            [
                "b.window: `b.window` is 0; it must be between 1 and 100000",
                "b.failure_rate: `failure_rate` is 1.5; it must be between 0.0 and 1.0",
                "b.slow_call_rate: `slow_call_rate` is -0.1; it must be between 0.0 and 1.0",
                "b.slow_call_duration: `b.slow_call_duration` must be longer than zero",
                "b.minimum_calls: `b.minimum_calls` is 0; it must be between 1 and 1000000",
                "b.open_duration: `b.open_duration` must be longer than zero",
                "b.half_open_probes: `b.half_open_probes` is 0; it must be between 1 and 10000",
            ]
        );
        let (_, said) = breaker(
            r#"(window: Time("0s"), failure_rate: 0.5, minimum_calls: 1, open_duration: "1s")"#,
        );
        assert_eq!(said, ["b.window: `b.window` must be longer than zero"]);
    }
}
