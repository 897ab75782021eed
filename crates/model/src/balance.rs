//! Load balancing at the caller: which instance of a service an attempt goes to (round-robin,
//! random, least outstanding, or the better of two random choices), and outlier ejection
//! modelled on Envoy's (an instance with K consecutive failures or timeouts is left out for a
//! base time that grows with each ejection, with at most a share of instances out at once).
//!
//! A balancer sees only what its caller sees: its own attempts in flight and how they ended.
//! It must never look at an instance's queue or workers, and it draws randomness only from its
//! own stream (`balance/<call path>`).

use faultline_engine::{RngStreams, SimDuration, SimRng, SimTime};
use rand::RngExt;

/// How a caller picks an instance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Balance {
    #[default]
    RoundRobin,
    Random,
    /// The instance with the fewest of this caller's attempts in flight (ties: round-robin).
    LeastOutstanding,
    /// Two distinct random instances; the one with fewer attempts in flight.
    PowerOfTwo,
}

/// Outlier ejection, as Envoy's `consecutive_5xx` detection.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ejection {
    /// Consecutive failures or timeouts that eject an instance.
    pub consecutive_failures: u32,
    /// An instance ejected for the n-th time stays out for n × this.
    pub base_time: SimDuration,
    /// At most this share of instances is ejected at once (0 to 1), but always at least one, as
    /// in Envoy.
    pub max_share: f64,
}

/// One instance as its caller sees it.
#[derive(Clone, Copy, Debug, Default)]
struct Seen {
    outstanding: u32,
    consecutive_failures: u32,
    ejections: u32,
    ejected_until: SimTime,
}

/// The instances one pick may choose from, described rather than listed (no allocation).
#[derive(Clone, Copy, Debug)]
struct Candidates {
    now: SimTime,
    /// Every instance is ejected: ejection is ignored.
    all_out: bool,
    avoid: Option<usize>,
    count: usize,
}

impl Candidates {
    fn allows(&self, balancer: &Balancer, instance: usize) -> bool {
        (self.all_out || balancer.admits(instance, self.now)) && self.avoid != Some(instance)
    }
}

/// The balancer of one call site over the instances `first .. first + count`.
#[derive(Debug)]
pub(crate) struct Balancer {
    first: usize,
    policy: Balance,
    ejection: Option<Ejection>,
    seen: Vec<Seen>,
    next: usize,
    rng: Option<SimRng>,
}

impl Balancer {
    /// `path` names the stream random policies draw from.
    pub(crate) fn new(
        (first, count): (usize, usize),
        policy: Balance,
        ejection: Option<Ejection>,
        path: &str,
        streams: &RngStreams,
    ) -> Self {
        let random = matches!(policy, Balance::Random | Balance::PowerOfTwo);
        Balancer {
            first,
            policy,
            ejection,
            seen: vec![Seen::default(); count],
            next: 0,
            rng: random.then(|| streams.stream(&format!("balance/{path}"))),
        }
    }

    /// The instance (a service index) for an attempt at `now`. A retry names the instance its
    /// previous attempt went to, which it avoids when another is available. Allocates nothing.
    pub(crate) fn pick(&mut self, now: SimTime, avoid: Option<usize>) -> usize {
        let avoid = avoid.and_then(|s| s.checked_sub(self.first)).filter(|&i| i < self.seen.len());
        let candidates = self.candidates(now, avoid);
        let chosen = self.choose(&candidates);
        self.seen[chosen].outstanding += 1;
        self.first + chosen
    }

    /// Which instances an attempt may go to: those not ejected (all of them when every one is,
    /// as Envoy's panic mode does, so ejection never leaves a caller nowhere to go), without
    /// the one to avoid unless it is the only one.
    fn candidates(&self, now: SimTime, avoid: Option<usize>) -> Candidates {
        let all_out = (0..self.seen.len()).all(|i| !self.admits(i, now));
        let mut candidates = Candidates { now, all_out, avoid: None, count: 0 };
        candidates.count = (0..self.seen.len()).filter(|&i| candidates.allows(self, i)).count();
        if let Some(avoid) = avoid
            && candidates.count > 1
            && candidates.allows(self, avoid)
        {
            candidates.avoid = Some(avoid);
            candidates.count -= 1;
        }
        candidates
    }

    fn admits(&self, instance: usize, now: SimTime) -> bool {
        self.seen[instance].ejected_until <= now
    }

