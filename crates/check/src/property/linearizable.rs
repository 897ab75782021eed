//! Linearizable: every replicated register's history, as its clients saw it, can be put in one
//! order in which each operation takes effect between its invocation and its end and every read
//! returns the latest write (checked key by key, operations with unknown outcomes free to have
//! taken effect or not). The violation lists a small set of operations that cannot be ordered.

use faultline_engine::SimTime;
use faultline_linear::{Limits, Model, Verdict, check};
use faultline_model::{OpKind, OpStatus, RegisterHistory, RegisterOp};

use super::{Property, RunEnd, Violation};
use crate::history::to_linear;

/// States one key's search may visit before it gives up (and says so: a violation, never a
/// pass). Bounds memory too; runs of the catalogue need a few thousand.
const MAX_STATES: u64 = 2_000_000;

#[derive(Debug, Default)]
pub struct Linearizable;

impl Linearizable {
    pub fn new() -> Self {
        Linearizable
    }
}

impl Property for Linearizable {
    fn name(&self) -> &'static str {
        "Linearizable"
    }

    fn describe(&self) -> String {
        "every register's history is linearizable".into()
    }

    fn verdict(&self, end: &RunEnd) -> Option<Violation> {
        let names = |s: u32| end.metrics.services[s as usize].name.clone();
        end.metrics.registers.iter().find_map(|h| judge(h, &names))
    }
}

fn judge(history: &RegisterHistory, names: &dyn Fn(u32) -> String) -> Option<Violation> {
    let limits = Limits { max_states: MAX_STATES, max_time: None };
    match check(&to_linear(history), Model::Register, &limits) {
        Verdict::Linearizable => None,
        Verdict::GaveUp { reason } => Some(Violation {
            at: history.ops.last().map_or(SimTime::ZERO, |op| op.invoked),
            request: None,
            detail: format!("register `{}`: the check gave up ({reason}); linearizability unknown", history.name),
        }),
        Verdict::NotLinearizable(counterexample) => {
            let ops: Vec<&RegisterOp> = counterexample.operations.iter().map(|&i| &history.ops[i]).collect();
            let at = ops.iter().filter_map(|op| op.completed).max().unwrap_or(SimTime::ZERO);
            let lines: Vec<String> = ops.iter().map(|op| describe_op(history, op, names)).collect();
            let key = ops.first().map_or(0, |op| op.key);
            Some(Violation {
                at,
                request: ops.last().map(|op| op.request),
                detail: format!(
                    "register `{}` ({} mode), key {key}: these {} operations cannot be put in any order that explains what the reads saw:\n{}",
                    history.name,
                    history.mode,
                    ops.len(),
                    lines.join("\n")
                ),
            })
        }
    }
}

/// One operation in words: who, what, where, when, how it ended.
pub(crate) fn describe_op(history: &RegisterHistory, op: &RegisterOp, names: &dyn Fn(u32) -> String) -> String {
    let client = history.clients.get(op.client as usize).map_or("?", String::as_str);
    let what = match (op.kind, op.status) {
        (OpKind::Write(v), _) => format!("write {v}"),
        (OpKind::Read, OpStatus::Ok) if op.read == 0 => "read → nothing written yet".to_string(),
        (OpKind::Read, OpStatus::Ok) => format!("read → {}", op.read),
        (OpKind::Read, _) => "read".to_string(),
    };
    let by = op.replica.map_or(String::new(), |r| format!(" at {}", names(r)));
    let ended = match (op.status, op.completed) {
        (OpStatus::Ok, Some(t)) => format!("→ {t} ok"),
        (OpStatus::Fail, Some(t)) => format!("→ {t} failed"),
        (OpStatus::Unknown, Some(t)) => format!("→ {t} unknown (timed out)"),
        (_, None) => "→ still in flight at the end".to_string(),
    };
    format!("  request {} from `{client}`: {what}{by}, {} {ended}", op.request, op.invoked)
}

#[cfg(test)]
mod tests {
    use faultline_engine::SimDuration;
    use faultline_model::Metrics;

    use super::*;
    use crate::property::testing::{op, with_history};

    fn verdict(m: &Metrics) -> Option<Violation> {
        Linearizable::new().verdict(&RunEnd { metrics: m, in_flight: 0 })
    }

    #[test]
    fn a_read_of_the_latest_write_holds() {
        let m = with_history(vec![
            op(0, 1, OpKind::Write(1), 0, OpStatus::Ok, (0, 10)),
            op(1, 1, OpKind::Read, 1, OpStatus::Ok, (20, 30)),
        ]);
        assert_eq!(verdict(&m), None);
    }

    #[test]
    fn a_read_that_misses_an_acknowledged_write_is_named_with_it() {
        let m = with_history(vec![
            op(0, 1, OpKind::Write(1), 0, OpStatus::Ok, (0, 10)),
            op(1, 1, OpKind::Write(2), 0, OpStatus::Ok, (20, 30)),
            op(2, 1, OpKind::Read, 1, OpStatus::Ok, (40, 50)),
        ]);
        let v = verdict(&m).expect("stale read");
        assert_eq!(v.at, SimTime::ZERO + SimDuration::from_millis(50));
        assert!(v.detail.contains("key 1"), "{}", v.detail);
        assert!(v.detail.contains("request 1 from `east`: write 2 at s, 20ms → 30ms ok"), "{}", v.detail);
        assert!(v.detail.contains("read → 1"), "{}", v.detail);
    }

    #[test]
    fn a_write_with_unknown_outcome_may_have_happened() {
        let m = with_history(vec![
            op(0, 1, OpKind::Write(1), 0, OpStatus::Unknown, (0, 10)),
            op(1, 1, OpKind::Read, 1, OpStatus::Ok, (40, 50)),
            op(2, 1, OpKind::Read, 1, OpStatus::Ok, (60, 70)),
        ]);
        assert_eq!(verdict(&m), None);
    }
}
