//! The exported events: one list in time order, each on a track (a process per node and one
//! for the network, a thread per lane of spans), holding what both outputs write.
//!
//! Must never depend on anything but the scenario, the finished run's metrics and the
//! recorder's records: the same run exports the same bytes.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use faultline_engine::{SimDuration, SimTime, human_secs};
use faultline_model::policy::BreakerState;
use faultline_model::{Metrics, Outcome};
use faultline_scenario::Scenario;
use serde_json::Value;

use super::TraceOptions;
use super::recorder::{Ending, Record, Recorder};

/// A track group: a node (client or service instance) or the network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Process {
    /// Chrome's process id: its index in [`Export::processes`] plus one.
    pub pid: u32,
    /// `client web`, `service api/0`, `network`: an event's `component`.
    pub name: String,
    /// What its lanes of spans are called (`requests`, `jobs`).
    pub lane_name: &'static str,
    /// How many lanes its spans needed: tids 1 to `lanes` (tid 0 holds its instants and
    /// counters).
    pub lanes: u32,
}

/// One exported event: a span (with `dur`), an instant, or a counter (`kind` `queue`).
#[derive(Clone, Debug, PartialEq)]
pub struct TraceEvent {
    pub at: SimTime,
    pub dur: Option<SimDuration>,
    pub pid: u32,
    /// 0 for instants and counters; a span's lane plus one.
    pub tid: u32,
    /// `request`, `job`, `queue`, `fault`, `breaker`, `leader`, `token_refused`.
    pub kind: &'static str,
    pub name: String,
    /// Ids and values: `request`, `service`, `outcome`, … (a list, not a map: an export can
    /// hold millions of events).
    pub args: Vec<(&'static str, Value)>,
}

/// A run's events, in time order, and the tracks they are on.
#[derive(Clone, Debug, PartialEq)]
pub struct Export {
    pub processes: Vec<Process>,
    pub events: Vec<TraceEvent>,
}

impl Export {
    pub(crate) fn new(scenario: &Scenario, metrics: &Metrics, recorder: Recorder) -> Export {
        let world = &scenario.world;
        let names = world.node_names();
        let clients = world.clients.len();
        let mut processes: Vec<Process> = names
            .iter()
            .enumerate()
            .map(|(node, name)| {
                let (what, lane_name) =
                    if node < clients { ("client", "requests") } else { ("service", "jobs") };
                let name = format!("{what} {name}");
                Process { pid: node as u32 + 1, name, lane_name, lanes: 0 }
            })
            .collect();
        let network = processes.len() as u32 + 1;
        processes.push(Process { pid: network, name: "network".into(), lane_name: "", lanes: 0 });
        let end = SimTime::ZERO + scenario.duration;
        let (options, records) = recorder.finish(end);
        let mut out = Events { names: &names, clients, options, end, list: Vec::new() };
        out.list.reserve(records.len());
        records.iter().for_each(|r| out.record(r));
        out.faults(scenario, network);
        out.breakers(metrics);
        out.leaders(metrics);
        let mut events = out.list;
        assign_lanes(&mut events, &mut processes);
        // Stable: events at one instant keep the order they were recorded in.
        events.sort_by_key(|e| e.at);
        if world.network.is_none() && !events.iter().any(|e| e.pid == network) {
            processes.pop();
        }
        Export { processes, events }
    }

    /// The process an event is on.
    pub fn process(&self, event: &TraceEvent) -> &Process {
        &self.processes[event.pid as usize - 1]
    }
}

/// Builds the events of one export.
struct Events<'a> {
    names: &'a [String],
    clients: usize,
    options: TraceOptions,
    end: SimTime,
    list: Vec<TraceEvent>,
}

