//! Tokens with time claims, as JWTs carry them: an issuer stamps issued-at, not-before and
//! expiry from its node's local clock; a validator checks them against its own local clock with
//! a leeway. Each check is judged beside the truth in simulated time, so a valid token wrongly
//! rejected can be told from an expired one wrongly accepted.
//!
//! Pure functions of clock readings: this module must never read a clock itself (callers pass
//! each node's local reading), so the same token is judged the same way wherever it is checked.

use faultline_engine::{SimDuration, SimTime};

/// How an issuer stamps tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenPolicy {
    /// From issued-at to expiry.
    pub lifetime: SimDuration,
}

/// A token's claims, in the issuer's local time (signed nanoseconds, as `Clock::local_at`
/// reads), and when it was really issued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub issued_at: i64,
    pub not_before: i64,
    pub expires_at: i64,
    /// When it was issued in true simulated time: the truth its checks are judged against.
    pub issued: SimTime,
}

/// What a validator decided, and what was true.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenCheck {
    pub accepted: bool,
    /// In true time the token was within its lifetime.
    pub valid: bool,
}

impl TokenCheck {
    /// A valid token turned away (a clock behind the issuer's, too little leeway).
    pub fn wrongly_rejected(&self) -> bool {
        self.valid && !self.accepted
    }

    /// An expired token let in (a clock behind, too much leeway).
    pub fn wrongly_accepted(&self) -> bool {
        !self.valid && self.accepted
    }
}

/// How many tokens a run issued and checked, and how many checks went wrong each way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TokenCounts {
    pub issued: u64,
    pub checked: u64,
    pub accepted: u64,
    pub wrongly_rejected: u64,
    pub wrongly_accepted: u64,
}

impl TokenCounts {
    /// Counts one check.
    pub fn count(&mut self, check: TokenCheck) {
        self.checked += 1;
        self.accepted += u64::from(check.accepted);
        self.wrongly_rejected += u64::from(check.wrongly_rejected());
        self.wrongly_accepted += u64::from(check.wrongly_accepted());
    }
}

impl Token {
    /// A token issued at true time `now` by a node whose clock reads `issuer_local`.
    pub fn issue(policy: TokenPolicy, issuer_local: i64, now: SimTime) -> Token {
        let lifetime = i64::try_from(policy.lifetime.as_nanos()).unwrap_or(i64::MAX);
        Token {
            issued_at: issuer_local,
            not_before: issuer_local,
            expires_at: issuer_local.saturating_add(lifetime),
            issued: now,
        }
    }

    /// Checked at true time `now` by a node whose clock reads `validator_local`, allowing
    /// `leeway` either way: accepted when not-before ≤ local + leeway and local − leeway <
    /// expiry; valid when `now` is within the lifetime after the true issue.
    pub fn check(
        &self,
        policy: TokenPolicy,
        validator_local: i64,
        leeway: SimDuration,
        now: SimTime,
    ) -> TokenCheck {
        let leeway = i64::try_from(leeway.as_nanos()).unwrap_or(i64::MAX);
        let accepted = self.not_before <= validator_local.saturating_add(leeway)
            && validator_local.saturating_sub(leeway) < self.expires_at;
        let valid = self.issued <= now && now < self.issued + policy.lifetime;
        TokenCheck { accepted, valid }
    }
}

#[cfg(test)]
mod tests {
    use faultline_engine::RngStreams;

    use super::*;
    use crate::ClockConfig;
    use crate::clock::Clock;

    const MS: u64 = 1_000_000;

    fn at(ms: u64) -> SimTime {
        SimTime::from_nanos(ms * MS)
    }

    fn clock(node: &str, offset_ms: i64) -> Clock {
        let config = ClockConfig { offset: offset_ms * 1_000_000, ..ClockConfig::default() };
        Clock::new(&config, node, &RngStreams::new(1))
    }

    /// Issues a token every 100 ms for 100 s and checks each `delay(i)` later; returns how many
    /// checks wrongly rejected and wrongly accepted.
    fn count(
        (issuer, validator): (i64, i64),
        lifetime_ms: u64,
        leeway_ms: u64,
        delay: impl Fn(u64) -> u64,
    ) -> (usize, usize) {
        let policy = TokenPolicy { lifetime: SimDuration::from_millis(lifetime_ms) };
        let (mut issuer, mut validator) = (clock("issuer", issuer), clock("validator", validator));
        let leeway = SimDuration::from_millis(leeway_ms);
        let checks: Vec<TokenCheck> = (0..1_000u64)
            .map(|i| {
                let issued = at(100 * i);
                let token = Token::issue(policy, issuer.local_at(issued), issued);
                let checked = issued + SimDuration::from_millis(delay(i));
                token.check(policy, validator.local_at(checked), leeway, checked)
            })
            .collect();
        let rejected = checks.iter().filter(|c| c.wrongly_rejected()).count();
        let accepted = checks.iter().filter(|c| c.wrongly_accepted()).count();
        (rejected, accepted)
    }

    /// The issuer runs 2 s ahead; the validator reads true time and allows 1 s; tokens live
    /// 60 s and are checked 0, 0.1, …, 4.9 s after issue (i mod 50 tenths). A check at delay d
    /// accepts when d + 1 s ≥ 2 s: the delays below 1 s, 10 of every 50, are wrongly rejected:
    /// 200 of 1,000. None is expired when checked.
    #[test]
    fn an_issuer_ahead_gets_young_tokens_rejected_as_counted_by_hand() {
        assert_eq!(count((2_000, 0), 60_000, 1_000, |i| (i % 50) * 100), (200, 0));
        // A leeway of 2 s covers the skew: none.
        assert_eq!(count((2_000, 0), 60_000, 2_000, |i| (i % 50) * 100), (0, 0));
    }

    /// The validator runs 30 s behind, no leeway, tokens live 10 s, checked d = i mod 41 s after
    /// issue. Accepted when d − 30 ≥ 0 and d − 30 < 10, i.e. d in 30..40; valid when d < 10.
    /// Per cycle of 41: d in 0..10 wrongly rejected, d in 30..40 wrongly accepted. 1,000
    /// tokens make 24 whole cycles (984) and 16 more (d = 0..15): 24 × 10 + 10 = 250 wrongly
    /// rejected, 24 × 10 = 240 wrongly accepted.
    #[test]
    fn a_validator_behind_accepts_expired_tokens_as_counted_by_hand() {
        assert_eq!(count((0, -30_000), 10_000, 0, |i| (i % 41) * 1_000), (250, 240));
    }
}