    /// The `k`-th candidate in index order.
    fn nth(&self, candidates: &Candidates, k: usize) -> usize {
        (0..self.seen.len()).filter(|&i| candidates.allows(self, i)).nth(k).expect("k < count")
    }

    fn choose(&mut self, candidates: &Candidates) -> usize {
        match self.policy {
            Balance::RoundRobin => self.round_robin(candidates, |_| true),
            Balance::Random => {
                let rng = self.rng.as_mut().expect("random balancers have a stream");
                let k = rng.random_range(0..candidates.count);
                self.nth(candidates, k)
            }
            Balance::LeastOutstanding => {
                let fewest = (0..self.seen.len())
                    .filter(|&i| candidates.allows(self, i))
                    .map(|i| self.seen[i].outstanding)
                    .min()
                    .unwrap_or(0);
                self.round_robin(candidates, |seen| seen.outstanding == fewest)
            }
            Balance::PowerOfTwo => {
                let rng = self.rng.as_mut().expect("random balancers have a stream");
                let n = candidates.count;
                let a = rng.random_range(0..n);
                if n == 1 {
                    return self.nth(candidates, a);
                }
                let b = (a + 1 + rng.random_range(0..n - 1)) % n;
                let (a, b) = (self.nth(candidates, a), self.nth(candidates, b));
                if self.seen[b].outstanding < self.seen[a].outstanding { b } else { a }
            }
        }
    }

    /// The first candidate from the rotating start that is `wanted`.
    fn round_robin(&mut self, candidates: &Candidates, wanted: impl Fn(&Seen) -> bool) -> usize {
        let count = self.seen.len();
        let chosen = (0..count)
            .map(|k| (self.next + k) % count)
            .find(|&i| candidates.allows(self, i) && wanted(&self.seen[i]))
            .unwrap_or_else(|| self.nth(candidates, 0));
        self.next = (chosen + 1) % count;
        chosen
    }

    /// The caller restarted: it has seen nothing yet.
    pub(crate) fn restart(&mut self) {
        self.seen.iter_mut().for_each(|s| *s = Seen::default());
        self.next = 0;
    }

    /// An attempt sent to `service` ended. `failed` is an error or a timeout; rejections say
    /// nothing about the instance's health and pass `None`.
    /// An attempt counted at `from` went to `to`.
    pub(crate) fn reroute(&mut self, from: usize, to: usize) {
        self.seen[from - self.first].outstanding -= 1;
        self.seen[to - self.first].outstanding += 1;
    }

    pub(crate) fn record(&mut self, service: usize, failed: Option<bool>, now: SimTime) {
        let i = service - self.first;
        self.seen[i].outstanding -= 1;
        let Some(failed) = failed else { return };
        if !failed {
            self.seen[i].consecutive_failures = 0;
            return;
        }
        self.seen[i].consecutive_failures += 1;
        if let Some(ejection) = self.ejection
            && self.seen[i].consecutive_failures >= ejection.consecutive_failures
            && self.admits(i, now)
            && self.may_eject(ejection, now)
        {
            let seen = &mut self.seen[i];
            seen.ejections += 1;
            seen.consecutive_failures = 0;
            let out_for = ejection.base_time.as_nanos().saturating_mul(u64::from(seen.ejections));
            seen.ejected_until = now + SimDuration::from_nanos(out_for);
        }
    }

    /// Whether one more ejection keeps the ejected share within the limit (one is always
    /// allowed).
    fn may_eject(&self, ejection: Ejection, now: SimTime) -> bool {
        let out = (0..self.seen.len()).filter(|&i| !self.admits(i, now)).count();
        (out + 1) as f64 <= (ejection.max_share * self.seen.len() as f64).max(1.0)
    }

    /// Instances ejected at `now`, for tests and reports.
    #[cfg(test)]
    fn ejected(&self, now: SimTime) -> Vec<usize> {
        (0..self.seen.len()).filter(|&i| !self.admits(i, now)).map(|i| self.first + i).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(s)
    }

    fn balancer(policy: Balance, ejection: Option<Ejection>) -> Balancer {
        Balancer::new((10, 3), policy, ejection, "clients.c", &RngStreams::new(1))
    }

    #[test]
    fn round_robin_takes_turns_and_a_retry_avoids_the_instance_that_failed_it() {
        let mut b = balancer(Balance::RoundRobin, None);
        let picks: Vec<usize> = (0..6).map(|_| b.pick(secs(0), None)).collect();
        assert_eq!(picks, [10, 11, 12, 10, 11, 12]);
        // The next turn is 10's; a retry of an attempt that went to 10 goes to 11 instead.
        assert_eq!(b.pick(secs(0), Some(10)), 11);
    }

