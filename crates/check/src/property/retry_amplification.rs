//! RetryAmplification: at the end, attempts per call, over every layer, stay within a bound.

use super::{Property, RunEnd, Violation};

/// Attempts per call, over every layer, are at most `max`.
#[derive(Debug)]
pub struct RetryAmplification {
    max: f64,
}

impl RetryAmplification {
    pub fn new(max: f64) -> Self {
        RetryAmplification { max }
    }
}

impl Property for RetryAmplification {
    fn name(&self) -> &'static str {
        "RetryAmplification"
    }

    fn describe(&self) -> String {
        format!("attempts per call ≤ {}", self.max)
    }

    fn verdict(&self, end: &RunEnd) -> Option<Violation> {
        let metrics = end.metrics;
        let observed = metrics.amplification();
        (observed > self.max).then(|| Violation {
            at: metrics.end(),
            request: None,
            detail: format!(
                "{:.2} attempts per call ({} attempts of which {} retries; {} client requests)",
                observed, metrics.attempts, metrics.retries, metrics.arrived
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::property::testing::{metrics, t, verdict};

    #[test]
    fn judges_attempts_per_call() {
        let mut m = metrics();
        (m.attempts, m.retries, m.arrived) = (300, 100, 150);
        assert_eq!(verdict(&RetryAmplification::new(1.5), &m), None);
        let violation = verdict(&RetryAmplification::new(1.4), &m).expect("violated");
        assert_eq!((violation.at, violation.request), (t(10_000), None));
        assert_eq!(
            violation.detail,
            "1.50 attempts per call (300 attempts of which 100 retries; 150 client requests)"
        );
        assert_eq!(RetryAmplification::new(1.5).describe(), "attempts per call ≤ 1.5");
    }
}
