//! `faultline replay`: two runs of a catalogue scenario agree event by event with `run`'s count
//! and trace hash; and a test-only component that reads a process-global counter (so that two
//! runs in one process differ) is caught at the first event it moves.

use std::sync::atomic::{AtomicU64, Ordering};

use faultline_check::Monitor;
use faultline_engine::{
    Activity, Comparison, LimitExceeded, Model, Scheduler, Side, SimDuration, SimTime, Stepper,
    TraceKey, compare,
};
use faultline_model::{Event, World};
use faultline_report::render_replay;
use faultline_tests::{load_bundled, scenario_path};
use serde_json::Value;

fn faultline(args: &[&str]) -> (u8, String, String) {
    let argv = std::iter::once("faultline").chain(args.iter().copied());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = faultline_cli::main_with(argv.map(Into::into), &mut out, &mut err);
    let text = |b: Vec<u8>| String::from_utf8(b).expect("UTF-8");
    (code, text(out), text(err))
}

#[test]
fn replay_of_a_catalogue_scenario_is_identical_with_runs_count_and_hash() {
    let file = scenario_path("breaker-recovery-herd").display().to_string();
    let common = [file.as_str(), "--variant", "naive", "--seed", "7"];
    let (code, out, err) = faultline(&[&["replay"][..], &common].concat());
    assert_eq!(code, 0, "{out}{err}");
    let (_, json, _) =
        faultline(&[&["run"][..], &common, &["--format", "json", "--no-report"]].concat());
    let run: Value = serde_json::from_str(&json).expect("JSON");
    let events = run["events"].as_u64().unwrap();
    assert!(events > 50_000, "{events}");
    let expected = format!(
        "identical: {} events, trace hash {}\nand byte-identical summaries\n",
        faultline_report::thousands(events),
        run["trace_hash"].as_str().unwrap()
    );
    assert_eq!(out, expected);
}

/// Read by [`Leaky::start`]: each run in this process sees the next value.
static RUNS: AtomicU64 = AtomicU64::new(0);

/// A test-only component around a world: it holds back the first event at or after `from` by
/// a number of nanoseconds it reads from [`RUNS`], then lets the world handle it. The same
/// event thus comes up twice in the stream, the second time later in the second run.
struct Leaky {
    world: World<Monitor>,
    from: SimTime,
    delay: SimDuration,
    held: bool,
}

impl Leaky {
    fn new(world: World<Monitor>, from: SimTime) -> Self {
        Leaky { world, from, delay: SimDuration::ZERO, held: false }
    }
}

impl Model for Leaky {
    type Event = Event;
    fn start(&mut self, sched: &mut Scheduler<Event>) -> Result<(), LimitExceeded> {
        let read = RUNS.fetch_add(1, Ordering::SeqCst);
        self.delay = SimDuration::from_nanos(1 + read % 1000);
        self.world.start(sched)
    }
    fn handle(&mut self, event: Event, sched: &mut Scheduler<Event>) -> Result<(), LimitExceeded> {
        if !self.held && sched.now() >= self.from {
            self.held = true;
            sched.after(self.delay, event);
            return Ok(());
        }
        self.world.handle(event, sched)
    }
    fn trace_key(&self, event: &Event) -> TraceKey {
        self.world.trace_key(event)
    }
    fn activity(&self, event: &Event) -> Activity {
        self.world.activity(event)
    }
}

#[test]
fn a_process_global_counter_is_caught_at_the_first_event_it_moves() {
    let scenario = load_bundled("retry-storm", Some("naive"), &[]);
    let from = SimTime::ZERO + SimDuration::from_secs(65); // inside the spike
    // The plain run: the first event at or after `from` is `held`; it comes up again right
    // after itself, in both runs, but at a different instant.
    let (mut plain, limits) = scenario.world(1);
    let mut stepper = Stepper::start(&mut plain, limits).unwrap();
    let held = loop {
        let step = stepper.next(&plain).unwrap().expect("events after 65 s");
        if step.time >= from {
            break step;
        }
        stepper.handle(&mut plain, step.event).unwrap();
    };
    let named = plain.activity(&held.event).component;
    stepper.handle(&mut plain, held.event).unwrap();
    let after = stepper.next(&plain).unwrap().expect("more events");
    assert!(
        after.time > held.time + SimDuration::from_nanos(2_000),
        "too close for this test: {after:?}"
    );

    let mut first = Leaky::new(scenario.world(1).0, from);
    let mut second = Leaky::new(scenario.world(1).0, from);
    let comparison = compare(&mut first, &mut second, limits).unwrap();
    assert_eq!(
        second.delay,
        first.delay + SimDuration::from_nanos(1),
        "each run read the counter once"
    );
    let Comparison::Diverged { index, first: a, second: b } = &comparison else {
        panic!("the runs should differ: {comparison:?}");
    };
    // Events 0..=held.index agree (the held event is taken at the same instant); the next
    // is the held event again, `delay` later in each run.
    assert_eq!(*index, held.index + 1);
    let (Side::Event(a), Side::Event(b)) = (a, b) else { panic!("{a:?} {b:?}") };
    assert_eq!((a.time, a.key), (held.time + first.delay, held.key));
    assert_eq!((b.time, b.key), (held.time + second.delay, held.key));
    assert_eq!((a.component.as_str(), b.component.as_str()), (named.as_str(), named.as_str()));
    let text = render_replay(&comparison);
    assert!(text.contains(&format!("event #{}", held.index + 1)), "{text}");
    assert!(text.contains(&a.component) && text.contains(&a.doing), "{text}");
}
