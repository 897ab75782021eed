//! Hand-written histories and the verdicts they must get, each with why. Tests only: nothing
//! here may be used by the checker itself.

use crate::{Counterexample, Function, History, Limits, Model, Operation, Status, Value, Verdict};
use crate::{check, step};

use Function::*;
use Status::{Fail, Ok, Unknown};

/// An operation of `process` over [invoked, completed] (`completed` ignored when unknown).
fn op(
    process: u64,
    function: Function,
    input: Value,
    output: Value,
    status: Status,
    invoked: u64,
    completed: u64,
) -> Operation {
    Operation {
        process,
        function,
        key: None,
        input,
        output,
        status,
        invoked,
        completed: (status != Unknown).then_some(completed),
        line: invoked as usize + 1,
    }
}

fn write(p: u64, x: i64, status: Status, from: u64, to: u64) -> Operation {
    op(p, Write, Value::Int(x), Value::Nil, status, from, to)
}

fn read(p: u64, seen: Value, from: u64, to: u64) -> Operation {
    op(p, Read, Value::Nil, seen, Ok, from, to)
}

fn cas(p: u64, old: i64, new: i64, status: Status, from: u64, to: u64) -> Operation {
    op(p, Cas, Value::List(vec![old, new]), Value::Nil, status, from, to)
}

fn keyed(key: &str, mut op: Operation) -> Operation {
    op.key = Some(key.to_string());
    op
}

fn history(mut operations: Vec<Operation>) -> History {
    operations.sort_by_key(|op| op.invoked);
    History { operations }
}

fn verdict(model: Model, ops: Vec<Operation>) -> Verdict {
    check(&history(ops), model, &Limits::default())
}

fn counterexample(v: Verdict) -> Counterexample {
    match v {
        Verdict::NotLinearizable(cx) => cx,
        other => panic!("expected a counterexample, got {other:?}"),
    }
}

const NIL: Value = Value::Nil;
const fn int(x: i64) -> Value {
    Value::Int(x)
}

#[test]
fn an_empty_history_is_linearizable() {
    // Nothing to order.
    assert_eq!(verdict(Model::Register, vec![]), Verdict::Linearizable);
}

#[test]
fn a_sequential_history_that_reads_what_was_written_is_linearizable() {
    // One operation at a time, each read seeing the last write: the history's own order works.
    let ops = vec![
        read(0, NIL, 0, 1),
        write(0, 1, Ok, 2, 3),
        read(1, int(1), 4, 5),
        write(1, 2, Ok, 6, 7),
        read(0, int(2), 8, 9),
    ];
    assert_eq!(verdict(Model::Register, ops), Verdict::Linearizable);
}

#[test]
fn reads_overlapping_a_long_write_may_see_either_value_but_not_go_back() {
    // The write spans [0, 20]; reads inside it may see nil until one sees 1 — the write took
    // effect between 3 and 4 — and later ones must see 1.
    let ops = vec![
        write(0, 1, Ok, 0, 20),
        read(1, NIL, 1, 3),
        read(2, int(1), 4, 6),
        read(1, int(1), 7, 22),
    ];
    assert_eq!(verdict(Model::Register, ops), Verdict::Linearizable);
    // Seeing nil after another read saw 1 means the write would have to be undone.
    let ops = vec![write(0, 1, Ok, 0, 20), read(1, int(1), 1, 3), read(2, NIL, 4, 6)];
    let cx = counterexample(verdict(Model::Register, ops));
    assert_eq!(cx.operations.len(), 3);
}

#[test]
fn a_read_concurrent_with_a_write_may_be_ordered_either_way() {
    // The read [1, 5] overlaps the write [0, 10]: it may come before it (nil) or after (1).
    for seen in [NIL, int(1)] {
        let ops = vec![write(0, 1, Ok, 0, 10), read(1, seen, 1, 5)];
        assert_eq!(verdict(Model::Register, ops), Verdict::Linearizable);
    }
    // But not a value nobody wrote.
    let ops = vec![write(0, 1, Ok, 0, 10), read(1, int(2), 1, 5)];
    assert!(matches!(verdict(Model::Register, ops), Verdict::NotLinearizable(_)));
}

