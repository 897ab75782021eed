//! Circuit breaker: stops calling a dependency whose recent calls mostly fail or are slow, then
//! probes it after a pause (resilience4j's state machine).

use super::SubWindows;
use faultline_engine::{SimDuration, SimTime};
use std::ops::AddAssign;

/// Where the breaker is in its cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls flow; outcomes are tallied in the sliding window.
    Closed,
    /// Calls are refused until the open period ends.
    Open,
    /// A few probe calls are let through to decide whether to close or reopen.
    HalfOpen,
}

/// The sliding window a closed breaker judges failure and slow-call rates over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    /// The last `n` recorded calls (n ≥ 1).
    Count(u32),
    /// The calls recorded in the last span of time, sliding in tenths (a call stops counting
    /// between 0.9 and 1.0 of the span after it finished).
    Time(SimDuration),
}

/// How a permitted call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallOutcome {
    Success,
    Error,
    /// The caller gave up waiting.
    Timeout,
    /// The dependency refused the call (load shedding, a full queue). Not this breaker refusing:
    /// calls the breaker refuses never started and are not recorded.
    Rejected,
}

/// Which outcomes count as failures. Success never does.
///
/// Leaving `timeout` off is a realistic misconfiguration: a dependency that hangs then looks
/// healthy to the failure rate, and only the slow-call rate can trip the breaker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CountsAsFailure {
    pub error: bool,
    pub timeout: bool,
    pub rejected: bool,
}

impl CountsAsFailure {
    /// Every outcome but success is a failure.
    pub const ALL: CountsAsFailure = CountsAsFailure { error: true, timeout: true, rejected: true };

    pub fn counts(&self, outcome: CallOutcome) -> bool {
        match outcome {
            CallOutcome::Success => false,
            CallOutcome::Error => self.error,
            CallOutcome::Timeout => self.timeout,
            CallOutcome::Rejected => self.rejected,
        }
    }
}

/// A breaker's parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BreakerConfig {
    pub window: Window,
    /// Open when failures / calls ≥ this, in `0..=1`. Above 1 this trigger never fires.
    pub failure_rate: f64,
    /// Open when slow calls / calls ≥ this, in `0..=1`. 1.0 still opens when every call in the
    /// window is slow; use a value above 1 (e.g. `f64::INFINITY`) to disable slow-call tripping.
    pub slow_call_rate: f64,
    /// A call is slow if it took at least this long, whatever its outcome.
    pub slow_call_duration: SimDuration,
    /// No decision before this many calls are in the window. More than a count window holds
    /// means the breaker never opens.
    pub minimum_calls: u32,
    pub open_duration: SimDuration,
    /// Probes allowed in flight at once while half-open (≥ 1); this many must succeed, with no
    /// failure or slow call among them, to close.
    pub half_open_probes: u32,
    pub count_as_failure: CountsAsFailure,
}

/// A change of state, stamped with the instant it took effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    pub at: SimTime,
    pub from: BreakerState,
    pub to: BreakerState,
}

/// Calls, failures and slow calls over a window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tally {
    calls: u64,
    failures: u64,
    slow: u64,
}

impl AddAssign for Tally {
    fn add_assign(&mut self, other: Tally) {
        self.calls += other.calls;
        self.failures += other.failures;
        self.slow += other.slow;
    }
}

impl Tally {
    fn one(failure: bool, slow: bool) -> Tally {
        Tally { calls: 1, failures: u64::from(failure), slow: u64::from(slow) }
    }
}

/// The last `n` outcomes as a ring, with running totals so a record is O(1).
#[derive(Clone, Debug)]
struct LastN {
    /// `(failure, slow)` per call; allocated once, at construction.
    ring: Vec<(bool, bool)>,
    /// Where the next outcome goes.
    next: usize,
    /// Totals over the occupied part of the ring.
    tally: Tally,
}

impl LastN {
    fn push(&mut self, failure: bool, slow: bool) {
        if self.tally.calls == self.ring.len() as u64 {
            let (old_failure, old_slow) = self.ring[self.next];
            self.tally.calls -= 1;
            self.tally.failures -= u64::from(old_failure);
            self.tally.slow -= u64::from(old_slow);
        }
        self.ring[self.next] = (failure, slow);
        self.next = (self.next + 1) % self.ring.len();
        self.tally += Tally::one(failure, slow);
    }

    fn clear(&mut self) {
        self.next = 0;
        self.tally = Tally::default();
    }
}

#[derive(Clone, Debug)]
enum Outcomes {
    Count(LastN),
    /// Boxed (once, at construction) so a count-window breaker is not sized for the time ring.
    Time(Box<SubWindows<Tally>>),
}

