//! The hook through which invariants watch a run as it happens: the world reports each
//! observable step as one [`Observation`] to one method.
//!
//! Statically dispatched (the world is generic over it) so that watching costs nothing when an
//! observer ignores an observation. An observation is a small `Copy` value of plain ids, built
//! on the stack: reporting one never allocates.

use faultline_engine::{SimDuration, SimTime};

use crate::{Outcome, Token, TokenCheck};

/// Told of each observable step of a run. Must never change what the model does.
pub trait Observer {
    /// `what` happened at `now`. Does nothing by default.
    #[inline]
    fn observe(&mut self, _now: SimTime, _what: &Observation) {}
}

/// Something the world did that an observer may watch. Ids are plain indices and numbers: a
/// service or client is its index in the world's configuration, a request its id.
///
/// New kinds of observation are added over time: a `match` on it outside this crate needs a
/// `_` arm, which ignores them.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Observation {
    /// `client` sent a new request about `key` (0 unless the client draws keys).
    RequestArrived { client: usize, request: u64, key: u64 },
    /// An attempt of `request` joined the queue of `service`, which now holds `depth` jobs.
    AttemptQueued { service: usize, request: u64, depth: usize },
    /// A job of `request` (of `class`, about `key`) got a worker at `service` after waiting
    /// `wait`.
    JobStarted { service: usize, request: u64, class: u8, key: u64, wait: SimDuration },
    /// A client request ended with `outcome`, after all its retries; it arrived at `arrived`.
    RequestEnded { request: u64, arrived: SimTime, outcome: Outcome },
    /// A `CheckToken` step at `service` judged the token an attempt of `request` carried:
    /// `check` says what the validator decided and what was true. `token` holds its claims (on
    /// its issuer's clock) and its true issue instant, `lifetime` how long it was really valid,
    /// `validator_local` what the service's clock read, `leeway` what the step allowed.
    TokenChecked {
        service: usize,
        request: u64,
        check: TokenCheck,
        token: Token,
        lifetime: SimDuration,
        validator_local: i64,
        leeway: SimDuration,
    },
    /// A job of `request` at `service` that got a worker at `started` let its worker go: it
    /// ended with `outcome`, its caller still waiting for it or not (`waited_for` false: its
    /// work was wasted), or (`lost`) its node crashed under it and nobody was told.
    JobEnded {
        service: usize,
        request: u64,
        started: SimTime,
        outcome: Outcome,
        waited_for: bool,
        lost: bool,
    },
    /// Attempt `attempt` of a call belonging to `request` was sent to `service`.
    AttemptSent { request: u64, attempt: u32, service: usize },
    /// The caller of attempt `attempt` (at `service`) of a call belonging to `request` stopped
    /// waiting for it.
    AttemptTimedOut { request: u64, attempt: u32, service: usize },
    /// After attempt `attempt` of a call belonging to `request` failed with `outcome`, the
    /// caller will try again in `after`.
    RetryScheduled { request: u64, attempt: u32, outcome: Outcome, after: SimDuration },
    /// The queue of `service` may have changed: it holds `depth` jobs, and `busy` of its
    /// workers are working. Reported wherever the metrics note the queue, so also when nothing
    /// moved.
    QueueChanged { service: usize, depth: usize, busy: u32 },
    /// Message `message` (about `key`, published by `request`) went to the dead-letter queue
    /// of subscription `subscription` after `receives` receives.
    MessageDeadLettered { subscription: usize, message: u64, key: u64, request: u64, receives: u32 },
    /// The dead-letter alarm of subscription `subscription` raised an alert: its queue holds
    /// `depth` messages.
    DeadLetterAlert { subscription: usize, depth: u64 },
    /// An `Effect` step at `service` applied effect number `effect` (in
    /// [`effect_names`](crate::effect_names)) for operation `op`, serving attempt `attempt` of
    /// a call belonging to `request`.
    EffectApplied { effect: u32, op: u64, request: u64, service: usize, attempt: u32 },
    /// The same step skipped it: its dedup table holds `op`, applied at `first`.
    EffectSuppressed {
        effect: u32,
        op: u64,
        request: u64,
        service: usize,
        attempt: u32,
        first: SimTime,
    },
    /// An `Apply` step at `service` moved entity `key` of table `entity` (in
    /// [`entity_tables`](crate::entity_tables)) from state `from` to `to`, a move its rules
    /// allow or not (`valid`). `order` is the event's version where the step reads one, or
    /// else `request` (requests are numbered in the order clients send them).
    EventApplied {
        entity: u32,
        key: u64,
        from: u16,
        to: u16,
        valid: bool,
        order: u64,
        request: u64,
        service: usize,
    },
    /// The step skipped the event moving `key` to `to`: its `version` is not newer than the
    /// entity's `current`.
    EventSkipped {
        entity: u32,
        key: u64,
        to: u16,
        version: u64,
        current: u64,
        request: u64,
        service: usize,
    },
    /// A copy of a database (`service`; `primary` is the database's primary's service) served a
    /// read of `key` for `request` in `session`, reflecting log position `position`. When the
    /// read was sent, the session had last written position `written` (0: never) at
    /// `written_at`; its reads had reflected up to `last_read` before this one was served. `lag` is how far behind the copy was (since
    /// the oldest write it had not applied was made); `stale` whether the value it returned
    /// was older than the primary's.
    DataRead {
        service: usize,
        primary: usize,
        session: u64,
        request: u64,
        key: u64,
        position: u64,
        written: u64,
        written_at: SimTime,
        last_read: u64,
        lag: SimDuration,
        stale: bool,
    },
}

