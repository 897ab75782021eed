//! What the two token properties share: counting the checks that went wrong one way, keeping
//! the first, and putting it in words a person can follow (who checked, the token's claims on
//! its issuer's clock, the validator's clock against true time, the leeway). Not a property
//! itself; must never allocate while watching.

use faultline_engine::{SimDuration, SimTime};
use faultline_model::{Observation, Token, TokenCheck};

use super::{RunEnd, Violation};

/// One check, as observed.
#[derive(Clone, Copy, Debug)]
struct Check {
    at: SimTime,
    service: usize,
    request: u64,
    token: Token,
    lifetime: SimDuration,
    validator_local: i64,
    leeway: SimDuration,
}

/// The checks that went wrong one way: how many, of how many, and the first.
#[derive(Debug, Default)]
pub(super) struct WrongChecks {
    checked: u64,
    wrong: u64,
    first: Option<Check>,
}

impl WrongChecks {
    /// Counts a `TokenChecked` observation; `wrong` says whether its check went wrong the way
    /// this property watches.
    #[inline]
    pub(super) fn observe(
        &mut self,
        now: SimTime,
        what: &Observation,
        wrong: fn(&TokenCheck) -> bool,
    ) {
        let Observation::TokenChecked {
            service,
            request,
            check,
            token,
            lifetime,
            validator_local,
            leeway,
        } = *what
        else {
            return;
        };
        self.checked += 1;
        if !wrong(&check) {
            return;
        }
        self.wrong += 1;
        if self.first.is_none() {
            let at = now;
            self.first =
                Some(Check { at, service, request, token, lifetime, validator_local, leeway });
        }
    }

    /// The first wrong check in words, `did` saying what the validator did (`refused a valid
    /// token`), with the count of wrong checks; `None` when there was none.
    pub(super) fn violation(&self, end: &RunEnd, did: &str) -> Option<Violation> {
        let first = self.first?;
        let service = end.metrics.services.get(first.service).map_or("?", |s| s.name.as_str());
        let token = first.token;
        let true_now = nanos(first.at);
        let detail = format!(
            "{service} {did} at {at}: issued at {issued} true time, it claims issued-at {iat} and \
             expiry {exp} on its issuer's clock ({issuer_off} true time) and was valid until \
             {until}; {service}'s clock read {local} ({validator_off} true time), leeway {leeway}. \
             {wrong} of {checked} checks {did}",
            at = clock(true_now),
            issued = clock(nanos(token.issued)),
            iat = clock(token.issued_at),
            exp = clock(token.expires_at),
            issuer_off = offset(token.issued_at - nanos(token.issued)),
            until = clock(nanos(token.issued + first.lifetime)),
            local = clock(first.validator_local),
            validator_off = offset(first.validator_local - true_now),
            leeway = first.leeway,
            wrong = self.wrong,
            checked = self.checked,
        );
        Some(Violation { at: first.at, request: Some(first.request), detail })
    }
}

fn nanos(t: SimTime) -> i64 {
    i64::try_from(t.as_nanos()).unwrap_or(i64::MAX)
}

/// A clock reading in seconds from time zero, to the millisecond: `12.345s`, `-287.700s`.
fn clock(ns: i64) -> String {
    format!("{:.3}s", ns as f64 / 1e9)
}

/// How far a clock is from true time: `2.000s ahead of`, `300.012s behind`, `on`.
fn offset(ns: i64) -> String {
    let secs = (ns as f64 / 1e9).abs();
    match ns.signum() {
        1 => format!("{secs:.3}s ahead of"),
        -1 => format!("{secs:.3}s behind"),
        _ => "on".to_string(),
    }
}