impl Outcomes {
    fn new(window: Window) -> Self {
        match window {
            Window::Count(n) => {
                assert!(n >= 1, "a count window must hold at least one call");
                Outcomes::Count(LastN {
                    ring: vec![(false, false); n as usize],
                    next: 0,
                    tally: Tally::default(),
                })
            }
            Window::Time(span) => Outcomes::Time(Box::new(SubWindows::new(span))),
        }
    }

    fn push(&mut self, now: SimTime, failure: bool, slow: bool) {
        match self {
            Outcomes::Count(last) => last.push(failure, slow),
            Outcomes::Time(windows) => *windows.current(now) += Tally::one(failure, slow),
        }
    }

    fn tally(&self, now: SimTime) -> Tally {
        match self {
            Outcomes::Count(last) => last.tally,
            Outcomes::Time(windows) => windows.total(now),
        }
    }

    fn clear(&mut self) {
        match self {
            Outcomes::Count(last) => last.clear(),
            Outcomes::Time(windows) => windows.clear(),
        }
    }
}

/// A circuit breaker as a pure state machine.
///
/// Closed: every outcome goes into the window; once it holds `minimum_calls`, the breaker opens if
/// the failure rate or the slow-call rate reaches its threshold. Open: calls are refused for
/// `open_duration`, then the breaker is half-open (lazily, on the next [`state`](Self::state) or
/// [`try_acquire`](Self::try_acquire)). Half-open: up to `half_open_probes` calls in flight; any
/// failed or slow probe reopens it for a new open period, `half_open_probes` successes close it.
/// Every change clears the window.
///
/// An outcome counts only in the state period its call started in, judged by
/// `now - duration`: a straggler that started before the breaker last changed state (a call from
/// before it opened, a probe finishing after it closed) is ignored, so it can neither be mistaken
/// for a probe nor judge a period it was not part of.
#[derive(Clone, Debug)]
pub struct Breaker {
    config: BreakerConfig,
    /// The state as last stored; an Open state past `open_until` is really HalfOpen.
    state: BreakerState,
    /// When the stored state began.
    since: SimTime,
    /// End of the current open period (meaningful while Open).
    open_until: SimTime,
    /// Probes permitted and not yet recorded (meaningful while HalfOpen).
    probes_in_flight: u32,
    /// Probes that succeeded in this half-open period.
    probes_succeeded: u32,
    outcomes: Outcomes,
}

impl Breaker {
    /// A closed breaker with an empty window.
    ///
    /// # Panics
    /// If `half_open_probes` is zero (it could never close), a count window is empty, a time
    /// window is zero, or a rate is NaN.
    pub fn new(config: BreakerConfig) -> Self {
        assert!(config.half_open_probes >= 1, "a breaker needs at least one half-open probe");
        assert!(
            !config.failure_rate.is_nan() && !config.slow_call_rate.is_nan(),
            "NaN rate threshold"
        );
        Breaker {
            config,
            state: BreakerState::Closed,
            since: SimTime::ZERO,
            open_until: SimTime::ZERO,
            probes_in_flight: 0,
            probes_succeeded: 0,
            outcomes: Outcomes::new(config.window),
        }
    }

    pub fn config(&self) -> &BreakerConfig {
        &self.config
    }

    /// The state at `now`: Open turns HalfOpen once `open_duration` has passed.
    pub fn state(&self, now: SimTime) -> BreakerState {
        match self.state {
            BreakerState::Open if now >= self.open_until => BreakerState::HalfOpen,
            state => state,
        }
    }

    /// May a call start now? In Open: no. In HalfOpen: only while probes in flight are fewer than
    /// `half_open_probes`. Returns the permission and, if the breaker went from Open to HalfOpen,
    /// that transition (stamped with the end of the open period, which may be before `now`).
    pub fn try_acquire(&mut self, now: SimTime) -> (bool, Option<Transition>) {
        let transition = self.end_open_period(now);
        let permitted = match self.state {
            BreakerState::Closed => true,
            BreakerState::Open => false,
            BreakerState::HalfOpen if self.probes_in_flight < self.config.half_open_probes => {
                self.probes_in_flight += 1;
                true
            }
            BreakerState::HalfOpen => false,
        };
        (permitted, transition)
    }

