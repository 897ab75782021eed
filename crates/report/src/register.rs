//! What each replicated register did over a run, for the summary: how its operations ended as
//! clients saw them, and who led when. Built from the recorded histories; never judges them
//! (the invariants do).

use serde::Serialize;

use faultline_model::{Metrics, OpKind, OpStatus, RegisterHistory};

use crate::text::thousands;

/// Leaders listed in the text line; later ones are counted.
const LEADERS_SHOWN: usize = 4;

/// One register's operations and leaders.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RegisterSummary {
    pub name: String,
    pub mode: String,
    pub reads: u64,
    pub writes: u64,
    /// Answered with success.
    pub ok: u64,
    /// Certainly without effect.
    pub failed: u64,
    /// Timed out, or failed after a replica applied them: may or may not have taken effect.
    pub unknown: u64,
    pub in_flight: u64,
    pub leaders: Vec<LeaderSummary>,
}

/// A replica taking over as leader.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LeaderSummary {
    pub at_s: f64,
    /// `at_s` as the text summary writes times (`10.61s`).
    #[serde(skip)]
    at: String,
    pub replica: String,
    pub term: u32,
}

impl RegisterSummary {
    fn new(h: &RegisterHistory, m: &Metrics) -> Self {
        let count = |f: &dyn Fn(&faultline_model::RegisterOp) -> bool| {
            h.ops.iter().filter(|op| f(op)).count() as u64
        };
        let ended = |status: OpStatus| {
            move |op: &faultline_model::RegisterOp| op.completed.is_some() && op.status == status
        };
        RegisterSummary {
            name: h.name.clone(),
            mode: h.mode.to_string(),
            reads: count(&|op| op.kind == OpKind::Read),
            writes: count(&|op| op.kind != OpKind::Read),
            ok: count(&ended(OpStatus::Ok)),
            failed: count(&ended(OpStatus::Fail)),
            unknown: count(&ended(OpStatus::Unknown)),
            in_flight: count(&|op| op.completed.is_none()),
            leaders: h
                .leaders
                .iter()
                .map(|l| LeaderSummary {
                    at_s: l.at.as_secs_f64(),
                    at: l.at.to_string(),
                    replica: m.services[l.replica as usize].name.clone(),
                    term: l.term,
                })
                .collect(),
        }
    }

    /// The line of the text summary.
    pub fn line(&self) -> String {
        let mut leaders: Vec<String> = self
            .leaders
            .iter()
            .take(LEADERS_SHOWN)
            .map(|l| format!("{} (term {}) at {}", l.replica, l.term, l.at))
            .collect();
        if self.leaders.len() > LEADERS_SHOWN {
            leaders.push(format!("{} more", self.leaders.len() - LEADERS_SHOWN));
        }
        let taken = if leaders.is_empty() {
            String::new()
        } else {
            format!(" · took over: {}", leaders.join(", "))
        };
        format!(
            "register    {} ({}) · {} operations ({} reads, {} writes): {} ok, {} failed, {} unknown{}",
            self.name,
            self.mode,
            thousands(self.reads + self.writes),
            thousands(self.reads),
            thousands(self.writes),
            thousands(self.ok),
            thousands(self.failed),
            thousands(self.unknown),
            taken
        )
    }
}

/// Every register of the run.
pub(crate) fn register_summaries(m: &Metrics) -> Vec<RegisterSummary> {
    m.registers.iter().map(|h| RegisterSummary::new(h, m)).collect()
}

#[cfg(test)]
mod tests {
    use faultline_engine::{SimDuration, SimTime};
    use faultline_model::{LeaderChange, RegisterOp};

    use super::*;

    fn op(request: u64, kind: OpKind, status: OpStatus, done: bool) -> RegisterOp {
        RegisterOp {
            request,
            client: 0,
            key: 1,
            kind,
            read: 0,
            status,
            invoked: SimTime::ZERO,
            completed: done.then_some(SimTime::ZERO + SimDuration::from_millis(5)),
            replica: None,
            applied: false,
            timed_out: false,
        }
    }

    /// Operations are counted by how they ended (one still in flight apart), and leaders are
    /// named by their service.
    #[test]
    fn counts_operations_by_outcome_and_names_leaders() {
        let mut m = Metrics::new(
            &[("store/0".into(), 1), ("store/1".into(), 1)],
            &["default".into()],
            SimTime::ZERO,
            SimTime::ZERO + SimDuration::from_secs(10),
            SimDuration::from_secs(1),
        );
        m.registers = vec![RegisterHistory {
            name: "store".into(),
            replicas: vec![0, 1],
            clients: vec!["c".into()],
            mode: "Failover",
            ops: vec![
                op(0, OpKind::Write(1), OpStatus::Ok, true),
                op(1, OpKind::Read, OpStatus::Ok, true),
                op(2, OpKind::Write(3), OpStatus::Unknown, true),
                op(3, OpKind::Read, OpStatus::Fail, true),
                op(4, OpKind::Read, OpStatus::Unknown, false),
            ],
            leaders: vec![LeaderChange {
                at: SimTime::ZERO + SimDuration::from_millis(2500),
                replica: 1,
                term: 2,
            }],
        }];
        let [s] = register_summaries(&m).try_into().expect("one register");
        assert_eq!((s.reads, s.writes, s.ok, s.failed, s.unknown, s.in_flight), (3, 2, 2, 1, 1, 1));
        assert_eq!(
            s.line(),
            "register    store (Failover) · 5 operations (3 reads, 2 writes): 2 ok, 1 failed, 1 unknown · took over: store/1 (term 2) at 2.5s"
        );
    }
}