#[test]
fn a_stale_read_after_a_completed_write_is_not_linearizable_and_is_named() {
    // The write of 1 completed at 1; a read invoked at 4 must see 1 (or a later write), not
    // the initial nil. Around them, operations that are fine on their own: the counterexample
    // keeps only the write and the stale read, since without either the rest can be ordered.
    let ops = vec![
        write(0, 1, Ok, 0, 1),
        read(1, int(1), 2, 3),
        read(2, NIL, 4, 5),
        write(0, 2, Ok, 6, 7),
        read(1, int(2), 8, 9),
    ];
    let h = history(ops);
    let v = check(&h, Model::Register, &Limits::default());
    let cx = counterexample(v.clone());
    assert_eq!(cx, Counterexample { key: None, operations: vec![0, 2], minimal: true });
    let text = v.describe(&h);
    assert!(text.contains("these 2 operations"), "{text}");
    assert!(text.contains("process 2 read -> nil ok, invoked 4, completed 5 (line 5)"), "{text}");
    assert!(text.contains("process 0 write 1 ok, invoked 0, completed 1 (line 1)"), "{text}");
}

#[test]
fn an_unknown_write_may_have_taken_effect_to_explain_a_later_read() {
    // The write of 1 never completed; the read at [5, 6] saw 1, and only that write wrote it,
    // so it must have taken effect — between its invocation and the read's completion.
    let ops = vec![write(0, 1, Unknown, 0, 0), read(1, int(1), 5, 6)];
    assert_eq!(verdict(Model::Register, ops), Verdict::Linearizable);
    // It may take effect long after others completed, even after a later write.
    let ops = vec![
        write(0, 1, Unknown, 0, 0),
        write(1, 2, Ok, 5, 6),
        read(1, int(2), 7, 8),
        read(2, int(1), 9, 10),
    ];
    assert_eq!(verdict(Model::Register, ops), Verdict::Linearizable);
}

#[test]
fn an_unknown_write_may_never_have_taken_effect() {
    // The write of 1 never completed; reads long after still see nil: it may have been lost.
    let ops = vec![write(0, 1, Unknown, 0, 0), read(1, NIL, 5, 6), read(2, NIL, 7, 8)];
    assert_eq!(verdict(Model::Register, ops), Verdict::Linearizable);
}

#[test]
fn an_unknown_write_cannot_take_effect_before_its_invocation() {
    // The read of 1 completed at 1, before the only write of 1 was invoked at 2.
    let ops = vec![read(1, int(1), 0, 1), write(0, 1, Unknown, 2, 0)];
    let cx = counterexample(verdict(Model::Register, ops));
    // Both stay: the write explains where the read's value came from, and why it was too late.
    assert_eq!(cx.operations, vec![0, 1]);
}

#[test]
fn a_failed_cas_did_not_happen_and_an_ok_cas_did() {
    // The value is 1; a failed cas 1 -> 2 did not happen, so a later read sees 1.
    let failed = vec![write(0, 1, Ok, 0, 1), cas(1, 1, 2, Fail, 2, 3), read(2, int(1), 4, 5)];
    assert_eq!(verdict(Model::CasRegister, failed), Verdict::Linearizable);
    // Had it succeeded, the value would be 2 and reading 1 would be stale.
    let ok = vec![write(0, 1, Ok, 0, 1), cas(1, 1, 2, Ok, 2, 3), read(2, int(1), 4, 5)];
    assert!(matches!(verdict(Model::CasRegister, ok), Verdict::NotLinearizable(_)));
    let ok = vec![write(0, 1, Ok, 0, 1), cas(1, 1, 2, Ok, 2, 3), read(2, int(2), 4, 5)];
    assert_eq!(verdict(Model::CasRegister, ok), Verdict::Linearizable);
    // A cas that succeeded although the value was not its `old` is impossible.
    let wrong = vec![write(0, 3, Ok, 0, 1), cas(1, 1, 2, Ok, 2, 3)];
    assert!(matches!(verdict(Model::CasRegister, wrong), Verdict::NotLinearizable(_)));
}

#[test]
fn an_unknown_cas_takes_effect_only_if_its_old_value_was_there() {
    // cas 1 -> 2 of unknown outcome, invoked while the value was 1: a read of 2 needs it.
    let ops = vec![write(0, 1, Ok, 0, 1), cas(1, 1, 2, Unknown, 2, 0), read(2, int(2), 4, 5)];
    assert_eq!(verdict(Model::CasRegister, ops), Verdict::Linearizable);
    // The value was 3 throughout, so the cas could not have produced 2.
    let ops = vec![write(0, 3, Ok, 0, 1), cas(1, 1, 2, Unknown, 2, 0), read(2, int(2), 4, 5)];
    assert!(matches!(verdict(Model::CasRegister, ops), Verdict::NotLinearizable(_)));
}