    /// 30,000 picks spread evenly: each instance gets a third within a 99 % binomial interval
    /// (±2.576·√(n·p·(1−p)) = ±210).
    #[test]
    fn random_and_power_of_two_spread_load_evenly() {
        for policy in [Balance::Random, Balance::PowerOfTwo] {
            let mut b = balancer(policy, None);
            let mut counts = [0u64; 3];
            for _ in 0..30_000 {
                let s = b.pick(secs(0), None);
                counts[s - 10] += 1;
                b.record(s, Some(false), secs(0)); // answered at once: nothing outstanding
            }
            assert!(counts.iter().all(|&c| c.abs_diff(10_000) <= 210), "{policy:?}: {counts:?}");
        }
    }

    #[test]
    fn least_outstanding_and_power_of_two_avoid_the_busy_instance() {
        for policy in [Balance::LeastOutstanding, Balance::PowerOfTwo] {
            let mut b = balancer(policy, None);
            // Instance 10 holds five attempts that never end; the others answer at once.
            for _ in 0..5 {
                b.seen[0].outstanding += 1;
            }
            let mut to_busy = 0;
            for _ in 0..300 {
                let s = b.pick(secs(0), None);
                to_busy += u32::from(s == 10);
                b.record(s, Some(false), secs(0));
            }
            // Least outstanding never picks it; two random choices only when both picks are it,
            // which two distinct choices never are.
            assert_eq!(to_busy, 0, "{policy:?}");
        }
    }

    #[test]
    fn ejection_after_k_failures_lasts_longer_each_time_and_respects_the_share() {
        let ejection = Ejection {
            consecutive_failures: 3,
            base_time: SimDuration::from_secs(30),
            max_share: 0.5,
        };
        let mut b = balancer(Balance::RoundRobin, Some(ejection));
        let fail = |b: &mut Balancer, s: usize, at: SimTime| {
            b.seen[s - 10].outstanding += 1;
            b.record(s, Some(true), at);
        };
        fail(&mut b, 11, secs(1));
        fail(&mut b, 11, secs(1));
        assert!(b.ejected(secs(1)).is_empty(), "two failures are not enough");
        fail(&mut b, 11, secs(2));
        assert_eq!(b.ejected(secs(2)), [11]);
        assert!(b.ejected(secs(32)).is_empty(), "back after 30 s");
        for _ in 0..3 {
            fail(&mut b, 11, secs(40));
        }
        assert_eq!(b.ejected(secs(99)), [11], "the second ejection lasts 60 s");
        assert!(b.ejected(secs(100)).is_empty());
        // With 11 out, one more of three would make two thirds ejected: above half, refused.
        for _ in 0..3 {
            fail(&mut b, 11, secs(101));
            fail(&mut b, 12, secs(101));
        }
        assert_eq!(b.ejected(secs(101)), [11]);
        // Picks skip the ejected instance.
        let picks: Vec<usize> = (0..4).map(|_| b.pick(secs(102), None)).collect();
        assert!(!picks.contains(&11), "{picks:?}");
    }

    #[test]
    fn a_success_resets_the_failure_count_and_rejections_do_not_count() {
        let ejection = Ejection {
            consecutive_failures: 2,
            base_time: SimDuration::from_secs(1),
            max_share: 1.0,
        };
        let mut b = balancer(Balance::RoundRobin, Some(ejection));
        for outcome in [Some(true), Some(false), Some(true), None, None] {
            b.seen[0].outstanding += 1;
            b.record(10, outcome, secs(0));
        }
        assert!(b.ejected(secs(0)).is_empty());
    }

    #[test]
    fn with_every_instance_ejected_all_are_candidates_again() {
        let ejection = Ejection {
            consecutive_failures: 1,
            base_time: SimDuration::from_secs(10),
            max_share: 1.0,
        };
        let mut b = balancer(Balance::RoundRobin, Some(ejection));
        for s in 10..13 {
            b.seen[s - 10].outstanding += 1;
            b.record(s, Some(true), secs(0));
        }
        assert_eq!(b.ejected(secs(1)), [10, 11, 12]);
        assert_eq!(b.pick(secs(1), None), 10);
    }
}