    /// A permitted call finished at `now` with `outcome` after `duration` (so it started at
    /// `now - duration`). Returns the transition it caused, if any.
    pub fn record(
        &mut self,
        now: SimTime,
        outcome: CallOutcome,
        duration: SimDuration,
    ) -> Option<Transition> {
        let started = SimTime::from_nanos(now.as_nanos().saturating_sub(duration.as_nanos()));
        if started < self.since {
            return None; // a straggler from an earlier state period
        }
        let failure = self.config.count_as_failure.counts(outcome);
        let slow = duration >= self.config.slow_call_duration;
        match self.state {
            BreakerState::Closed => self.record_closed(now, failure, slow),
            BreakerState::HalfOpen => self.record_probe(now, failure || slow),
            // Nothing permitted while open can finish: such a call started before it opened.
            BreakerState::Open => None,
        }
    }

    fn record_closed(&mut self, now: SimTime, failure: bool, slow: bool) -> Option<Transition> {
        self.outcomes.push(now, failure, slow);
        let tally = self.outcomes.tally(now);
        if tally.calls < u64::from(self.config.minimum_calls) {
            return None;
        }
        // Divide rather than compare failures ≥ rate × calls: 0.55 × 100 is 55.00000000000001,
        // so 55 failures in 100 would not trip a 0.55 threshold. A correctly rounded quotient of
        // the exact ratio equals the threshold's own rounding whenever the two are equal.
        let calls = tally.calls as f64;
        let tripped = tally.failures as f64 / calls >= self.config.failure_rate
            || tally.slow as f64 / calls >= self.config.slow_call_rate;
        tripped.then(|| self.open(now))
    }

    fn record_probe(&mut self, now: SimTime, failed: bool) -> Option<Transition> {
        self.probes_in_flight = self.probes_in_flight.saturating_sub(1);
        if failed {
            return Some(self.open(now));
        }
        self.probes_succeeded += 1;
        (self.probes_succeeded >= self.config.half_open_probes)
            .then(|| self.enter(now, BreakerState::Closed))
    }

    /// Starts a new open period at `now`.
    fn open(&mut self, now: SimTime) -> Transition {
        self.open_until = now + self.config.open_duration;
        self.enter(now, BreakerState::Open)
    }

    /// Moves Open → HalfOpen if the open period is over, as of its end.
    fn end_open_period(&mut self, now: SimTime) -> Option<Transition> {
        (self.state(now) != self.state).then(|| self.enter(self.open_until, BreakerState::HalfOpen))
    }

