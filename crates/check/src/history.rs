//! A register's history as the linearizability checker and Jepsen read it: each client request
//! to the register one operation, its request id the process, its key the key, written values
//! unique. Writes Jepsen-style EDN, one map per line in time order, so `faultline history`
//! (or any Jepsen tool) can check a simulated run's history.

use std::fmt::Write as _;

use faultline_linear::{Function, History, Operation, Status, Value};
use faultline_model::{OpKind, OpStatus, RegisterHistory, RegisterOp};

/// The register's operations as the checker's history, in invocation order (index for index).
pub fn to_linear(history: &RegisterHistory) -> History {
    let operations = history.ops.iter().enumerate().map(|(i, op)| operation(op, i)).collect();
    History { operations }
}

fn value(v: u64) -> Value {
    if v == 0 { Value::Nil } else { Value::Int(v as i64) }
}

fn operation(op: &RegisterOp, line: usize) -> Operation {
    let (function, input) = match op.kind {
        OpKind::Read => (Function::Read, Value::Nil),
        OpKind::Write(v) => (Function::Write, value(v)),
    };
    let status = match op.status {
        OpStatus::Ok => Status::Ok,
        OpStatus::Fail => Status::Fail,
        OpStatus::Unknown => Status::Unknown,
    };
    let ok_read = function == Function::Read && status == Status::Ok;
    Operation {
        process: op.request,
        function,
        key: Some(op.key.to_string()),
        input,
        output: if ok_read { value(op.read) } else { Value::Nil },
        status,
        invoked: op.invoked.as_nanos(),
        completed: (status != Status::Unknown)
            .then(|| op.completed.map(|t| t.as_nanos()))
            .flatten(),
        line,
    }
}

/// The history as Jepsen EDN: an `:invoke` line per operation and an `:ok`, `:fail` or `:info`
/// line when it ended (none for one still in flight at the end), ordered by `:time` in
/// nanoseconds, invocations before completions at the same instant.
/// With `namespaced`, keys are written `"<register>/<key>"` (for files holding several
/// registers).
pub fn to_edn(history: &RegisterHistory, namespaced: bool) -> String {
    let mut lines: Vec<(u64, u8, usize)> = Vec::with_capacity(2 * history.ops.len());
    for (i, op) in history.ops.iter().enumerate() {
        lines.push((op.invoked.as_nanos(), 0, i));
        if let Some(done) = op.completed {
            lines.push((done.as_nanos(), 1, i));
        }
    }
    lines.sort_unstable();
    let mut out = String::new();
    for (time, phase, i) in lines {
        let op = &history.ops[i];
        let kind = match (phase, op.status) {
            (0, _) => "invoke",
            (_, OpStatus::Ok) => "ok",
            (_, OpStatus::Fail) => "fail",
            (_, OpStatus::Unknown) => "info",
        };
        let (f, v) = match op.kind {
            OpKind::Read if phase == 1 && op.status == OpStatus::Ok => ("read", edn_value(op.read)),
            OpKind::Read => ("read", "nil".to_string()),
            OpKind::Write(v) => ("write", edn_value(v)),
        };
        let key = if namespaced {
            format!("\"{}/{}\"", history.name, op.key)
        } else {
            op.key.to_string()
        };
        let _ = writeln!(
            out,
            "{{:process {}, :type :{kind}, :f :{f}, :key {key}, :value {v}, :time {time}}}",
            op.request
        );
    }
    out
}

fn edn_value(v: u64) -> String {
    if v == 0 { "nil".into() } else { v.to_string() }
}

#[cfg(test)]
mod tests {
    use faultline_linear::parse_history;

    use super::*;
    use crate::property::testing::op;

    fn history(ops: Vec<RegisterOp>) -> RegisterHistory {
        RegisterHistory {
            name: "store".into(),
            replicas: vec![0, 1, 2],
            clients: vec!["east".into()],
            mode: "Failover",
            ops,
            leaders: vec![],
        }
    }

    /// What the EDN file says is what the checker is given: reading it back gives the same
    /// operations (positions aside: the file's are its `:time`s, which are the same).
    #[test]
    fn the_edn_file_reads_back_as_the_same_history() {
        let h = history(vec![
            op(0, 1, OpKind::Write(1), 0, OpStatus::Ok, (0, 5)),
            op(1, 1, OpKind::Read, 1, OpStatus::Ok, (2, 7)),
            op(2, 2, OpKind::Write(3), 0, OpStatus::Unknown, (3, 9)),
            op(3, 2, OpKind::Read, 0, OpStatus::Ok, (4, 8)),
            op(4, 1, OpKind::Write(5), 0, OpStatus::Fail, (6, 10)),
        ]);
        let edn = to_edn(&h, false);
        assert_eq!(edn.lines().count(), 10);
        assert!(
            edn.starts_with("{:process 0, :type :invoke, :f :write, :key 1, :value 1, :time 0}\n")
        );
        assert!(
            edn.contains("{:process 2, :type :info, :f :write, :key 2, :value 3, :time 9000000}")
        );
        let parsed = parse_history(&edn).expect("reads");
        let ours = to_linear(&h);
        let strip = |h: &History| -> Vec<_> {
            let mut ops: Vec<_> = h
                .operations
                .iter()
                .map(|o| {
                    (
                        o.process,
                        o.function,
                        o.key.clone(),
                        o.input.clone(),
                        o.output.clone(),
                        o.status,
                        o.invoked,
                        o.completed,
                    )
                })
                .collect();
            ops.sort();
            ops
        };
        assert_eq!(strip(&parsed), strip(&ours));
    }
}
