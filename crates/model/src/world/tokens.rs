//! The world's side of tokens: the token each client holds and when it gets a new one, the
//! table of every token issued (requests name one by index, so they stay `Copy` and small), and
//! the `CheckToken` step that judges a request's token on the validating service's clock.
//!
//! A token is stamped from its issuer node's clock at the instant the client needs it: a model
//! simplification, with no call to the issuer and no time passing. The table grows with
//! renewals, never with requests. Must never decide anything from true time but the truth a
//! check is judged against: acceptance reads the validator's clock, renewal the client's.
//!
//! Without tokens (no client holds one), each hook costs one branch on `World::tokens`.

use super::*;
use crate::{Token, TokenCounts, TokenHolding};

/// Tokens in a world where at least one client holds them.
#[derive(Debug)]
pub(super) struct Tokens {
    /// Every token issued, in order; a payload's `token` is an index here plus one.
    issued: Vec<Issued>,
    /// Per client: what it holds (`None`: it sends no token).
    holders: Vec<Option<Holder>>,
    counts: TokenCounts,
}

#[derive(Clone, Copy, Debug)]
struct Issued {
    token: Token,
    lifetime: SimDuration,
    /// The client holding it, to be told when it is refused.
    client: u32,
}

#[derive(Clone, Copy, Debug)]
struct Holder {
    config: TokenHolding,
    /// The token held now (index plus one; 0: none yet).
    current: u32,
    /// A request carrying `current` had it refused: get a new one before the next request.
    refused: bool,
}

impl Tokens {
    /// The clients' tokens, or `None` when no client holds one.
    pub(super) fn new(config: &WorldConfig) -> Option<Self> {
        let holders: Vec<Option<Holder>> = config
            .clients
            .iter()
            .map(|c| c.token.map(|config| Holder { config, current: 0, refused: false }))
            .collect();
        holders.iter().any(Option::is_some).then(|| Tokens {
            issued: Vec::new(),
            holders,
            counts: TokenCounts::default(),
        })
    }

    pub(super) fn counts(&self) -> TokenCounts {
        self.counts
    }
}

impl<O: Observer> World<O> {
    /// The token `client`'s request sent now carries (0: none), getting a new one first when
    /// the client has none, its last was refused, or its clock reads the expiry minus
    /// `renew_before`.
    #[inline]
    pub(super) fn token_for(&mut self, client: u32, now: SimTime) -> u32 {
        match &self.tokens {
            None => 0,
            Some(_) => self.held_token(client, now),
        }
    }

    #[inline(never)]
    fn held_token(&mut self, client: u32, now: SimTime) -> u32 {
        let Some(tokens) = self.tokens.as_deref() else { return 0 };
        let Some(holder) = tokens.holders[client as usize] else { return 0 };
        let renew = i64::try_from(holder.config.renew_before.as_nanos()).unwrap_or(i64::MAX);
        let due = match holder.current {
            0 => true,
            _ if holder.refused => true,
            current => {
                let expires = tokens.issued[current as usize - 1].token.expires_at;
                // The client's own clock decides, as `exp` compared with its `now` would.
                self.local_now(client, now) >= expires.saturating_sub(renew)
            }
        };
        if !due {
            return holder.current;
        }
        let policy = holder.config.policy;
        let token = Token::issue(policy, self.local_now(holder.config.issuer, now), now);
        let Some(tokens) = self.tokens.as_deref_mut() else { return 0 };
        tokens.issued.push(Issued { token, lifetime: policy.lifetime, client });
        tokens.counts.issued += 1;
        let current = u32::try_from(tokens.issued.len()).unwrap_or(u32::MAX);
        tokens.holders[client as usize] =
            Some(Holder { config: holder.config, current, refused: false });
        current
    }

    /// The `CheckToken` step of job `slot`: judges its request's token on its service's clock,
    /// allowing `leeway`, and tells the holder when it is refused. A request without a token
    /// (validation refuses scenarios where one can reach the step) is refused unobserved.
    pub(super) fn check_token(&mut self, slot: u32, leeway: SimDuration, now: SimTime) -> bool {
        let job = self.jobs.get(slot);
        let (service, request, held) = (job.service as usize, job.request, job.payload.token);
        let validator_local = self.local_now((self.clients.len() + service) as u32, now);
        let Some(tokens) = self.tokens.as_deref_mut() else { return false };
        let Some(issued) = held.checked_sub(1).map(|i| tokens.issued[i as usize]) else {
            return false;
        };
        let policy = crate::TokenPolicy { lifetime: issued.lifetime };
        let check = issued.token.check(policy, validator_local, leeway, now);
        tokens.counts.count(check);
        if !check.accepted
            && let Some(holder) = &mut tokens.holders[issued.client as usize]
            && holder.current == held
        {
            holder.refused = true;
        }
        let (token, lifetime) = (issued.token, issued.lifetime);
        let checked = Observation::TokenChecked {
            service,
            request,
            check,
            token,
            lifetime,
            validator_local,
            leeway,
        };
        self.observer.observe(now, &checked);
        check.accepted
    }

    /// How many tokens the run issued and checked; `None` without tokens.
    pub(super) fn token_counts(&self) -> Option<TokenCounts> {
        self.tokens.as_ref().map(|tokens| tokens.counts())
    }
}

#[cfg(test)]
mod tests {
    use faultline_engine::{Limits, run};

    use super::*;
    use crate::{
        ArrivalProcess, CallConfig, ClientConfig, Endpoint, NoObserver, ServiceConfig, Step,
    };

    /// `app` sends one request a second for 10 s to `api`, which checks tokens with no leeway;
    /// `token` is what `app` holds.
    fn run_world(token: Option<TokenHolding>) -> Metrics {
        let call = CallConfig::plain(Endpoint::Service(0), None);
        let app =
            ClientConfig { token, ..ClientConfig::new("app", ArrivalProcess::Fixed, 1.0, call) };
        let check = Step::CheckToken { leeway: SimDuration::ZERO };
        let work = Step::Work { time: Dist::Const { secs: 0.001 }, contention: SimDuration::ZERO };
        let end = SimTime::ZERO + SimDuration::from_millis(10_500);
        let config =
            WorldConfig::new(vec![app], vec![ServiceConfig::new("api", 1, vec![check, work])], end);
        let mut world = World::new(&config, 1, NoObserver);
        let limits = Limits { end, max_events: 10_000, max_work_per_instant: 1_000 };
        run(&mut world, limits).expect("runs");
        world.finish().0
    }

    /// On true time everywhere a token is accepted from its issue to its expiry; a 4 s token
    /// renewed at its expiry serves the requests at 1–4 s, 5–8 s and 9–10 s: 3 tokens, 10
    /// checks, none wrong.
    #[test]
    fn on_true_time_every_token_is_accepted_and_renewed_at_its_expiry() {
        let holding = TokenHolding {
            issuer: 0,
            policy: crate::TokenPolicy { lifetime: SimDuration::from_secs(4) },
            renew_before: SimDuration::ZERO,
        };
        let m = run_world(Some(holding));
        let counts = m.tokens.expect("the client holds tokens");
        let expected =
            TokenCounts { issued: 3, checked: 10, accepted: 10, ..TokenCounts::default() };
        assert_eq!(counts, expected);
        assert_eq!((m.completed, m.failed), (10, 0));
    }

    /// A world built without a token for a service that checks one (validation refuses such a
    /// scenario): each request is refused with an error, and nothing is counted as a check.
    #[test]
    fn a_request_without_a_token_is_refused_unjudged() {
        let m = run_world(None);
        assert_eq!((m.completed, m.failed, m.tokens), (0, 10, None));
    }
}
