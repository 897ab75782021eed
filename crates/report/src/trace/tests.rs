//! The recorder and the options against hand-built observations.

use faultline_engine::{SimDuration, SimTime};
use faultline_model::{Observation, Observer, Outcome};

use super::recorder::{Ending, Record};
use super::{Recorder, TraceOptions};

fn t(ms: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_millis(ms)
}

fn window(from: u64, until: u64) -> TraceOptions {
    TraceOptions { window: Some((t(from), t(until))), sample: 1 }
}

fn queue(service: usize, depth: usize, busy: u32) -> Observation {
    Observation::QueueChanged { service, depth, busy }
}

fn arrived(request: u64) -> Observation {
    Observation::RequestArrived { client: 0, request, key: 0 }
}

fn ended(request: u64, at: u64) -> Observation {
    Observation::RequestEnded { request, arrived: t(at), outcome: Outcome::Success }
}

#[test]
fn sampling_keeps_about_one_request_in_n_by_id_alone() {
    let options = TraceOptions { window: None, sample: 10 };
    let kept = (0..100_000).filter(|&r| options.samples(r)).count();
    assert!((9_500..10_500).contains(&kept), "{kept} of 100,000");
    // Ids taking turns (two clients) are not kept by turn.
    let even = (0..100_000).step_by(2).filter(|&r| options.samples(r)).count();
    assert!((4_700..5_300).contains(&even), "{even} of 50,000 even ids");
    assert!((0..1000).all(|r| TraceOptions::default().samples(r)));
    assert_eq!(options.samples(12_345), options.samples(12_345));
}

#[test]
fn a_request_is_one_span_from_arrival_to_answer_and_one_left_open_ends_with_the_run() {
    let mut recorder = Recorder::new(TraceOptions::default());
    recorder.observe(t(10), &arrived(1));
    recorder.observe(t(12), &arrived(2));
    recorder.observe(t(30), &ended(1, 10));
    let (_, records) = recorder.finish(t(100));
    let want = [
        Record::Request {
            client: 0,
            request: 1,
            arrived: t(10),
            ended: t(30),
            ending: Ending::Ended(Outcome::Success),
        },
        Record::Request {
            client: 0,
            request: 2,
            arrived: t(12),
            ended: t(100),
            ending: Ending::InFlight,
        },
    ];
    assert_eq!(records, want);
}

#[test]
fn a_job_span_carries_its_wait_and_how_it_ended() {
    let mut recorder = Recorder::new(TraceOptions::default());
    let wait = SimDuration::from_millis(4);
    let started = Observation::JobStarted { service: 2, request: 7, class: 0, key: 0, wait };
    recorder.observe(t(5), &started);
    let lost = Observation::JobEnded {
        service: 2,
        request: 7,
        started: t(5),
        outcome: Outcome::Error,
        waited_for: false,
        lost: true,
    };
    recorder.observe(t(9), &lost);
    // An end without a start the recorder saw (sampled out, say) is ignored.
    recorder.observe(t(9), &lost);
    let (_, records) = recorder.finish(t(100));
    let job = Record::Job {
        service: 2,
        request: 7,
        started: t(5),
        wait,
        ended: t(9),
        ending: Ending::Lost,
    };
    assert_eq!(records, [job]);
}

#[test]
fn a_window_keeps_overlapping_spans_whole_and_carries_the_queue_in() {
    let mut recorder = Recorder::new(window(50, 80));
    for (at, what) in [
        (10, queue(0, 1, 1)),
        (20, arrived(1)), // ends in the window: kept
        (30, arrived(2)), // ends before: left out
        (40, ended(2, 30)),
        (45, queue(0, 3, 2)),
        (60, ended(1, 20)),
        (60, queue(0, 3, 1)), // the same depth (a worker went idle): nothing
        (70, queue(0, 4, 2)),
        (70, queue(0, 5, 2)), // the same instant: the counter shows where it ended
        (90, queue(0, 0, 0)), // after the window
        (95, queue(1, 2, 1)), // a service seen only after: nothing
    ] {
        recorder.observe(t(at), &what);
    }
    let (_, records) = recorder.finish(t(100));
    let spans: Vec<u64> = records
        .iter()
        .filter_map(|r| match r {
            Record::Request { request, .. } => Some(*request),
            _ => None,
        })
        .collect();
    assert_eq!(spans, [1]);
    let queues: Vec<(u32, SimTime, u32)> = records
        .iter()
        .filter_map(|r| match *r {
            Record::Queue { service, at, depth } => Some((service, at, depth)),
            _ => None,
        })
        .collect();
    assert_eq!(queues, [(0, t(50), 3), (0, t(70), 5)]);
}

#[test]
fn a_queue_quiet_through_the_window_still_shows_its_value_there() {
    let mut recorder = Recorder::new(window(50, 80));
    recorder.observe(t(10), &queue(0, 4, 1));
    let (_, records) = recorder.finish(t(100));
    assert_eq!(records, [Record::Queue { service: 0, at: t(50), depth: 4 }]);
}

#[test]
fn sampling_writes_one_queue_change_in_n_each_exact_at_its_instant() {
    let mut recorder = Recorder::new(TraceOptions { window: None, sample: 3 });
    for (ms, depth) in [(1, 1), (2, 2), (3, 2), (4, 3), (5, 4), (6, 5), (7, 6), (8, 7)] {
        recorder.observe(t(ms), &queue(0, depth, 0));
    }
    let (_, records) = recorder.finish(t(100));
    // Seven changes (the depth at 3 ms did not move): the 1st, 4th and 7th are written.
    let want =
        [(1, 1), (5, 4), (8, 7)].map(|(ms, depth)| Record::Queue { service: 0, at: t(ms), depth });
    assert_eq!(records, want);
}
