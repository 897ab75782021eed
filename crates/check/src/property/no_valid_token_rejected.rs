//! NoValidTokenRejected: no `CheckToken` step refuses a token that was, in true time, within
//! its lifetime (a validator's clock behind the issuer's, too little leeway). Counts every such
//! refusal and reports the first in full.

use faultline_engine::SimTime;
use faultline_model::{Observation, ObservationKind, ObservationKinds, TokenCheck};

use super::token_checks::WrongChecks;
use super::{Property, RunEnd, Violation};

/// Every token refused was really invalid (not yet issued, or expired) when checked.
#[derive(Debug, Default)]
pub struct NoValidTokenRejected {
    wrong: WrongChecks,
}

impl NoValidTokenRejected {
    pub fn new() -> Self {
        NoValidTokenRejected::default()
    }
}

impl Property for NoValidTokenRejected {
    fn name(&self) -> &'static str {
        "NoValidTokenRejected"
    }

    fn describe(&self) -> String {
        "no valid token is refused".into()
    }

    fn wants() -> ObservationKinds {
        ObservationKinds::of(&[ObservationKind::TokenChecked])
    }

    #[inline]
    fn observe(&mut self, now: SimTime, what: &Observation) {
        self.wrong.observe(now, what, TokenCheck::wrongly_rejected);
    }

    fn verdict(&self, end: &RunEnd) -> Option<Violation> {
        self.wrong.violation(end, "refused a valid token")
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use faultline_engine::SimDuration;
    use faultline_model::{Token, TokenPolicy};

    use super::*;
    use crate::property::testing::{metrics, show, t, verdict};

    /// A token issued at 10 s true time by an issuer 2 s ahead, living 60 s, checked at `at_ms`
    /// by service `s` whose clock runs `offset_ms` from true time, with no leeway.
    pub(crate) fn checked(at_ms: u64, offset_ms: i64) -> Observation {
        let policy = TokenPolicy { lifetime: SimDuration::from_secs(60) };
        let token = Token::issue(policy, 12_000_000_000, t(10_000));
        let validator_local = (at_ms as i64 + offset_ms) * 1_000_000;
        let check = token.check(policy, validator_local, SimDuration::ZERO, t(at_ms));
        Observation::TokenChecked {
            service: 0,
            request: at_ms,
            check,
            token,
            lifetime: policy.lifetime,
            validator_local,
            leeway: SimDuration::ZERO,
        }
    }

    #[test]
    fn holds_while_every_valid_token_is_accepted() {
        let mut property = NoValidTokenRejected::new();
        // 13 s on a true clock: past the not-before (12 s), accepted; 75 s: expired, refused
        // rightly.
        show(&mut property, t(13_000), checked(13_000, 0));
        show(&mut property, t(75_000), checked(75_000, 0));
        assert_eq!(verdict(&property, &metrics()), None);
        assert_eq!(property.describe(), "no valid token is refused");
    }

    /// At 11 s a true clock reads 11 s, before the not-before the issuer (2 s ahead) stamped:
    /// refused though valid. At 11.5 s again; at 12 s it is accepted. Two of three wrong.
    #[test]
    fn a_young_token_refused_by_a_clock_behind_the_issuer_is_reported_with_its_clocks() {
        let mut property = NoValidTokenRejected::new();
        for ms in [11_000, 11_500, 12_000] {
            show(&mut property, t(ms), checked(ms, 0));
        }
        let violation = verdict(&property, &metrics()).expect("violated");
        assert_eq!((violation.at, violation.request), (t(11_000), Some(11_000)));
        assert_eq!(
            violation.detail,
            "s refused a valid token at 11.000s: issued at 10.000s true time, it claims \
             issued-at 12.000s and expiry 72.000s on its issuer's clock (2.000s ahead of true \
             time) and was valid until 70.000s; s's clock read 11.000s (on true time), leeway \
             0s. 2 of 3 checks refused a valid token"
        );
    }
}