/// Which kind of [`Observation`], without its data.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObservationKind {
    RequestArrived,
    AttemptQueued,
    JobStarted,
    RequestEnded,
    TokenChecked,
    JobEnded,
    QueueChanged,
    AttemptSent,
    AttemptTimedOut,
    RetryScheduled,
    MessageDeadLettered,
    DeadLetterAlert,
    EffectApplied,
    EffectSuppressed,
    EventApplied,
    EventSkipped,
    DataRead,
}

impl Observation {
    /// Which kind of observation this is.
    #[inline(always)]
    pub const fn kind(&self) -> ObservationKind {
        match self {
            Observation::RequestArrived { .. } => ObservationKind::RequestArrived,
            Observation::AttemptQueued { .. } => ObservationKind::AttemptQueued,
            Observation::JobStarted { .. } => ObservationKind::JobStarted,
            Observation::RequestEnded { .. } => ObservationKind::RequestEnded,
            Observation::TokenChecked { .. } => ObservationKind::TokenChecked,
            Observation::JobEnded { .. } => ObservationKind::JobEnded,
            Observation::QueueChanged { .. } => ObservationKind::QueueChanged,
            Observation::AttemptSent { .. } => ObservationKind::AttemptSent,
            Observation::AttemptTimedOut { .. } => ObservationKind::AttemptTimedOut,
            Observation::RetryScheduled { .. } => ObservationKind::RetryScheduled,
            Observation::MessageDeadLettered { .. } => ObservationKind::MessageDeadLettered,
            Observation::DeadLetterAlert { .. } => ObservationKind::DeadLetterAlert,
            Observation::EffectApplied { .. } => ObservationKind::EffectApplied,
            Observation::EffectSuppressed { .. } => ObservationKind::EffectSuppressed,
            Observation::EventApplied { .. } => ObservationKind::EventApplied,
            Observation::EventSkipped { .. } => ObservationKind::EventSkipped,
            Observation::DataRead { .. } => ObservationKind::DataRead,
        }
    }
}

/// A set of [`ObservationKind`]s, e.g. the kinds an observer wants. One bit per kind and built
/// in `const` context, so that testing a constant set against the kind of an observation built
/// at a call site folds away entirely.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ObservationKinds(u32);

impl ObservationKinds {
    pub const NONE: ObservationKinds = ObservationKinds(0);

    /// The set holding `kinds`.
    pub const fn of(kinds: &[ObservationKind]) -> ObservationKinds {
        let mut bits = 0;
        let mut i = 0;
        while i < kinds.len() {
            bits |= ObservationKinds::bit(kinds[i]);
            i += 1;
        }
        ObservationKinds(bits)
    }

    #[inline(always)]
    pub const fn contains(self, kind: ObservationKind) -> bool {
        self.0 & ObservationKinds::bit(kind) != 0
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    #[inline(always)]
    const fn bit(kind: ObservationKind) -> u32 {
        1 << kind as u32
    }
}

/// Watches nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoObserver;

impl Observer for NoObserver {}

/// Two observers, each told of everything in turn: the invariants' monitor and a recorder that
/// exports a run, say. Statically dispatched like either alone, so a world watched by one
/// observer pays nothing for the existence of pairs.
impl<A: Observer, B: Observer> Observer for (A, B) {
    #[inline(always)]
    fn observe(&mut self, now: SimTime, what: &Observation) {
        self.0.observe(now, what);
        self.1.observe(now, what);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_observation_knows_its_kind() {
        let ended = Observation::RequestEnded {
            request: 7,
            arrived: SimTime::ZERO,
            outcome: Outcome::Success,
        };
        assert_eq!(ended.kind(), ObservationKind::RequestEnded);
        let queued = Observation::AttemptQueued { service: 1, request: 7, depth: 3 };
        assert_eq!(queued.kind(), ObservationKind::AttemptQueued);
    }

    #[test]
    fn a_set_of_kinds_holds_what_it_was_made_of() {
        use ObservationKind::*;
        const ENDS: ObservationKinds = ObservationKinds::of(&[RequestArrived, RequestEnded]);
        let held: Vec<_> = [RequestArrived, AttemptQueued, JobStarted, RequestEnded]
            .into_iter()
            .filter(|kind| ENDS.contains(*kind))
            .collect();
        assert_eq!(held, [RequestArrived, RequestEnded]);
        assert!(ObservationKinds::NONE.is_empty() && !ENDS.is_empty());
        assert_eq!(ObservationKinds::default(), ObservationKinds::of(&[]));
    }

    /// Counts what it is told, by kind.
    #[derive(Default)]
    struct Count(Vec<ObservationKind>);

    impl Observer for Count {
        fn observe(&mut self, _now: SimTime, what: &Observation) {
            self.0.push(what.kind());
        }
    }

    #[test]
    fn a_pair_of_observers_tells_both_everything_in_order() {
        let mut pair = (Count::default(), Count::default());
        let queue = Observation::QueueChanged { service: 0, depth: 2, busy: 1 };
        let arrived = Observation::RequestArrived { client: 0, request: 1, key: 0 };
        pair.observe(SimTime::ZERO, &queue);
        pair.observe(SimTime::ZERO, &arrived);
        let want = [ObservationKind::QueueChanged, ObservationKind::RequestArrived];
        assert_eq!((pair.0.0.as_slice(), pair.1.0.as_slice()), (&want[..], &want[..]));
    }
}
