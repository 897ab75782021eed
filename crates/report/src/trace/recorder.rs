//! The exporter's observer: turns a run's observations into compact records (spans of client
//! requests and of jobs, queue depths, token refusals), keeping only what the window and the
//! sampling let through.
//!
//! Must never change what the model does, and holds no strings: names are looked up when the
//! records are written out, after the run.

use std::collections::BTreeMap;

use faultline_engine::{SimDuration, SimTime};
use faultline_model::{Observation, Observer, Outcome};

use super::TraceOptions;

/// How a span ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    /// With this outcome.
    Ended(Outcome),
    /// A job whose caller had stopped waiting: its work was wasted.
    Unanswered(Outcome),
    /// A job whose node crashed under it.
    Lost,
    /// Still going when the run ended.
    InFlight,
}

/// One thing recorded while the run went on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Record {
    /// A client request, from its arrival to its final answer.
    Request { client: u32, request: u64, arrived: SimTime, ended: SimTime, ending: Ending },
    /// A job at a service, from getting a worker to letting it go.
    Job {
        service: u32,
        request: u64,
        started: SimTime,
        wait: SimDuration,
        ended: SimTime,
        ending: Ending,
    },
    /// The queue of `service` holds `depth` jobs from `at` on.
    Queue { service: u32, at: SimTime, depth: u32 },
    /// A `CheckToken` step refused the token of `request`; `valid`: it was valid in true time.
    TokenRefused { service: u32, request: u64, at: SimTime, valid: bool },
}

/// What the recorder knows of one service's queue.
#[derive(Clone, Copy, Debug, Default)]
struct QueueState {
    /// The last depth reported, in the window or before it. Workers becoming busy or idle
    /// are not counted: they are the job spans already, and would triple the counters.
    last: Option<u32>,
    /// The record holding the last value written in the window.
    written: Option<usize>,
    /// Changes seen in the window: with sampling, one in N is written.
    changes: u64,
}

/// Records a run for `--trace` and `--events`.
#[derive(Debug)]
pub struct Recorder {
    options: TraceOptions,
    /// Sampled requests in flight: their client and arrival.
    requests: BTreeMap<u64, (u32, SimTime)>,
    /// Sampled jobs holding a worker, by (service, request, start): how many, and the wait of
    /// the last (two jobs of one request starting at one service at one instant are rare).
    running: BTreeMap<(u32, u64, SimTime), (u32, SimDuration)>,
    queues: Vec<QueueState>,
    records: Vec<Record>,
}

impl Recorder {
    pub fn new(options: TraceOptions) -> Recorder {
        Recorder {
            options,
            requests: BTreeMap::new(),
            running: BTreeMap::new(),
            queues: Vec::new(),
            records: Vec::new(),
        }
    }

    /// Everything recorded, the spans still open closed at `end` (the run's end) as in flight.
    pub(crate) fn finish(mut self, end: SimTime) -> (TraceOptions, Vec<Record>) {
        let requests = std::mem::take(&mut self.requests);
        for (request, (client, arrived)) in requests {
            let ending = Ending::InFlight;
            self.span(
                arrived,
                end,
                Record::Request { client, request, arrived, ended: end, ending },
            );
        }
        let running = std::mem::take(&mut self.running);
        for ((service, request, started), (count, wait)) in running {
            for _ in 0..count {
                let ending = Ending::InFlight;
                let job = Record::Job { service, request, started, wait, ended: end, ending };
                self.span(started, end, job);
            }
        }
        let from = self.options.from();
        for (service, state) in self.queues.iter().enumerate() {
            if let (None, Some(depth)) = (state.written, state.last)
                && from <= end
            {
                let service = service as u32;
                self.records.push(Record::Queue { service, at: from, depth });
            }
        }
        (self.options, self.records)
    }

    /// Keeps a span from `start` to `end` if it overlaps the window.
    fn span(&mut self, start: SimTime, end: SimTime, record: Record) {
        if start <= self.options.until() && end >= self.options.from() {
            self.records.push(record);
        }
    }

    fn queue(&mut self, now: SimTime, service: usize, depth: usize) {
        if self.queues.len() <= service {
            self.queues.resize(service + 1, QueueState::default());
        }
        let depth = u32::try_from(depth).unwrap_or(u32::MAX);
        let state = self.queues[service];
        if state.last == Some(depth) || now > self.options.until() {
            return;
        }
        self.queues[service].last = Some(depth);
        if now < self.options.from() {
            return; // carried into the window when it opens
        }
        // Sampling thins the counters as it thins the spans: each value written is exact at
        // its instant, the steps between are left out.
        self.queues[service].changes += 1;
        if !(self.queues[service].changes - 1).is_multiple_of(self.options.sample.max(1)) {
            return;
        }
        let (from, service) = (self.options.from(), service as u32);
        match state.written {
            // Several changes at one instant: the counter shows where they ended.
            Some(i) if matches!(self.records[i], Record::Queue { at, .. } if at == now) => {
                self.records[i] = Record::Queue { service, at: now, depth };
                return;
            }
            None if now > from => {
                // The first change in the window: the depth it held before, from the start.
                if let Some(before) = state.last {
                    self.records.push(Record::Queue { service, at: from, depth: before });
                }
            }
            _ => {}
        }
        self.queues[service as usize].written = Some(self.records.len());
        self.records.push(Record::Queue { service, at: now, depth });
    }
}

impl Observer for Recorder {
    fn observe(&mut self, now: SimTime, what: &Observation) {
        match *what {
            Observation::RequestArrived { client, request, .. }
                if self.options.samples(request) =>
            {
                self.requests.insert(request, (client as u32, now));
            }
            Observation::RequestEnded { request, arrived, outcome } => {
                if let Some((client, _)) = self.requests.remove(&request) {
                    let ending = Ending::Ended(outcome);
                    let span = Record::Request { client, request, arrived, ended: now, ending };
                    self.span(arrived, now, span);
                }
            }
            Observation::JobStarted { service, request, wait, .. }
                if self.options.samples(request) =>
            {
                let held = self.running.entry((service as u32, request, now)).or_default();
                *held = (held.0 + 1, wait);
            }
            Observation::JobEnded { service, request, started, outcome, waited_for, lost } => {
                let key = (service as u32, request, started);
                let Some(&(count, wait)) = self.running.get(&key) else { return };
                if count > 1 {
                    self.running.insert(key, (count - 1, wait));
                } else {
                    self.running.remove(&key);
                }
                let ending = match (lost, waited_for) {
                    (true, _) => Ending::Lost,
                    (false, true) => Ending::Ended(outcome),
                    (false, false) => Ending::Unanswered(outcome),
                };
                let service = service as u32;
                let job = Record::Job { service, request, started, wait, ended: now, ending };
                self.span(started, now, job);
            }
            Observation::QueueChanged { service, depth, .. } => {
                self.queue(now, service, depth);
            }
            Observation::TokenChecked { service, request, check, .. }
                if !check.accepted && self.options.samples(request) && self.options.holds(now) =>
            {
                let (service, valid) = (service as u32, check.valid);
                self.records.push(Record::TokenRefused { service, request, at: now, valid });
            }
            _ => {}
        }
    }
}