#[test]
fn failed_operations_and_unknown_reads_constrain_nothing() {
    // A failed read with an impossible output and a read whose result never came back.
    let ops = vec![
        write(0, 1, Ok, 0, 1),
        op(1, Read, NIL, int(9), Fail, 2, 3),
        op(2, Read, NIL, int(9), Unknown, 4, 0),
        read(1, int(1), 5, 6),
    ];
    assert_eq!(verdict(Model::Register, ops), Verdict::Linearizable);
}

#[test]
fn keys_are_checked_separately_and_the_first_bad_key_is_reported() {
    // Key a: a put of 1 overlapping a get that saw nil; key b: a put of 2 then a get of 2.
    // Each alone is linearizable, hence so is the whole.
    let put = |p, k, x, from, to| keyed(k, op(p, Put, int(x), NIL, Ok, from, to));
    let get = |p, k, seen, from, to| keyed(k, op(p, Get, NIL, seen, Ok, from, to));
    let ops = vec![
        put(0, "a", 1, 0, 10),
        put(1, "b", 2, 1, 3),
        get(2, "a", NIL, 4, 5),
        get(1, "b", int(2), 6, 7),
        get(2, "a", int(1), 11, 12),
    ];
    assert_eq!(verdict(Model::Kv, ops.clone()), Verdict::Linearizable);
    // A value written under b is not seen under a: a's get of 2 cannot be explained.
    let mut stale = ops.clone();
    stale.push(get(0, "a", int(2), 13, 14));
    let h = history(stale);
    let cx = counterexample(check(&h, Model::Kv, &Limits::default()));
    assert_eq!(cx.key.as_deref(), Some("a"));
    assert_eq!(cx.operations, vec![5]);
    // Both keys bad: key order decides, a before b.
    let mut both = ops;
    both.push(get(0, "b", NIL, 13, 14));
    both.push(get(0, "a", NIL, 15, 16));
    let cx = counterexample(verdict(Model::Kv, both));
    assert_eq!(cx.key.as_deref(), Some("a"));
}

#[test]
fn appends_build_a_list_in_some_order_of_their_effects() {
    let append = |p, x, from, to| keyed("k", op(p, Append, int(x), NIL, Ok, from, to));
    let get =
        |p, seen: Vec<i64>, from, to| keyed("k", op(p, Get, NIL, Value::List(seen), Ok, from, to));
    // Two overlapping appends may land in either order.
    for seen in [vec![1, 2], vec![2, 1]] {
        let ops = vec![append(0, 1, 0, 5), append(1, 2, 1, 6), get(2, seen, 7, 8)];
        assert_eq!(verdict(Model::Kv, ops), Verdict::Linearizable);
    }
    // Sequential appends may not; nor may an append be lost.
    let ops = vec![append(0, 1, 0, 1), append(1, 2, 2, 3), get(2, vec![2, 1], 4, 5)];
    assert!(matches!(verdict(Model::Kv, ops), Verdict::NotLinearizable(_)));
    let ops = vec![append(0, 1, 0, 1), append(1, 2, 2, 3), get(2, vec![2], 4, 5)];
    // The lost append of 1 and the get; the append of 2 stays as the source of what it saw.
    let cx = counterexample(verdict(Model::Kv, ops));
    assert_eq!(cx.operations, vec![0, 1, 2]);
}

#[test]
fn a_search_stopped_by_its_limit_gives_up_rather_than_answer() {
    // Linearizable, but one state is not enough to find the order.
    let h = history(vec![write(0, 1, Ok, 0, 1), read(1, int(1), 2, 3)]);
    let limits = Limits { max_states: 1, max_time: None };
    assert!(matches!(check(&h, Model::Register, &limits), Verdict::GaveUp { .. }));
    let limits = Limits { max_states: 2, max_time: None };
    assert_eq!(check(&h, Model::Register, &limits), Verdict::Linearizable);
}

#[test]
fn operations_the_model_lacks_are_refused() {
    // A cas on a plain register: no verdict, and the reason names the line.
    let h = history(vec![write(0, 1, Ok, 0, 1), cas(1, 1, 2, Ok, 2, 3)]);
    match check(&h, Model::Register, &Limits::default()) {
        Verdict::GaveUp { reason } => assert!(reason.contains("line 3"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn step_is_what_the_check_uses() {
    // The one-operation sanity check: a write then a read of it.
    let w = write(0, 5, Ok, 0, 1);
    let s = step(Model::Register, &NIL, &w).unwrap();
    assert_eq!(step(Model::Register, &s, &read(0, int(5), 2, 3)), Some(int(5)));
}
