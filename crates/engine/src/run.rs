//! The step loop: pop the earliest event, fold it into the trace hash, hand it to the model.
//!
//! Generic over the model so that the closed event enum is monomorphised into the loop: no
//! boxing, no dynamic dispatch, no allocation per event.
//!
//! A run can never hang. Besides the run's end and the event limit, the [`Scheduler`] counts the
//! work done at the current instant (every event, and every turn of a model's loop reported with
//! [`Scheduler::tick`]); past `Limits::max_work_per_instant` without simulated time moving, the
//! run stops with [`LimitExceeded::Stuck`], naming the component and what it was doing.

use thiserror::Error;

use crate::{EventQueue, SimDuration, SimTime, TraceHash};

/// What the trace hash records of an event besides its time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceKey {
    pub kind: u8,
    pub component: u32,
    pub request: u64,
}

/// A simulated system: reacts to its own events by scheduling more.
pub trait Model {
    type Event: Copy;

    /// Schedules the first events.
    fn start(&mut self, sched: &mut Scheduler<Self::Event>) -> Result<(), LimitExceeded>;

    /// Carries out one event at `sched.now()`.
    fn handle(
        &mut self,
        event: Self::Event,
        sched: &mut Scheduler<Self::Event>,
    ) -> Result<(), LimitExceeded>;

    /// The identity of an event for the trace hash: kind, component and request.
    fn trace_key(&self, event: &Self::Event) -> TraceKey;

    /// Who handles `event` and what it does, in the user's words, for [`LimitExceeded::Stuck`].
    /// Called only when a run stops, so it may allocate.
    fn activity(&self, event: &Self::Event) -> Activity {
        let key = self.trace_key(event);
        Activity {
            component: format!("component {}", key.component),
            doing: format!("handling an event of kind {}", key.kind),
        }
    }
}

/// Where a run that stopped making progress was stuck.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Activity {
    /// The component, as the user names it (e.g. "service `api`").
    pub component: String,
    /// What it was doing (e.g. "starting queued work").
    pub doing: String,
}

/// The model's handle on time: the current instant, the means to schedule events, and the
/// count of work done at this instant that keeps a run from livelocking.
#[derive(Debug)]
pub struct Scheduler<E> {
    now: SimTime,
    queue: EventQueue<E>,
    /// Work done in the run so far: events handled plus loop turns reported with `tick`.
    work: u64,
    /// `work` may not pass this before time moves on.
    work_bound: u64,
    /// Work allowed at one instant.
    per_instant: u64,
}

impl<E: Copy> Default for Scheduler<E> {
    /// A scheduler at time zero with no bound on the work at one instant.
    fn default() -> Self {
        Self::new(u64::MAX)
    }
}

impl<E: Copy> Scheduler<E> {
    /// A scheduler at time zero allowing `per_instant` pieces of work before time moves.
    pub fn new(per_instant: u64) -> Self {
        Scheduler {
            now: SimTime::ZERO,
            queue: EventQueue::new(),
            work: 0,
            work_bound: per_instant,
            per_instant,
        }
    }

    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at `time`; a time in the past is clamped to now, never reordered before it.
    #[inline]
    pub fn at(&mut self, time: SimTime, event: E) {
        self.queue.push(time.max(self.now), event);
    }

