//! The search agrees with brute force on small random histories: every order of the operations
//! that respects real time, unknown ones anywhere after their invocation or nowhere. Tests
//! only: the brute force must never be used to check anything real, it is exponential.

use faultline_linear::{
    Function, History, Limits, Model, Operation, Status, Value, Verdict, check, step,
};
use proptest::prelude::*;

/// Whether some order of `ops` is legal for `model`: all `Ok` operations placed, any unknown
/// ones placed or not, failed ones never, and `a` before `b` whenever `a` completed before `b`
/// was invoked.
fn brute_force(model: Model, ops: &[&Operation]) -> bool {
    fn go(model: Model, ops: &[&Operation], placed: &mut Vec<bool>, state: &Value) -> bool {
        let done = ops.iter().zip(placed.iter()).all(|(op, &p)| p || op.status != Status::Ok);
        if done {
            return true;
        }
        for i in 0..ops.len() {
            if placed[i] || ops[i].status == Status::Fail {
                continue;
            }
            // Everything that completed before this one was invoked must already be placed.
            let blocked = (0..ops.len()).any(|j| {
                !placed[j]
                    && j != i
                    && ops[j].status == Status::Ok
                    && ops[j].completed.is_some_and(|c| c < ops[i].invoked)
            });
            if blocked {
                continue;
            }
            if let Some(next) = step(model, state, ops[i]) {
                placed[i] = true;
                let found = go(model, ops, placed, &next);
                placed[i] = false;
                if found {
                    return true;
                }
            }
        }
        false
    }
    let mut placed = vec![false; ops.len()];
    go(model, ops, &mut placed, &model.initial())
}

/// One generated operation: (process, kind, a, b, status, start, length).
type Raw = (u64, u8, i64, i64, u8, u64, u64);

/// Builds a history from raw intervals; positions are made distinct by ranking them.
fn build(cas: bool, raw: &[Raw]) -> History {
    let mut points: Vec<(u64, usize, bool)> = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        points.push((r.5, i, false));
        points.push((r.5 + r.6, i, true));
    }
    points.sort();
    let mut invoked = vec![0; raw.len()];
    let mut completed = vec![0; raw.len()];
    for (rank, &(_, i, end)) in points.iter().enumerate() {
        if end {
            completed[i] = rank as u64;
        } else {
            invoked[i] = rank as u64;
        }
    }
    let mut operations: Vec<Operation> = raw
        .iter()
        .enumerate()
        .map(|(i, &(process, kind, a, b, status, _, _))| {
            let status = match status {
                0..=6 => Status::Ok,
                7 | 8 => Status::Unknown,
                _ => Status::Fail,
            };
            let seen = if a == 3 { Value::Nil } else { Value::Int(a) };
            let (function, input, output) = match kind % if cas { 3 } else { 2 } {
                0 => (Function::Read, Value::Nil, seen),
                1 => (Function::Write, Value::Int(a), Value::Nil),
                _ => (Function::Cas, Value::List(vec![a, b]), Value::Nil),
            };
            Operation {
                process,
                function,
                key: None,
                input,
                output,
                status,
                invoked: invoked[i],
                completed: (status != Status::Unknown).then_some(completed[i]),
                line: i + 1,
            }
        })
        .collect();
    operations.sort_by_key(|op| op.invoked);
    History { operations }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_search_agrees_with_brute_force(
        cas in any::<bool>(),
        raw in prop::collection::vec(
            (0..3u64, 0..3u8, 0..4i64, 0..3i64, 0..10u8, 0..30u64, 1..12u64),
            0..=8,
        ),
    ) {
        let model = if cas { Model::CasRegister } else { Model::Register };
        let history = build(cas, &raw);
        let all: Vec<&Operation> = history.operations.iter().collect();
        let expected = brute_force(model, &all);
        let verdict = check(&history, model, &Limits::default());
        match &verdict {
            Verdict::Linearizable => prop_assert!(expected, "{history:?}"),
            Verdict::NotLinearizable(cx) => {
                prop_assert!(!expected, "{history:?}");
                // The counterexample alone cannot be ordered either.
                let chosen: Vec<&Operation> =
                    cx.operations.iter().map(|&i| &history.operations[i]).collect();
                prop_assert!(cx.minimal);
                prop_assert!(!brute_force(model, &chosen), "{history:?} {cx:?}");
            }
            Verdict::GaveUp { reason } => prop_assert!(false, "gave up: {reason}"),
        }
    }
}
