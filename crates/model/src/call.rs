//! Calls: a caller (a client or a handler) asking a service for an answer, attempt by attempt,
//! under the call site's timeout, retry policy and circuit breaker.

use faultline_engine::{RngStreams, SimDuration, SimRng, SimTime};

use crate::balance::Balancer;
use crate::job::Job;
use crate::policy::{Breaker, BreakerState, CallOutcome, RetryBudget, RetryDelay};
use crate::{CallConfig, Payload, RetryOn};

/// Why a service turned an attempt away without working on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rejection {
    QueueFull,
    RateLimited,
    BreakerOpen,
    Shed,
    /// The caller already had its maximum number of calls in flight to this service.
    Bulkhead,
}

impl Rejection {
    pub const ALL: [Rejection; 5] = [
        Rejection::QueueFull,
        Rejection::RateLimited,
        Rejection::BreakerOpen,
        Rejection::Shed,
        Rejection::Bulkhead,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Rejection::QueueFull => "queue_full",
            Rejection::RateLimited => "rate_limited",
            Rejection::BreakerOpen => "breaker_open",
            Rejection::Shed => "shed",
            Rejection::Bulkhead => "bulkhead",
        }
    }
}

/// How one attempt ended, as the caller saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// The callee answered with an error (or refused the connection).
    Error,
    /// The caller stopped waiting.
    Timeout,
    Rejected(Rejection),
}

impl Outcome {
    pub fn is_success(self) -> bool {
        self == Outcome::Success
    }

    fn for_breaker(self) -> CallOutcome {
        match self {
            Outcome::Success => CallOutcome::Success,
            Outcome::Error => CallOutcome::Error,
            Outcome::Timeout => CallOutcome::Timeout,
            Outcome::Rejected(_) => CallOutcome::Rejected,
        }
    }
}

/// Retry state of a call site.
#[derive(Debug)]
struct Retry {
    max_attempts: u32,
    delay: RetryDelay,
    budget: Option<RetryBudget>,
    /// The budget's ratio and window, to start it afresh when the caller's node restarts.
    budget_config: Option<(f64, SimDuration)>,
    retry_on: RetryOn,
    /// Jitter draws, from the stream named by the call's path in the scenario.
    rng: SimRng,
}

/// The runtime of one place calls are made from: a client, or a call step of a handler.
#[derive(Debug)]
pub(crate) struct CallSite {
    pub(crate) name: String,
    /// The service called, or the first of the instances the balancer picks from.
    pub(crate) target: usize,
    /// How many instances: `target .. target + instances`.
    pub(crate) instances: usize,
    pub(crate) timeout: Option<SimDuration>,
    pub(crate) cancel_on_timeout: bool,
    pub(crate) weight: f64,
    /// The handler the callee runs: its own (`None`), or a fan-out's sub-task handler.
    handler: Option<u32>,
    /// Picks the instance of each attempt when there are several (boxed: most sites call one
    /// service, and a site per client must stay small when there are thousands).
    balancer: Option<Box<Balancer>>,
    max_concurrent: Option<u32>,
    /// Attempts from this site in flight now (counted only when a bulkhead is set).
    in_flight: u32,
    retry: Option<Retry>,
    breaker: Option<Breaker>,
    /// To a database: read or write (`None`: the database decides).
    pub(crate) op: Option<crate::DataOp>,
}

impl CallSite {
    /// Calls to the instances `(first, count)`; `handler` overrides the handler the callee
    /// runs (a fan-out's sub-tasks).
    pub(crate) fn new(
        name: String,
        config: &CallConfig,
        (first, count): (usize, usize),
        handler: Option<u32>,
        streams: &RngStreams,
    ) -> Self {
        let balancer = (count > 1).then(|| {
            Box::new(Balancer::new(
                (first, count),
                config.balance,
                config.ejection,
                &config.path,
                streams,
            ))
        });
        let retry = config.retry.map(|r| Retry {
            max_attempts: r.max_attempts,
            delay: RetryDelay::new(r.backoff, r.jitter),
            budget: r.budget.map(|(ratio, window)| RetryBudget::new(ratio, window, 0)),
            budget_config: r.budget,
            retry_on: r.retry_on,
            rng: streams.stream(&format!("call/{}/retry", config.path)),
        });
        CallSite {
            name,
            target: first,
            instances: count,
            balancer,
            timeout: config.timeout,
            cancel_on_timeout: config.cancel_on_timeout,
            max_concurrent: config.max_concurrent,
            weight: config.weight,
            handler,
            in_flight: 0,
            retry,
            breaker: config.breaker.map(Breaker::new),
            op: config.op,
        }
    }

