//! The step loop: pop the earliest event, fold it into the trace hash, hand it to the model.
//!
//! Generic over the model so that the closed event enum is monomorphised into the loop: no
//! boxing, no dynamic dispatch, no allocation per event.

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
}

/// The model's handle on time: the current instant and the means to schedule events.
#[derive(Debug)]
pub struct Scheduler<E> {
    now: SimTime,
    queue: EventQueue<E>,
}

impl<E: Copy> Default for Scheduler<E> {
    fn default() -> Self {
        Scheduler { now: SimTime::ZERO, queue: EventQueue::new() }
    }
}

impl<E: Copy> Scheduler<E> {
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
}

/// Hard bounds on a run. Reaching one ends the run with [`LimitExceeded`], never a hang.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The run stops normally at this instant; events later than it never run.
    pub end: SimTime,
    /// Processing more events than this is an error.
    pub max_events: u64,
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
    let mut sched = Scheduler::default();
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
        sched.now = time;
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
        let limits = Limits { end: SimTime::from_nanos(3_000_000_000), max_events: 100 };
        let stats = run(&mut model, limits).unwrap();
        assert_eq!(stats.events, 4);
        assert_eq!(model.seen.last(), Some(&SimTime::from_nanos(3_000_000_000)));
    }

    #[test]
    fn event_limit_is_a_typed_error_not_a_hang() {
        let mut model = Ticker { seen: vec![] };
        let limits = Limits { end: SimTime::MAX, max_events: 10 };
        let err = run(&mut model, limits).unwrap_err();
        assert_eq!(
            err,
            LimitExceeded::Events { limit: 10, at: SimTime::from_nanos(10_000_000_000) }
        );
    }
}