    #[inline]
    pub fn after(&mut self, delay: SimDuration, event: E) {
        self.queue.push(self.now + delay, event);
    }

    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// Counts one piece of work at this instant: one turn of a loop whose end depends on the
    /// model's state changing. Past the bound, the run is stuck; `activity` says where (it is
    /// only called then).
    #[inline]
    pub fn tick(&mut self, activity: impl FnOnce() -> Activity) -> Result<(), LimitExceeded> {
        self.work += 1;
        if self.work > self.work_bound {
            return Err(self.stuck(activity()));
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn stuck(&self, activity: Activity) -> LimitExceeded {
        let Activity { component, doing } = activity;
        LimitExceeded::Stuck { limit: self.per_instant, at: self.now, component, doing }
    }

    /// The earliest pending event, for [`crate::Stepper`].
    pub(crate) fn pop_next(&mut self) -> Option<(SimTime, E)> {
        self.queue.pop()
    }

    /// [`Scheduler::enter`], for [`crate::Stepper`].
    pub(crate) fn enter_at(&mut self, time: SimTime) {
        self.enter(time);
    }

    /// Moves the clock to `time`; when time moves, the work count at one instant starts again.
    #[inline]
    fn enter(&mut self, time: SimTime) {
        if time != self.now {
            self.work_bound = self.work.saturating_add(self.per_instant);
        }
        self.now = time;
    }
}

/// Hard bounds on a run. Reaching one ends the run with [`LimitExceeded`], never a hang.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The run stops normally at this instant; events later than it never run.
    pub end: SimTime,
    /// Processing more events than this is an error.
    pub max_events: u64,
    /// Work (events, and model loop turns reported with [`Scheduler::tick`]) allowed at one
    /// simulated instant; more means the run is stuck there.
    pub max_work_per_instant: u64,
}

impl Limits {
    /// Far above anything a working model does at one instant (the bundled scenarios' busiest,
    /// a breaker closing on a backlog, does 355; starting a million workers or shedding a
    /// million-deep queue at once does a few million), yet reached within a fraction of a
    /// second by a livelock.
    pub const DEFAULT_MAX_WORK_PER_INSTANT: u64 = 10_000_000;
}

/// A run stopped because it hit a limit.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum LimitExceeded {
    #[error(
        "the run hit its event limit ({limit} events) at simulated time {at}; \
         raise `limits.max_events` or shorten `duration`"
    )]
    Events { limit: u64, at: SimTime },
    #[error("{what} reached its limit of {limit} at simulated time {at}; {hint}")]
    Model { what: &'static str, limit: u64, at: SimTime, hint: &'static str },
    #[error(
        "the run is stuck at simulated time {at}: {component} kept {doing} without time moving \
         ({limit} pieces of work at one instant); this is a livelock in the scenario's design \
         or in Faultline. If the work is real, raise `limits.max_work_per_instant`"
    )]
    Stuck { limit: u64, at: SimTime, component: String, doing: String },
}

/// What the loop itself measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunStats {
    pub events: u64,
    pub end: SimTime,
    pub trace_hash: TraceHash,
}