    /// The caller's node restarted: what its process kept in memory (breaker, retry budget,
    /// what its balancer saw) starts afresh. Returns whether an open or half-open breaker
    /// closed by it.
    pub(crate) fn restart(&mut self, now: SimTime) -> bool {
        if let Some(retry) = &mut self.retry {
            retry.budget =
                retry.budget_config.map(|(ratio, window)| RetryBudget::new(ratio, window, 0));
        }
        if let Some(balancer) = &mut self.balancer {
            balancer.restart();
        }
        let Some(breaker) = &mut self.breaker else { return false };
        let was_closed = breaker.state(now) == BreakerState::Closed;
        *breaker = Breaker::new(*breaker.config());
        !was_closed
    }

    /// The instance (service index) for an attempt, avoiding `previous` (the one the last
    /// attempt went to) when there is another; without instances, the one service.
    #[inline]
    pub(crate) fn pick(&mut self, now: SimTime, previous: Option<usize>) -> usize {
        match &mut self.balancer {
            None => self.target,
            Some(balancer) => balancer.pick(now, previous),
        }
    }

    /// The attempt the balancer sent to `picked` goes to `chosen` instead (a database's read
    /// strategy chose it): the balancer counts it where it went.
    pub(crate) fn reroute(&mut self, picked: usize, chosen: usize) {
        if let Some(balancer) = &mut self.balancer
            && picked != chosen
        {
            balancer.reroute(picked, chosen);
        }
    }

    /// Tells the balancer how an attempt sent to `instance` ended.
    #[inline]
    pub(crate) fn note_instance(&mut self, instance: usize, outcome: Outcome, now: SimTime) {
        if let Some(balancer) = &mut self.balancer {
            let failed = match outcome {
                Outcome::Success => Some(false),
                Outcome::Error | Outcome::Timeout => Some(true),
                Outcome::Rejected(_) => None,
            };
            balancer.record(instance, failed, now);
        }
    }

    /// The handler an attempt sent to `instance` runs there.
    #[inline]
    pub(crate) fn handler_at(&self, instance: usize) -> u32 {
        self.handler.unwrap_or(instance as u32)
    }

    /// Whether calls from here can reach `service`.
    pub(crate) fn reaches(&self, service: usize) -> bool {
        (self.target..self.target + self.instances).contains(&service)
    }

    /// Asks the breaker (if any) whether an attempt may go out; returns the permission and the
    /// state it moved to, if it moved.
    pub(crate) fn permit(&mut self, now: SimTime) -> (bool, Option<BreakerState>) {
        match &mut self.breaker {
            None => (true, None),
            Some(b) => {
                let (ok, moved) = b.try_acquire(now);
                (ok, moved.map(|t| t.to))
            }
        }
    }

    /// Measures the breaker's durations on the caller's clock: `to_true` gives the true length
    /// of a duration the caller measures. The open period (how long the caller waits before
    /// probing) and the slow-call threshold (how long a call took, as the caller saw it) are
    /// lengths of time on the caller's monotonic clock; the breaker compares true instants, so
    /// they are converted once, before any call. The sliding window of a time-window breaker
    /// stays in true time. Nothing is recorded yet, so the breaker is simply built again.
    pub(crate) fn measure_on(&mut self, to_true: impl Fn(SimDuration) -> SimDuration) {
        if let Some(breaker) = &mut self.breaker {
            let mut config = *breaker.config();
            config.open_duration = to_true(config.open_duration);
            config.slow_call_duration = to_true(config.slow_call_duration);
            *breaker = Breaker::new(config);
        }
    }

    pub(crate) fn has_breaker(&self) -> bool {
        self.breaker.is_some()
    }

    /// Whether the breaker would let one more call through now: never while open, only up to
    /// the probe count while half-open.
    pub(crate) fn admits_more(&self, now: SimTime) -> bool {
        match &self.breaker {
            None => true,
            Some(b) => match b.state(now) {
                BreakerState::Closed => true,
                BreakerState::Open => false,
                BreakerState::HalfOpen => self.in_flight < b.config().half_open_probes,
            },
        }
    }