    /// Switches to `to` as of `at`, starting it afresh.
    fn enter(&mut self, at: SimTime, to: BreakerState) -> Transition {
        let from = self.state;
        self.state = to;
        self.since = at;
        self.probes_in_flight = 0;
        self.probes_succeeded = 0;
        self.outcomes.clear();
        Transition { at, from, to }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BreakerState::{Closed, HalfOpen, Open};
    use CallOutcome::{Error, Success, Timeout};

    fn at_ms(ms: u64) -> SimTime {
        SimTime::from_nanos(ms * 1_000_000)
    }

    fn ms(millis: u64) -> SimDuration {
        SimDuration::from_millis(millis)
    }

    fn transition(at: SimTime, from: BreakerState, to: BreakerState) -> Option<Transition> {
        Some(Transition { at, from, to })
    }

    /// Count window of 10, decisions from 5 calls, opens at 50 % failures or 100 % slow (≥ 1 s),
    /// open for 10 s, 2 probes.
    fn config() -> BreakerConfig {
        BreakerConfig {
            window: Window::Count(10),
            failure_rate: 0.5,
            slow_call_rate: 1.0,
            slow_call_duration: SimDuration::from_secs(1),
            minimum_calls: 5,
            open_duration: SimDuration::from_secs(10),
            half_open_probes: 2,
            count_as_failure: CountsAsFailure::ALL,
        }
    }

    /// Acquires and records a call that took `took` ms, finishing at `end_ms`.
    fn call(
        breaker: &mut Breaker,
        end_ms: u64,
        outcome: CallOutcome,
        took: u64,
    ) -> Option<Transition> {
        let (permitted, _) = breaker.try_acquire(at_ms(end_ms - took));
        assert!(permitted, "call starting at {} ms refused", end_ms - took);
        breaker.record(at_ms(end_ms), outcome, ms(took))
    }

    #[test]
    fn scripted_open_half_open_reopen_close() {
        let mut breaker = Breaker::new(config());
        // Calls ending at 1..5 s: S E S E E. After four calls the rate is 2/4 = 50 %, but four is
        // below the minimum of 5; the fifth makes it 3/5 = 60 % ≥ 50 %, so it opens at 5 s.
        for (i, outcome) in [Success, Error, Success, Error].into_iter().enumerate() {
            assert_eq!(call(&mut breaker, 1_000 * (i as u64 + 1), outcome, 10), None);
        }
        assert_eq!(call(&mut breaker, 5_000, Error, 10), transition(at_ms(5_000), Closed, Open));

        // Open from 5 s to 15 s: refused, and a straggler that started before opening is ignored.
        assert_eq!(breaker.try_acquire(at_ms(6_000)), (false, None));
        assert_eq!(breaker.record(at_ms(6_000), Error, ms(1_500)), None);
        assert_eq!(breaker.state(at_ms(14_999)), Open);
        assert_eq!(breaker.state(at_ms(15_000)), HalfOpen);

        // Half-open: the first acquire reports the change as of 15 s; two probes, no third.
        assert_eq!(
            breaker.try_acquire(at_ms(15_500)),
            (true, transition(at_ms(15_000), Open, HalfOpen))
        );
        assert_eq!(breaker.try_acquire(at_ms(15_500)), (true, None));
        assert_eq!(breaker.try_acquire(at_ms(15_500)), (false, None));
        assert_eq!(breaker.record(at_ms(15_600), Success, ms(100)), None);
        // A call from 14.6 s (before half-open) is not a probe, whatever its outcome.
        assert_eq!(breaker.record(at_ms(15_600), Error, ms(1_000)), None);
        // The second probe fails at 15.7 s: open again, until 25.7 s.
        assert_eq!(
            breaker.record(at_ms(15_700), Error, ms(200)),
            transition(at_ms(15_700), HalfOpen, Open)
        );
        assert_eq!(breaker.try_acquire(at_ms(20_000)), (false, None));
        assert_eq!(breaker.state(at_ms(25_699)), Open);

        // Two successful probes close it.
        assert_eq!(
            breaker.try_acquire(at_ms(25_700)),
            (true, transition(at_ms(25_700), Open, HalfOpen))
        );
        assert_eq!(breaker.try_acquire(at_ms(25_700)), (true, None));
        assert_eq!(breaker.record(at_ms(25_800), Success, ms(100)), None);
        assert_eq!(
            breaker.record(at_ms(25_900), Success, ms(200)),
            transition(at_ms(25_900), HalfOpen, Closed)
        );
        assert_eq!(breaker.state(at_ms(25_900)), Closed);
        assert_eq!(breaker.try_acquire(at_ms(26_000)), (true, None));
    }

    #[test]
    fn a_finished_probe_frees_its_slot() {
        let mut breaker = Breaker::new(BreakerConfig { half_open_probes: 2, ..config() });
        for end in 1..=5 {
            call(&mut breaker, end * 1_000, Error, 10);
        }
        assert_eq!(breaker.state(at_ms(15_000)), HalfOpen);
        assert!(breaker.try_acquire(at_ms(15_000)).0);
        assert!(breaker.try_acquire(at_ms(15_000)).0);
        assert!(!breaker.try_acquire(at_ms(15_010)).0);
        assert_eq!(breaker.record(at_ms(15_020), Success, ms(20)), None);
        assert!(breaker.try_acquire(at_ms(15_030)).0, "one probe finished, so one may start");
    }

    #[test]
    fn a_slow_successful_probe_reopens() {
        let mut breaker = Breaker::new(config());
        for end in 1..=5 {
            call(&mut breaker, end * 1_000, Error, 10);
        }
        assert!(breaker.try_acquire(at_ms(15_000)).0);
        assert_eq!(
            breaker.record(at_ms(16_000), Success, ms(1_000)),
            transition(at_ms(16_000), HalfOpen, Open)
        );
    }

    #[test]
    fn uncounted_timeouts_never_open_but_slow_calls_do() {
        let misconfigured = BreakerConfig {
            slow_call_rate: f64::INFINITY,
            count_as_failure: CountsAsFailure { timeout: false, ..CountsAsFailure::ALL },
            ..config()
        };
        let mut breaker = Breaker::new(misconfigured);
        for i in 1..=100 {
            assert_eq!(call(&mut breaker, i * 2_000, Timeout, 2_000), None);
        }
        assert_eq!(breaker.state(at_ms(200_000)), Closed);

        // Same timeouts, but calls of ≥ 1 s count as slow and all of them are: 5/5 ≥ 100 %.
        let mut breaker = Breaker::new(BreakerConfig { slow_call_rate: 1.0, ..misconfigured });
        for i in 1..=4 {
            assert_eq!(call(&mut breaker, i * 2_000, Timeout, 2_000), None);
        }
        assert_eq!(
            call(&mut breaker, 10_000, Timeout, 2_000),
            transition(at_ms(10_000), Closed, Open)
        );
    }

    #[test]
    fn never_opens_below_the_minimum_number_of_calls() {
        // 10 s time window (1 s sub-windows), minimum 5, one error every 3 s: the window never
        // holds more than 4 calls (e.g. at 12 s: the calls at 3, 6, 9 and 12 s).
        let config = BreakerConfig { window: Window::Time(SimDuration::from_secs(10)), ..config() };
        let mut breaker = Breaker::new(config);
        for i in 1..=100 {
            assert_eq!(call(&mut breaker, i * 3_000, Error, 10), None, "call {i}");
        }
        assert_eq!(breaker.state(at_ms(300_000)), Closed);
    }

    #[test]
    fn time_window_ages_out_old_failures() {
        // Four errors at 0.5 s (sub-window 0), then four successes and an error at `later`.
        // At 9.5 s the old errors still count: the first success makes 4/5 = 80 % → open.
        // At 10.5 s they have aged out: 1/5 = 20 % < 50 % → stays closed.
        let config = BreakerConfig { window: Window::Time(SimDuration::from_secs(10)), ..config() };
        let run = |later: u64| {
            let mut breaker = Breaker::new(config);
            let mut transitions = Vec::new();
            for _ in 0..4 {
                transitions.extend(call(&mut breaker, 500, Error, 10));
            }
            for outcome in [Success, Success, Success, Success, Error] {
                if breaker.state(at_ms(later)) == Closed {
                    transitions.extend(call(&mut breaker, later, outcome, 10));
                }
            }
            transitions
        };
        assert_eq!(run(9_500), [Transition { at: at_ms(9_500), from: Closed, to: Open }]);
        assert_eq!(run(10_500), []);
    }

    #[test]
    fn count_window_keeps_only_the_last_n_calls() {
        // Window of 10 and minimum 10, so only a full window decides. Four errors, then ten
        // successes push them out; four new errors give 4/10 and a fifth 5/10 = 50 % → open.
        // Had the first errors been kept, the fifth new one would make 9/19 ≈ 47 %: still closed.
        let mut breaker = Breaker::new(BreakerConfig { minimum_calls: 10, ..config() });
        let outcomes = [[Error; 4].as_slice(), &[Success; 10], &[Error; 4]].concat();
        for (i, outcome) in outcomes.into_iter().enumerate() {
            assert_eq!(call(&mut breaker, 1_000 + i as u64 * 100, outcome, 10), None, "call {i}");
        }
        assert_eq!(call(&mut breaker, 5_000, Error, 10), transition(at_ms(5_000), Closed, Open));
    }

    #[test]
    fn a_probe_finishing_after_close_does_not_count() {
        let mut breaker = Breaker::new(BreakerConfig { minimum_calls: 1, ..config() });
        assert_eq!(call(&mut breaker, 1_000, Error, 10), transition(at_ms(1_000), Closed, Open));
        // Half-open from 11 s. Probes 1 and 2 start at 11 s; probe 1 succeeds at 11.1 s, which
        // frees a slot for probe 3; probe 2 succeeds at 11.2 s and closes the breaker.
        assert!(breaker.try_acquire(at_ms(11_000)).0);
        assert!(breaker.try_acquire(at_ms(11_000)).0);
        assert_eq!(breaker.record(at_ms(11_100), Success, ms(100)), None);
        assert!(breaker.try_acquire(at_ms(11_100)).0);
        assert_eq!(
            breaker.record(at_ms(11_200), Success, ms(200)),
            transition(at_ms(11_200), HalfOpen, Closed)
        );
        // Probe 3 (started 11.1 s) fails at 11.3 s: it belongs to the half-open period, so it
        // neither counts in the fresh closed window nor, with minimum 1, reopens the breaker.
        assert_eq!(breaker.record(at_ms(11_300), Error, ms(200)), None);
        assert_eq!(breaker.state(at_ms(11_300)), Closed);
        assert_eq!(call(&mut breaker, 11_400, Error, 10), transition(at_ms(11_400), Closed, Open));
    }

    #[test]
    fn a_rate_exactly_at_the_threshold_trips() {
        // 55 errors in 100 calls is exactly 0.55, though 0.55 × 100 = 55.00000000000001.
        let config = BreakerConfig {
            window: Window::Count(100),
            minimum_calls: 100,
            failure_rate: 0.55,
            ..config()
        };
        let mut breaker = Breaker::new(config);
        let outcomes = [[Success; 45].as_slice(), &[Error; 54]].concat();
        for (i, outcome) in outcomes.into_iter().enumerate() {
            assert_eq!(call(&mut breaker, 1_000 + i as u64, outcome, 0), None, "call {i}");
        }
        assert_eq!(call(&mut breaker, 2_000, Error, 0), transition(at_ms(2_000), Closed, Open));
    }
}
