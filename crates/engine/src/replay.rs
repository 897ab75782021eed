//! Two runs of the same model compared event by event, in lockstep, to find where they part.
//!
//! Memory stays that of the two runs: nothing is recorded but the event in hand. It must never
//! change either run: both are stepped exactly as [`crate::run`] would run them.

use crate::SimTime;
use crate::run::{LimitExceeded, Limits, Model, RunStats, TraceKey};
use crate::step::{Step, Stepper};

/// One run's event at the point of comparison, described in the model's words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeenEvent {
    pub time: SimTime,
    pub key: TraceKey,
    /// Who handles it (e.g. "client `web`").
    pub component: String,
    /// What it does (e.g. "sending requests").
    pub doing: String,
}

/// What one run did at the first event where the two runs part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Side {
    /// It handled this event.
    Event(SeenEvent),
    /// Its run had ended (no more events before its end).
    Ended,
    /// It stopped at a limit.
    Stopped(LimitExceeded),
}

/// The verdict of comparing two runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// Every event the same, in the same order, at the same time.
    Identical(RunStats),
    /// The first event (counted from 0) where the runs differ, and what each did there.
    Diverged { index: u64, first: Side, second: Side },
}

/// Steps `first` and `second` side by side and compares each event's time and identity.
/// `Err` only when both stop at the same limit at the same event: then the runs agree, and the
/// scenario itself is at fault.
pub fn compare<M: Model>(
    first: &mut M,
    second: &mut M,
    limits: Limits,
) -> Result<Comparison, LimitExceeded> {
    let (mut a, mut b) = match (Stepper::start(first, limits), Stepper::start(second, limits)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(x), Err(y)) if x == y => return Err(x),
        (x, y) => {
            let side = |r: Result<Stepper<M::Event>, LimitExceeded>| match r {
                Ok(_) => Side::Ended,
                Err(e) => Side::Stopped(e),
            };
            return Ok(Comparison::Diverged { index: 0, first: side(x), second: side(y) });
        }
    };
    loop {
        let index = a.stats().events;
        let (x, y) = (a.next(first), b.next(second));
        let (sx, sy) = match (x, y) {
            (Ok(None), Ok(None)) => return Ok(Comparison::Identical(a.stats())),
            (Err(x), Err(y)) if x == y => return Err(x),
            (Ok(Some(sx)), Ok(Some(sy))) if same(&sx, &sy) => (sx, sy),
            (x, y) => {
                let (first, second) = (side(first, x), side(second, y));
                return Ok(Comparison::Diverged { index, first, second });
            }
        };
        let (hx, hy) = (a.handle(first, sx.event), b.handle(second, sy.event));
        match (hx, hy) {
            (Ok(()), Ok(())) => {}
            (Err(x), Err(y)) if x == y => return Err(x),
            (hx, hy) => {
                // The event is handled: what it named may be gone, so say only what it was.
                let stopped = |h: Result<(), LimitExceeded>, s: &Step<M::Event>| match h {
                    Ok(()) => Side::Event(SeenEvent {
                        time: s.time,
                        key: s.key,
                        component: format!("component {}", s.key.component),
                        doing: "handling it without stopping".into(),
                    }),
                    Err(e) => Side::Stopped(e),
                };
                let (first, second) = (stopped(hx, &sx), stopped(hy, &sy));
                return Ok(Comparison::Diverged { index, first, second });
            }
        }
    }
}

fn same<E>(x: &Step<E>, y: &Step<E>) -> bool {
    x.time == y.time && x.key == y.key
}

fn side<M: Model>(model: &M, next: Result<Option<Step<M::Event>>, LimitExceeded>) -> Side {
    match next {
        Ok(Some(step)) => Side::Event(seen(model, &step)),
        Ok(None) => Side::Ended,
        Err(e) => Side::Stopped(e),
    }
}

/// Describes an event before it is handled, while what it names still exists.
fn seen<M: Model>(model: &M, step: &Step<M::Event>) -> SeenEvent {
    let activity = model.activity(&step.event);
    SeenEvent {
        time: step.time,
        key: step.key,
        component: activity.component,
        doing: activity.doing,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;
    use crate::{Activity, Scheduler, SimDuration};

    /// Read once per run at its start: two runs in one process see different values.
    static RUNS: AtomicU64 = AtomicU64::new(0);

    /// A tick every second (component 0) and one alarm (component 1) whose time depends on
    /// `RUNS` when `leaky`: at 3.5 s plus that many microseconds.
    struct Alarm {
        leaky: bool,
        offset_us: u64,
    }

    impl Model for Alarm {
        type Event = u32;
        fn start(&mut self, sched: &mut Scheduler<u32>) -> Result<(), LimitExceeded> {
            if self.leaky {
                self.offset_us = RUNS.fetch_add(1, Ordering::SeqCst);
            }
            sched.at(SimTime::ZERO, 0);
            let at =
                SimDuration::from_millis(3_500) + SimDuration::from_nanos(1_000 * self.offset_us);
            sched.at(SimTime::ZERO + at, 1);
            Ok(())
        }
        fn handle(&mut self, k: u32, sched: &mut Scheduler<u32>) -> Result<(), LimitExceeded> {
            if k == 0 {
                sched.after(SimDuration::from_secs(1), 0);
            }
            Ok(())
        }
        fn trace_key(&self, k: &u32) -> TraceKey {
            TraceKey { kind: 0, component: *k, request: 0 }
        }
        fn activity(&self, k: &u32) -> Activity {
            let component = if *k == 0 { "ticker" } else { "alarm" };
            Activity { component: component.into(), doing: "ringing".into() }
        }
    }

    fn limits() -> Limits {
        Limits {
            end: SimTime::ZERO + SimDuration::from_secs(10),
            max_events: 1_000,
            max_work_per_instant: 100,
        }
    }

    #[test]
    fn identical_runs_are_identical() {
        let (mut a, mut b) =
            (Alarm { leaky: false, offset_us: 0 }, Alarm { leaky: false, offset_us: 0 });
        let expected = crate::run(&mut Alarm { leaky: false, offset_us: 0 }, limits()).unwrap();
        assert_eq!(compare(&mut a, &mut b, limits()), Ok(Comparison::Identical(expected)));
        // Ticks at 0..=10 s and the alarm.
        assert_eq!(expected.events, 12);
    }

    #[test]
    fn a_process_global_counter_is_caught_at_the_first_event_it_moves() {
        let (mut a, mut b) =
            (Alarm { leaky: true, offset_us: 0 }, Alarm { leaky: true, offset_us: 0 });
        let Ok(Comparison::Diverged { index, first, second }) = compare(&mut a, &mut b, limits())
        else {
            panic!("the runs should differ");
        };
        // Both runs tick at 0, 1, 2 and 3 s (events 0..=3); then the first run's alarm rings
        // at 3.5 s + its offset, a microsecond before the second run's.
        assert_eq!(b.offset_us, a.offset_us + 1);
        assert_eq!(index, 4);
        let at = |us: u64| SimTime::from_nanos(3_500_000_000 + 1_000 * us);
        let Side::Event(x) = first else { panic!("{first:?}") };
        let Side::Event(y) = second else { panic!("{second:?}") };
        assert_eq!((x.time, x.component.as_str(), x.key.component), (at(a.offset_us), "alarm", 1));
        assert_eq!((y.time, y.component.as_str(), y.key.component), (at(b.offset_us), "alarm", 1));
    }
}