impl Events<'_> {
    fn push<const N: usize>(
        &mut self,
        at: SimTime,
        pid: u32,
        kind: &'static str,
        name: String,
        args: [(&'static str, Value); N],
    ) {
        let args = args.to_vec();
        self.list.push(TraceEvent { at, dur: None, pid, tid: 0, kind, name, args });
    }

    fn service_pid(&self, service: u32) -> u32 {
        (self.clients as u32) + service + 1
    }

    fn service_name(&self, service: u32) -> &str {
        &self.names[self.clients + service as usize]
    }

    fn record(&mut self, record: &Record) {
        match *record {
            Record::Request { client, request, arrived, ended, ending } => {
                let args = [("request", request.into()), ("outcome", ending_name(ending).into())];
                self.push(arrived, client + 1, "request", format!("request {request}"), args);
                self.last_lasts(ended - arrived);
            }
            Record::Job { service, request, started, wait, ended, ending } => {
                let args = [
                    ("request", request.into()),
                    ("service", self.service_name(service).into()),
                    ("wait_s", wait.as_secs_f64().into()),
                    ("outcome", ending_name(ending).into()),
                    ("answered", matches!(ending, Ending::Ended(_)).into()),
                ];
                let pid = self.service_pid(service);
                self.push(started, pid, "job", format!("request {request}"), args);
                self.last_lasts(ended - started);
            }
            Record::Queue { service, at, depth } => {
                let args = [("queued", depth.into())];
                self.push(at, self.service_pid(service), "queue", "queue".into(), args);
            }
            Record::TokenRefused { service, request, at, valid } => {
                let name = if valid { "valid token refused" } else { "token refused" };
                let args = [("request", request.into()), ("valid", valid.into())];
                self.push(at, self.service_pid(service), "token_refused", name.into(), args);
            }
        }
    }

    /// The event just pushed is a span of `dur`.
    fn last_lasts(&mut self, dur: SimDuration) {
        self.list.last_mut().expect("just pushed").dur = Some(dur);
    }

    /// A fault's beginning and, if the run sees it, its end, each if in the window.
    fn fault(&mut self, pid: u32, label: String, start: SimTime, end: SimTime) {
        for (at, phase) in [(start, "begins"), (end, "ends")] {
            if self.options.holds(at) && at <= self.end {
                let args = [("fault", label.as_str().into()), ("phase", phase.into())];
                self.push(at, pid, "fault", format!("{label} {phase}"), args);
            }
        }
    }

    /// Every fault the scenario schedules: on services, on the network, crashes and pauses,
    /// clock steps (the report's bands, and the clocks' steps).
    fn faults(&mut self, scenario: &Scenario, network: u32) {
        let world = &scenario.world;
        for f in &world.faults {
            let label = crate::summary::fault_label(scenario, f);
            self.fault(self.service_pid(f.service as u32), label, f.start, f.end);
        }
        for f in world.network.iter().flat_map(|n| &n.faults) {
            self.fault(network, crate::network::label(f, self.names), f.start, f.end);
        }
        for f in &world.node_faults {
            let what = match f.kind {
                faultline_model::NodeFaultKind::Crash { .. } => "crashed",
                faultline_model::NodeFaultKind::Pause { .. } => "paused",
            };
            let label = format!("{} {what}", self.service_name(f.service as u32));
            self.fault(self.service_pid(f.service as u32), label, f.at, f.end());
        }
        let options = self.options;
        for (node, clock) in &world.clocks {
            for step in clock.steps.iter().filter(|s| s.by != 0 && options.holds(s.at)) {
                let sign = if step.by < 0 { "-" } else { "+" };
                let by = human_secs(step.by.unsigned_abs() as f64 / 1e9);
                let label = format!("clock of {} steps {sign}{by}", self.names[*node as usize]);
                let args = [("fault", label.as_str().into()), ("phase", "at".into())];
                self.push(step.at, node + 1, "fault", label, args);
            }
        }
    }

    /// Every breaker change the metrics kept, on the node its calls leave from.
    fn breakers(&mut self, metrics: &Metrics) {
        let options = self.options;
        for change in metrics.breaker_changes.iter().filter(|c| options.holds(c.at)) {
            let caller = change.site.split('→').next().unwrap_or_default();
            let node = self.names.iter().position(|n| n == caller).unwrap_or(0);
            let to = match change.to {
                BreakerState::Closed => "closed",
                BreakerState::Open => "open",
                BreakerState::HalfOpen => "half_open",
            };
            let args = [("site", change.site.as_str().into()), ("to", to.into())];
            let name = format!("breaker {} {}", change.site, to.replace('_', "-"));
            self.push(change.at, node as u32 + 1, "breaker", name, args);
        }
    }

    /// Every replica that took over as a register's leader.
    fn leaders(&mut self, metrics: &Metrics) {
        let options = self.options;
        for register in &metrics.registers {
            for change in register.leaders.iter().filter(|c| options.holds(c.at)) {
                let args =
                    [("register", register.name.as_str().into()), ("term", change.term.into())];
                let name = format!("leader of {} (term {})", register.name, change.term);
                self.push(change.at, self.service_pid(change.replica), "leader", name, args);
            }
        }
    }
}

/// How a span ended, in words: `success`, `error`, `timeout`, `rejected:queue_full`, `lost`,
/// `in_flight`.
fn ending_name(ending: Ending) -> String {
    let outcome = match ending {
        Ending::Ended(o) | Ending::Unanswered(o) => o,
        Ending::Lost => return "lost".into(),
        Ending::InFlight => return "in_flight".into(),
    };
    match outcome {
        Outcome::Success => "success".into(),
        Outcome::Error => "error".into(),
        Outcome::Timeout => "timeout".into(),
        Outcome::Rejected(r) => format!("rejected:{}", r.name()),
    }
}

/// Puts each span on a lane of its process so that spans on one lane never overlap (Chrome's
/// format wants the spans of a thread nested): the lowest lane free when it starts, in order of
/// start. Deterministic: ties broken by end, then by the order recorded.
fn assign_lanes(events: &mut [TraceEvent], processes: &mut [Process]) {
    let mut spans: Vec<usize> = (0..events.len()).filter(|&i| events[i].dur.is_some()).collect();
    let key = |e: &TraceEvent| (e.pid, e.at, e.at + e.dur.unwrap_or_default());
    spans.sort_by_key(|&i| key(&events[i]));
    let mut pid = 0;
    let mut busy: BinaryHeap<Reverse<(SimTime, u32)>> = BinaryHeap::new();
    let mut free: BinaryHeap<Reverse<u32>> = BinaryHeap::new();
    for i in spans {
        let (p, start, end) = key(&events[i]);
        if p != pid {
            (pid, busy, free) = (p, BinaryHeap::new(), BinaryHeap::new());
        }
        while let Some(&Reverse((ends, lane))) = busy.peek()
            && ends <= start
        {
            busy.pop();
            free.push(Reverse(lane));
        }
        let process = &mut processes[p as usize - 1];
        let lane = free.pop().map_or_else(
            || {
                process.lanes += 1;
                process.lanes - 1
            },
            |Reverse(lane)| lane,
        );
        busy.push(Reverse((end, lane)));
        events[i].tid = lane + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(pid: u32, from_ms: u64, until_ms: u64) -> TraceEvent {
        let at = SimTime::ZERO + SimDuration::from_millis(from_ms);
        let dur = Some(SimDuration::from_millis(until_ms - from_ms));
        TraceEvent { at, dur, pid, tid: 0, kind: "job", name: String::new(), args: Vec::new() }
    }

    #[test]
    fn overlapping_spans_take_separate_lanes_and_a_lane_is_reused_once_free() {
        let process = |pid| Process { pid, name: String::new(), lane_name: "jobs", lanes: 0 };
        let mut processes = vec![process(1), process(2)];
        // On process 1: [0,10] and [5,20] overlap; [10,12] starts as the first ends (lane 1
        // again); [12,30] after it. Process 2 has lanes of its own.
        let mut events =
            vec![span(1, 0, 10), span(1, 5, 20), span(1, 10, 12), span(2, 3, 4), span(1, 12, 30)];
        let mut instant = span(1, 1, 1);
        instant.dur = None;
        events.push(instant);
        assign_lanes(&mut events, &mut processes);
        let tids: Vec<u32> = events.iter().map(|e| e.tid).collect();
        assert_eq!(tids, [1, 2, 1, 1, 1, 0]);
        assert_eq!((processes[0].lanes, processes[1].lanes), (2, 1));
    }
}