    /// Takes a bulkhead slot for an attempt; false if the caller is at its limit.
    pub(crate) fn enter(&mut self) -> bool {
        match self.max_concurrent {
            Some(max) if self.in_flight >= max => false,
            _ => {
                self.in_flight += 1;
                true
            }
        }
    }

    /// Gives back the slot an attempt took with [`CallSite::enter`].
    pub(crate) fn leave(&mut self) {
        self.in_flight -= 1;
    }

    /// Tells the breaker how an attempt ended; returns the state it moved to, if it moved.
    pub(crate) fn record(
        &mut self,
        now: SimTime,
        outcome: Outcome,
        took: SimDuration,
    ) -> Option<BreakerState> {
        if outcome == Outcome::Rejected(Rejection::BreakerOpen) {
            return None; // never reached the callee: nothing to learn
        }
        let breaker = self.breaker.as_mut()?;
        breaker.record(now, outcome.for_breaker(), took).map(|t| t.to)
    }

    /// A first attempt went out (it earns retry budget).
    pub(crate) fn note_first_attempt(&mut self, now: SimTime) {
        if let Some(budget) = self.retry.as_mut().and_then(|r| r.budget.as_mut()) {
            budget.record_call(now);
        }
    }

    /// The delay before another attempt, or `None` if this outcome is not to be retried.
    pub(crate) fn retry_delay(
        &mut self,
        now: SimTime,
        outcome: Outcome,
        attempt: u32,
        previous: Option<SimDuration>,
    ) -> Option<SimDuration> {
        let retry = self.retry.as_mut()?;
        let wanted = match outcome {
            Outcome::Success => false,
            Outcome::Error => retry.retry_on.error,
            Outcome::Timeout => retry.retry_on.timeout,
            Outcome::Rejected(_) => retry.retry_on.rejected,
        };
        if !wanted || attempt >= retry.max_attempts {
            return None;
        }
        if let Some(budget) = &mut retry.budget
            && !budget.try_retry(now)
        {
            return None;
        }
        Some(retry.delay.delay(attempt, previous, &mut retry.rng))
    }
}

/// Who waits for a call's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Caller {
    /// A client's request: the call is the request.
    Client,
    /// A handler step of the job in this slot.
    Job(u32),
    /// A batch: every job in this slot of the batch table.
    Batch(u32),
}

/// No job / no call.
pub(crate) const NONE: u32 = u32::MAX;

/// One call, over all its attempts.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Call {
    pub(crate) site: u32,
    pub(crate) caller: Caller,
    /// The client request this call belongs to.
    pub(crate) request: u64,
    /// When the client request arrived (for statistics after the warm-up).
    pub(crate) arrived: SimTime,
    pub(crate) attempt: u32,
    /// Bumped at every attempt and when the slot is freed, so stale timers and late answers
    /// can be recognised.
    pub(crate) generation: u32,
    pub(crate) sent: SimTime,
    /// The job serving the current attempt, or [`NONE`] between attempts.
    pub(crate) job: u32,
    pub(crate) last_delay: Option<SimDuration>,
    /// False once the slot is freed.
    pub(crate) live: bool,
    /// Multiplies the callee's local work (a batch weighs more than one request).
    pub(crate) weight: f64,
    /// The class of the request this call belongs to.
    pub(crate) class: u8,
    /// The current attempt holds a bulkhead slot at its call site.
    pub(crate) entered: bool,
    /// The service (instance) the current or last attempt went to.
    pub(crate) instance: u32,
    /// The request's key and fields, handed on to the callee's job.
    pub(crate) payload: Payload,
}

/// The client request a new call belongs to: what every call it sets off carries.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Origin {
    pub(crate) request: u64,
    pub(crate) class: u8,
    /// When the client request arrived.
    pub(crate) arrived: SimTime,
    pub(crate) payload: Payload,
}

impl Origin {
    /// The request a job serves: calls its handler makes belong to it too.
    pub(crate) fn of_job(job: &Job) -> Self {
        Origin {
            request: job.request,
            class: job.class,
            arrived: job.arrived,
            payload: job.payload,
        }
    }
}
