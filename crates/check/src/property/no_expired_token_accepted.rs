//! NoExpiredTokenAccepted: no `CheckToken` step accepts a token that was, in true time, past
//! its lifetime (or not issued yet): a validator's clock behind, an expiry stamped late by an
//! issuer ahead, too much leeway. Counts every such acceptance and reports the first in full.

use faultline_engine::SimTime;
use faultline_model::{Observation, ObservationKind, ObservationKinds, TokenCheck};

use super::token_checks::WrongChecks;
use super::{Property, RunEnd, Violation};

/// Every token accepted was really valid when checked.
#[derive(Debug, Default)]
pub struct NoExpiredTokenAccepted {
    wrong: WrongChecks,
}

impl NoExpiredTokenAccepted {
    pub fn new() -> Self {
        NoExpiredTokenAccepted::default()
    }
}

impl Property for NoExpiredTokenAccepted {
    fn name(&self) -> &'static str {
        "NoExpiredTokenAccepted"
    }

    fn describe(&self) -> String {
        "no expired token is accepted".into()
    }

    fn wants() -> ObservationKinds {
        ObservationKinds::of(&[ObservationKind::TokenChecked])
    }

    #[inline]
    fn observe(&mut self, now: SimTime, what: &Observation) {
        self.wrong.observe(now, what, TokenCheck::wrongly_accepted);
    }

    fn verdict(&self, end: &RunEnd) -> Option<Violation> {
        self.wrong.violation(end, "accepted an expired token")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::property::no_valid_token_rejected::tests::checked;
    use crate::property::testing::{metrics, show, t, verdict};

    #[test]
    fn holds_while_every_expired_token_is_refused() {
        let mut property = NoExpiredTokenAccepted::new();
        // Valid until 70 s: accepted at 30 s, rightly; refused at 73 s, past the 72 s expiry
        // the issuer (2 s ahead) stamped, rightly.
        show(&mut property, t(30_000), checked(30_000, 0));
        show(&mut property, t(73_000), checked(73_000, 0));
        assert_eq!(verdict(&property, &metrics()), None);
        assert_eq!(property.describe(), "no expired token is accepted");
    }

    /// The token really expires at 70 s. A true clock accepts it until 72 s (the expiry the
    /// issuer, 2 s ahead, stamped): at 71 s, wrong. A clock 5 min behind refuses it at 100 s
    /// (it reads −200 s, before the 12 s not-before) and accepts it at 370 s (it reads 70 s,
    /// before the 72 s expiry): wrong. Two of four checks.
    #[test]
    fn an_expired_token_accepted_on_a_clock_behind_is_reported_with_its_clocks() {
        let mut property = NoExpiredTokenAccepted::new();
        let checks = [(30_000, 0), (71_000, 0), (100_000, -300_000), (370_000, -300_000)];
        for (ms, offset) in checks {
            show(&mut property, t(ms), checked(ms, offset));
        }
        let violation = verdict(&property, &metrics()).expect("violated");
        assert_eq!((violation.at, violation.request), (t(71_000), Some(71_000)));
        assert!(
            violation.detail.starts_with(
                "s accepted an expired token at 71.000s: issued at 10.000s true time, it claims \
                 issued-at 12.000s and expiry 72.000s on its issuer's clock (2.000s ahead of \
                 true time) and was valid until 70.000s; s's clock read 71.000s (on true time)"
            ),
            "{}",
            violation.detail
        );
        assert!(violation.detail.ends_with("2 of 4 checks accepted an expired token"));
    }
}
