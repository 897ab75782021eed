//! A run taken one event at a time, for tools that watch or compare runs (`faultline replay`).
//!
//! It keeps exactly the order, limits and trace hash of [`crate::run`] (a test holds them equal);
//! it must never become a second semantics of a run. `run` keeps its own tight loop.

use crate::run::{LimitExceeded, Limits, Model, RunStats, Scheduler, TraceKey};
use crate::{SimTime, TraceHash};

/// An event taken from the queue and folded into the trace hash, not yet handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step<E> {
    /// How many events were handled before it.
    pub index: u64,
    pub time: SimTime,
    pub key: TraceKey,
    pub event: E,
}

/// A run in progress: [`Stepper::next`] takes an event, [`Stepper::handle`] carries it out.
#[derive(Debug)]
pub struct Stepper<E> {
    sched: Scheduler<E>,
    trace: TraceHash,
    events: u64,
    limits: Limits,
    done: bool,
}

impl<E: Copy> Stepper<E> {
    /// Schedules the model's first events.
    pub fn start<M: Model<Event = E>>(
        model: &mut M,
        limits: Limits,
    ) -> Result<Self, LimitExceeded> {
        let mut sched = Scheduler::new(limits.max_work_per_instant);
        model.start(&mut sched)?;
        Ok(Stepper { sched, trace: TraceHash::default(), events: 0, limits, done: false })
    }

    /// The next event, counted as work and folded into the trace hash as `run` does; `None`
    /// once the run has ended.
    pub fn next<M: Model<Event = E>>(
        &mut self,
        model: &M,
    ) -> Result<Option<Step<E>>, LimitExceeded> {
        if self.done {
            return Ok(None);
        }
        let Some((time, event)) = self.sched.pop_next() else {
            self.done = true;
            return Ok(None);
        };
        if time > self.limits.end {
            self.done = true;
            return Ok(None);
        }
        if self.events == self.limits.max_events {
            return Err(LimitExceeded::Events { limit: self.limits.max_events, at: time });
        }
        self.sched.enter_at(time);
        self.sched.tick(|| model.activity(&event))?;
        let key = model.trace_key(&event);
        self.trace.record(time.as_nanos(), key.kind, key.component, key.request);
        Ok(Some(Step { index: self.events, time, key, event }))
    }

    /// Carries out the event [`Stepper::next`] returned.
    pub fn handle<M: Model<Event = E>>(
        &mut self,
        model: &mut M,
        event: E,
    ) -> Result<(), LimitExceeded> {
        model.handle(event, &mut self.sched)?;
        self.events += 1;
        Ok(())
    }

    /// What the loop measured so far: after the last event, what `run` returns.
    pub fn stats(&self) -> RunStats {
        RunStats { events: self.events, end: self.limits.end, trace_hash: self.trace }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Activity, SimDuration, run};

    /// Every second, one event per live timer; a timer `k` also starts timer `k + 1` at its
    /// `k`-th firing, so the stream mixes components and grows.
    struct Timers {
        fired: Vec<u32>,
    }

    impl Model for Timers {
        type Event = u32;
        fn start(&mut self, sched: &mut Scheduler<u32>) -> Result<(), LimitExceeded> {
            self.fired.push(0);
            sched.at(SimTime::ZERO, 0);
            Ok(())
        }
        fn handle(&mut self, k: u32, sched: &mut Scheduler<u32>) -> Result<(), LimitExceeded> {
            self.fired[k as usize] += 1;
            if self.fired[k as usize] == k + 1 {
                self.fired.push(0);
                sched.after(SimDuration::from_nanos(7), k + 1);
            }
            sched.after(SimDuration::from_secs(1), k);
            Ok(())
        }
        fn trace_key(&self, k: &u32) -> TraceKey {
            TraceKey { kind: 1, component: *k, request: u64::from(self.fired[*k as usize]) }
        }
        fn activity(&self, k: &u32) -> Activity {
            Activity { component: format!("timer {k}"), doing: "firing".into() }
        }
    }

    fn limits(max_events: u64) -> Limits {
        Limits {
            end: SimTime::ZERO + SimDuration::from_secs(20),
            max_events,
            max_work_per_instant: 100,
        }
    }

    #[test]
    fn stepping_gives_what_run_gives() {
        let expected = run(&mut Timers { fired: vec![] }, limits(1_000)).unwrap();
        let mut model = Timers { fired: vec![] };
        let mut stepper = Stepper::start(&mut model, limits(1_000)).unwrap();
        let mut count = 0;
        while let Some(step) = stepper.next(&model).unwrap() {
            assert_eq!(step.index, count);
            stepper.handle(&mut model, step.event).unwrap();
            count += 1;
        }
        assert!(expected.events > 50, "{} events", expected.events);
        assert_eq!(stepper.stats(), expected);
        assert_eq!(stepper.next(&model).unwrap(), None, "an ended run stays ended");
    }

    #[test]
    fn stepping_stops_at_the_same_event_limit() {
        let expected = run(&mut Timers { fired: vec![] }, limits(30)).unwrap_err();
        let mut model = Timers { fired: vec![] };
        let mut stepper = Stepper::start(&mut model, limits(30)).unwrap();
        let err = loop {
            match stepper.next(&model) {
                Ok(Some(step)) => stepper.handle(&mut model, step.event).unwrap(),
                Ok(None) => panic!("ended before its limit"),
                Err(e) => break e,
            }
        };
        assert_eq!(err, expected);
    }
}
