//! Crashes and pauses of the nodes services run on, as functions of time: when a node is down,
//! and when a paused node's work ends or its timers fire. A pause freezes the node: its work and
//! its timers stand still while it lasts, so each ends late by exactly the pauses it overlaps,
//! and the node carries on from what it believed before the pause.
//!
//! This module only answers questions about time; the world acts on a crash at its instant
//! (`world/nodes.rs`). It must never look at calls or jobs, and it draws no randomness.

use faultline_engine::{SimDuration, SimTime};

/// What happens to a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeFaultKind {
    /// The node loses its queue and the work in progress at once, answers nothing while down,
    /// and restarts empty after `restart_after`.
    Crash { restart_after: SimDuration },
    /// The node freezes for `length`, as in a long garbage-collection pause: no work progresses
    /// and no timer fires until it resumes; messages to it wait.
    Pause { length: SimDuration },
}

/// A crash or a pause of the node of `service`, starting at `at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeFault {
    pub service: usize,
    pub kind: NodeFaultKind,
    pub at: SimTime,
}

impl NodeFault {
    /// When the node is back: restarted or resumed.
    pub fn end(&self) -> SimTime {
        match self.kind {
            NodeFaultKind::Crash { restart_after } => self.at + restart_after,
            NodeFaultKind::Pause { length } => self.at + length,
        }
    }
}

/// A stretch of true time `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Window {
    start: SimTime,
    end: SimTime,
}

impl Window {
    fn contains(&self, t: SimTime) -> bool {
        self.start <= t && t < self.end
    }
}

/// The crash and pause windows of every service's node, each list sorted by start.
#[derive(Debug, Default)]
pub(crate) struct NodeFaults {
    down: Vec<Vec<Window>>,
    paused: Vec<Vec<Window>>,
}

impl NodeFaults {
    pub(crate) fn new(faults: &[NodeFault], services: usize) -> Self {
        let mut nodes =
            NodeFaults { down: vec![Vec::new(); services], paused: vec![Vec::new(); services] };
        for fault in faults {
            let window = Window { start: fault.at, end: fault.end() };
            match fault.kind {
                NodeFaultKind::Crash { .. } => nodes.down[fault.service].push(window),
                NodeFaultKind::Pause { .. } => nodes.paused[fault.service].push(window),
            }
        }
        for list in nodes.down.iter_mut().chain(&mut nodes.paused) {
            list.sort_by_key(|w| (w.start, w.end));
        }
        nodes
    }

    /// Every crash: the service whose node crashes, and when.
    pub(crate) fn crashes(&self) -> impl Iterator<Item = (usize, SimTime)> + '_ {
        self.down
            .iter()
            .enumerate()
            .flat_map(|(service, windows)| windows.iter().map(move |w| (service, w.start)))
    }

    /// True while the node of `service` is crashed and not restarted yet.
    pub(crate) fn is_down(&self, service: usize, now: SimTime) -> bool {
        self.down[service].iter().any(|w| w.contains(now))
    }

    /// When the node of `service` restarts, if it is down at `now`.
    pub(crate) fn restarts(&self, service: usize, now: SimTime) -> Option<SimTime> {
        self.down[service].iter().find(|w| w.contains(now)).map(|w| w.end)
    }

    /// When a paused node resumes, if it is paused at `now` (pauses that touch run on).
    pub(crate) fn resumes(&self, service: usize, now: SimTime) -> Option<SimTime> {
        let mut until = None;
        let mut t = now;
        for w in &self.paused[service] {
            if w.contains(t) {
                t = w.end;
                until = Some(t);
            }
        }
        until
    }

    /// When `work` started at `start` on the node of `service` finishes: every pause it runs
    /// into stops it until the node resumes.
    pub(crate) fn finish(&self, service: usize, start: SimTime, work: SimDuration) -> SimTime {
        let mut t = start;
        let mut left = work;
        for w in &self.paused[service] {
            if w.end <= t {
                continue;
            }
            if w.start <= t {
                t = w.end; // starts paused: waits for the node to resume
                continue;
            }
            let runs = w.start - t;
            if left <= runs {
                return t + left;
            }
            left = SimDuration::from_nanos(left.as_nanos() - runs.as_nanos());
            t = w.end;
        }
        t + left
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(secs)
    }

    fn d(secs: u64) -> SimDuration {
        SimDuration::from_secs(secs)
    }

    fn nodes() -> NodeFaults {
        let pause = |at, length| NodeFault {
            service: 0,
            kind: NodeFaultKind::Pause { length: d(length) },
            at: s(at),
        };
        let crash =
            NodeFault { service: 1, kind: NodeFaultKind::Crash { restart_after: d(5) }, at: s(10) };
        NodeFaults::new(&[pause(20, 5), pause(10, 3), crash], 2)
    }

    #[test]
    fn a_crashed_node_is_down_until_it_restarts_and_only_it() {
        let n = nodes();
        assert!(!n.is_down(1, s(9)) && n.is_down(1, s(10)) && n.is_down(1, s(14)));
        assert!(!n.is_down(1, s(15)), "restarted");
        assert!(!n.is_down(0, s(12)), "a pause is not a crash");
    }

    /// Work of 4 s started at 8 s runs 2 s, waits out the pause 10–13 s, and ends 2 s later at
    /// 15 s; work of 10 s from 8 s runs 8–10, 13–20 and 25–26 (pauses 10–13 and 20–25).
    #[test]
    fn pauses_stretch_the_work_they_overlap_by_exactly_their_length() {
        let n = nodes();
        assert_eq!(n.finish(0, s(8), d(4)), s(15));
        assert_eq!(n.finish(0, s(8), d(10)), s(26));
        assert_eq!(n.finish(0, s(11), d(1)), s(14), "starts paused: waits for the resume");
        assert_eq!(n.finish(0, s(30), d(1)), s(31), "after every pause: untouched");
        assert_eq!(n.finish(1, s(8), d(4)), s(12), "other nodes are untouched");
    }

    #[test]
    fn a_paused_node_resumes_at_the_end_of_the_pauses_it_is_in() {
        let n = nodes();
        assert_eq!(n.resumes(0, s(11)), Some(s(13)));
        assert_eq!(n.resumes(0, s(22)), Some(s(25)));
        assert_eq!(n.resumes(0, s(25)), None);
        assert_eq!(n.resumes(1, s(11)), None);
    }
}