/// Runs `model` from time zero until `limits.end` or until no events remain.
pub fn run<M: Model>(model: &mut M, limits: Limits) -> Result<RunStats, LimitExceeded> {
    let mut sched = Scheduler::new(limits.max_work_per_instant);
    let mut trace = TraceHash::default();
    let mut events: u64 = 0;
    model.start(&mut sched)?;
    while let Some((time, event)) = sched.queue.pop() {
        if time > limits.end {
            break;
        }
        if events == limits.max_events {
            return Err(LimitExceeded::Events { limit: limits.max_events, at: time });
        }
        sched.enter(time);
        sched.tick(|| model.activity(&event))?;
        let key = model.trace_key(&event);
        trace.record(time.as_nanos(), key.kind, key.component, key.request);
        model.handle(event, &mut sched)?;
        events += 1;
    }
    Ok(RunStats { events, end: limits.end, trace_hash: trace })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ticks every second forever; a model that never stops on its own.
    struct Ticker {
        seen: Vec<SimTime>,
    }

    impl Model for Ticker {
        type Event = ();
        fn start(&mut self, sched: &mut Scheduler<()>) -> Result<(), LimitExceeded> {
            sched.at(SimTime::ZERO, ());
            Ok(())
        }
        fn handle(&mut self, _: (), sched: &mut Scheduler<()>) -> Result<(), LimitExceeded> {
            self.seen.push(sched.now());
            sched.after(SimDuration::from_secs(1), ());
            Ok(())
        }
        fn trace_key(&self, _: &()) -> TraceKey {
            TraceKey { kind: 0, component: 0, request: 0 }
        }
    }

    #[test]
    fn stops_at_the_end_time_including_events_exactly_at_it() {
        let mut model = Ticker { seen: vec![] };
        let limits = Limits {
            end: SimTime::from_nanos(3_000_000_000),
            max_events: 100,
            max_work_per_instant: 10,
        };
        let stats = run(&mut model, limits).unwrap();
        assert_eq!(stats.events, 4);
        assert_eq!(model.seen.last(), Some(&SimTime::from_nanos(3_000_000_000)));
    }

    /// Schedules itself again at the same instant, forever: an event storm that time never
    /// ends, with ticks of an inner loop (`spins` turns per event) on top.
    struct Storm {
        spins: u32,
    }

    impl Model for Storm {
        type Event = u32;
        fn start(&mut self, sched: &mut Scheduler<u32>) -> Result<(), LimitExceeded> {
            sched.at(SimTime::from_nanos(5), 7);
            Ok(())
        }
        fn handle(&mut self, event: u32, sched: &mut Scheduler<u32>) -> Result<(), LimitExceeded> {
            for _ in 0..self.spins {
                sched
                    .tick(|| Activity { component: "spinner".into(), doing: "spinning".into() })?;
            }
            sched.after(SimDuration::ZERO, event);
            Ok(())
        }
        fn trace_key(&self, event: &u32) -> TraceKey {
            TraceKey { kind: 3, component: *event, request: 0 }
        }
    }

    fn unbounded(per_instant: u64) -> Limits {
        Limits { end: SimTime::MAX, max_events: u64::MAX, max_work_per_instant: per_instant }
    }

    #[test]
    fn an_event_storm_at_one_instant_is_stuck_and_says_where() {
        let err = run(&mut Storm { spins: 0 }, unbounded(1_000)).unwrap_err();
        let want = LimitExceeded::Stuck {
            limit: 1_000,
            at: SimTime::from_nanos(5),
            component: "component 7".into(),
            doing: "handling an event of kind 3".into(),
        };
        assert_eq!(err, want);
        assert!(err.to_string().contains("stuck at simulated time"), "{err}");
    }

    #[test]
    fn a_loop_inside_one_event_is_stuck_and_says_where() {
        let err = run(&mut Storm { spins: u32::MAX }, unbounded(1_000)).unwrap_err();
        let LimitExceeded::Stuck { component, doing, at, .. } = err else { panic!("{err}") };
        assert_eq!((component.as_str(), doing.as_str()), ("spinner", "spinning"));
        assert_eq!(at, SimTime::from_nanos(5));
    }

    #[test]
    fn work_at_one_instant_is_counted_afresh_when_time_moves() {
        // Ten events a second apart: one piece of work per instant is enough.
        let mut model = Ticker { seen: vec![] };
        let limits = Limits {
            end: SimTime::from_nanos(9_000_000_000),
            max_events: 100,
            max_work_per_instant: 1,
        };
        assert_eq!(run(&mut model, limits).unwrap().events, 10);
        let mut sched = Scheduler::<()>::new(10);
        sched.enter(SimTime::from_nanos(1));
        let activity = || Activity { component: String::new(), doing: String::new() };
        assert!((0..10).all(|_| sched.tick(activity).is_ok()));
        assert!(sched.tick(activity).is_err());
        sched.enter(SimTime::from_nanos(2));
        assert!(sched.tick(activity).is_ok());
    }

    #[test]
    fn event_limit_is_a_typed_error_not_a_hang() {
        let mut model = Ticker { seen: vec![] };
        let limits = Limits { end: SimTime::MAX, max_events: 10, max_work_per_instant: 10 };
        let err = run(&mut model, limits).unwrap_err();
        assert_eq!(
            err,
            LimitExceeded::Events { limit: 10, at: SimTime::from_nanos(10_000_000_000) }
        );
    }
}
