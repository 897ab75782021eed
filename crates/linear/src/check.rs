//! The linearizability search: Wing and Gong's depth-first search over which pending operation
//! takes effect next, with Lowe's memo of (operations taken, state) pairs, one key at a time.
//! It must never call a history linearizable without having found an order for every `Ok`
//! operation of every key: when a limit stops it, it says that it gave up.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use crate::history::{Function, History, Key, Operation, Status, Value};
use crate::model::{Model, function_name, show_value, step};

/// How much the search may do before it gives up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// States (distinct pairs of operations taken and value) one key's search may visit; the
    /// memo holds that many, so this also bounds memory. Shrinking a counterexample gets as
    /// many again.
    pub max_states: u64,
    /// Wall time for the whole check. Wall time only decides when to give up, never what a
    /// verdict is: a check that finishes within the limit gives the same answer on any machine.
    pub max_time: Option<Duration>,
}

impl Default for Limits {
    /// No time limit and a million states per key.
    fn default() -> Limits {
        Limits { max_states: 1_000_000, max_time: None }
    }
}

/// What the check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every key's operations can be put in one order, each taking effect between its
    /// invocation and its completion, that the model accepts.
    Linearizable,
    /// Some key's cannot: the first such key in key order.
    NotLinearizable(Counterexample),
    /// A limit stopped the search, or the history has operations the model lacks. Nothing
    /// is known.
    GaveUp { reason: String },
}

/// Operations of one key that cannot be ordered.
///
/// The set is shrunk by removal: starting from the operations the search had placed when it
/// got furthest, plus the one it could then not place (or from all of the key's operations if
/// that set alone can be ordered), operations are dropped one at a time, latest first and
/// again until nothing more can go, while the rest still cannot be ordered. An update whose
/// value a remaining read saw is not dropped while it is the only one left that wrote it, so
/// that no read seems to see a value from nowhere. When `minimal`, dropping any other single operation makes the rest linearizable:
/// a stale read comes out as the write it missed, the write it saw, and the read; a read of a
/// value that nothing of the key wrote comes out alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counterexample {
    pub key: Option<Key>,
    /// Indices into `history.operations`, ascending.
    pub operations: Vec<usize>,
    /// Whether shrinking finished; if a limit stopped it, the set still cannot be ordered but
    /// may hold operations that are not needed.
    pub minimal: bool,
}

impl Verdict {
    /// The verdict in words; for a counterexample, its operations one per line with process,
    /// function, values, status and positions.
    pub fn describe(&self, history: &History) -> String {
        match self {
            Verdict::Linearizable => "linearizable\n".to_string(),
            Verdict::GaveUp { reason } => format!("gave up, linearizability unknown: {reason}\n"),
            Verdict::NotLinearizable(cx) => {
                let key = match &cx.key {
                    Some(key) => format!("key {key}"),
                    None => "the register".to_string(),
                };
                let mut text = format!(
                    "not linearizable: on {key}, these {} operations cannot take effect one at a \
                     time, each between its invocation and its completion{}:\n",
                    cx.operations.len(),
                    if cx.minimal { " (without any one of them, the others can)" } else { "" },
                );
                for &index in &cx.operations {
                    text.push_str("  ");
                    text.push_str(&describe_operation(&history.operations[index]));
                    text.push('\n');
                }
                text
            }
        }
    }
}

/// One operation on one line, e.g. `process 2 read -> 1 ok, invoked 10, completed 14 (line 3)`.
pub fn describe_operation(op: &Operation) -> String {
    let what = match op.function {
        Function::Read | Function::Get if op.status == Status::Ok => {
            format!("{} -> {}", function_name(op.function), show_value(&op.output))
        }
        Function::Read | Function::Get => function_name(op.function).to_string(),
        _ => format!("{} {}", function_name(op.function), show_value(&op.input)),
    };
    let status = match op.status {
        Status::Ok => "ok",
        Status::Fail => "failed",
        Status::Unknown => "unknown",
    };
    let completed = match op.completed {
        Some(at) => format!("completed {at}"),
        None => "never completed".to_string(),
    };
    format!(
        "process {} {what} {status}, invoked {}, {completed} (line {})",
        op.process, op.invoked, op.line
    )
}

/// Whether `history` is linearizable for `model`, key by key (a history is linearizable if
/// and only if each key's operations are, since keys are independent objects).
///
/// Failed operations did not happen and are left out; reads with unknown results constrain
/// nothing and are left out; other unknown operations may take effect at any point after
/// their invocation, or never; an unknown update whose value nothing read is left out too (it
/// may as well never have happened, and leaving it out spares the search its every position).
pub fn check(history: &History, model: Model, limits: &Limits) -> Verdict {
    let deadline = limits.max_time.map(|limit| Instant::now() + limit);
    let mut keys: BTreeMap<Option<Key>, Vec<usize>> = BTreeMap::new();
    for (index, op) in history.operations.iter().enumerate() {
        if op.status == Status::Fail {
            continue;
        }
        if let Some(why) = model.invalid(op) {
            return Verdict::GaveUp { reason: format!("line {}: {why}", op.line) };
        }
        let read = matches!(op.function, Function::Read | Function::Get);
        if read && op.status == Status::Unknown {
            continue;
        }
        keys.entry(op.key.clone()).or_default().push(index);
    }
    let mut gave_up = None;
    for (key, mut indices) in keys {
        drop_unseen_unknowns(&mut indices, &history.operations);
        let ops: Vec<&Operation> = indices.iter().map(|&i| &history.operations[i]).collect();
        let mut budget = Budget::new(limits.max_states, deadline);
        match search(model, &ops, &mut budget) {
            Outcome::Linearizable => {}
            Outcome::Stuck { placed, stuck } => {
                let mut start: Vec<usize> = placed;
                start.push(stuck);
                start.sort_unstable();
                let mut budget = Budget::new(limits.max_states, deadline);
                let (kept, minimal) = shrink(model, &ops, start, &mut budget);
                let operations = kept.into_iter().map(|i| indices[i]).collect();
                return Verdict::NotLinearizable(Counterexample { key, operations, minimal });
            }
            Outcome::GaveUp(why) => {
                if gave_up.is_none() {
                    let on = match &key {
                        Some(key) => format!("key {key}"),
                        None => "the register".to_string(),
                    };
                    gave_up = Some(format!("on {on}, {why}"));
                }
            }
        }
    }
    match gave_up {
        Some(reason) => Verdict::GaveUp { reason },
        None => Verdict::Linearizable,
    }
}

/// Leaves out every update of unknown outcome whose value no operation saw: no read returned
/// it (or a list holding it) and no compare-and-set expected it. Taking effect or not, nothing
/// depends on it, so "never" is always a valid choice and the verdict is the same without it.
fn drop_unseen_unknowns(indices: &mut Vec<usize>, operations: &[Operation]) {
    let mut seen = std::collections::BTreeSet::new();
    for &i in indices.iter() {
        let op = &operations[i];
        match (&op.output, &op.input) {
            (Value::Int(v), _) => {
                seen.insert(*v);
            }
            (Value::List(vs), _) => seen.extend(vs.iter().copied()),
            _ => {}
        }
        if op.function == Function::Cas
            && let Value::List(pair) = &op.input
            && let Some(old) = pair.first()
        {
            seen.insert(*old);
        }
    }
    let written = |op: &Operation| match (&op.function, &op.input) {
        (Function::Write | Function::Put | Function::Append, Value::Int(v)) => Some(*v),
        (Function::Cas, Value::List(pair)) => pair.get(1).copied(),
        _ => None,
    };
    indices.retain(|&i| {
        let op = &operations[i];
        op.status != Status::Unknown || written(op).is_none_or(|v| seen.contains(&v))
    });
}

/// Counts states against the limits.
struct Budget {
    states: u64,
    max_states: u64,
    deadline: Option<Instant>,
}

impl Budget {
    fn new(max_states: u64, deadline: Option<Instant>) -> Budget {
        Budget { states: 0, max_states, deadline }
    }

    /// One more state; why to stop, if a limit is reached.
    fn spend(&mut self) -> Result<(), String> {
        self.states += 1;
        if self.states > self.max_states {
            return Err(format!("the search visited {} states", self.max_states));
        }
        // Reading the clock costs a little: look every 1024 states.
        if self.states.is_multiple_of(1024)
            && let Some(deadline) = self.deadline
            && Instant::now() >= deadline
        {
            return Err("the time limit passed".to_string());
        }
        Ok(())
    }
}

/// How one key's search ended. Operations are indices into the slice searched.
enum Outcome {
    Linearizable,
    /// No order exists. When the search got furthest, `placed` had been taken (in that order)
    /// and `stuck`, the pending operation that completes first, could not be.
    Stuck {
        placed: Vec<usize>,
        stuck: usize,
    },
    GaveUp(String),
}

const NONE: usize = usize::MAX;

/// The Wing–Gong–Lowe search over one key's operations.
///
/// Each operation becomes a call entry at its invocation and a return entry at its completion
/// (an unknown one's at +∞, after every other entry), in one list in position order. Walking
/// the list from the front, a call may be taken if the model accepts it from the current
/// state and the resulting (taken set, state) pair is new: it and its return leave the list
/// and the walk restarts. Reaching a return means its operation had to be taken before and
/// was not: undo the last choice and go on after it. Reaching the end, or a return at +∞
/// (all the rest are unknown operations, which may never take effect), is success.
///
/// A read the walk reaches that returns the current state is taken without a choice: any
/// order that takes something else first can take the read first instead (it changes no
/// state, and nothing had to come before it that is not taken already). So when it leads
/// nowhere, neither does its state, and undoing it goes straight on to undo the choice before.
/// Without this, many reads of one value pending at once (clients stuck behind a paused
/// leader) make the search try them in every order.
fn search(model: Model, ops: &[&Operation], budget: &mut Budget) -> Outcome {
    let n = ops.len();
    // Entries: (position, return?, unknown?, operation). Calls come before returns at an equal
    // position (they never occur in a well-formed history); unknown returns come last.
    let mut order: Vec<(u64, bool, bool, usize)> = Vec::with_capacity(2 * n);
    for (i, op) in ops.iter().enumerate() {
        let unknown = op.status == Status::Unknown;
        let returned = if unknown { u64::MAX } else { op.completed.unwrap_or(u64::MAX) };
        order.push((op.invoked, false, false, i));
        order.push((returned, true, unknown, i));
    }
    order.sort_unstable();
    let head = 2 * n;
    let mut next = vec![NONE; 2 * n + 1];
    let mut prev = vec![NONE; 2 * n + 1];
    let mut partner = vec![NONE; 2 * n];
    let mut call_of = vec![NONE; n];
    let mut last = head;
    for (entry, &(_, is_return, _, op)) in order.iter().enumerate() {
        next[last] = entry;
        prev[entry] = last;
        last = entry;
        if is_return {
            partner[entry] = call_of[op];
            partner[call_of[op]] = entry;
        } else {
            call_of[op] = entry;
        }
    }
    let unlink = |next: &mut Vec<usize>, prev: &mut Vec<usize>, e: usize| {
        next[prev[e]] = next[e];
        if next[e] != NONE {
            prev[next[e]] = prev[e];
        }
    };
    let relink = |next: &mut Vec<usize>, prev: &mut Vec<usize>, e: usize| {
        next[prev[e]] = e;
        if next[e] != NONE {
            prev[next[e]] = e;
        }
    };

    let mut taken = vec![0u64; n.div_ceil(64)];
    let mut seen: HashSet<(Vec<u64>, Value)> = HashSet::new();
    let mut state = model.initial();
    // The calls taken, with the state before each and whether it was forced (a read).
    let mut stack: Vec<(usize, Value, bool)> = Vec::new();
    let mut furthest: Option<(Vec<usize>, usize)> = None;
    let mut entry = next[head];
    loop {
        if entry == NONE {
            return Outcome::Linearizable;
        }
        let (_, is_return, unknown, op) = order[entry];
        if !is_return {
            let forced = is_read(ops[op]);
            match step(model, &state, ops[op]) {
                Some(after) => {
                    taken[op / 64] |= 1 << (op % 64);
                    if seen.insert((taken.clone(), after.clone())) {
                        if let Err(why) = budget.spend() {
                            return Outcome::GaveUp(why);
                        }
                        stack.push((entry, std::mem::replace(&mut state, after), forced));
                        unlink(&mut next, &mut prev, entry);
                        unlink(&mut next, &mut prev, partner[entry]);
                        entry = next[head];
                        continue;
                    }
                    taken[op / 64] &= !(1 << (op % 64));
                    if !forced {
                        entry = next[entry];
                        continue;
                    }
                    // Taking the read leads where the search has been: a dead end.
                }
                None => {
                    entry = next[entry];
                    continue;
                }
            }
        } else if unknown {
            return Outcome::Linearizable;
        } else if furthest.as_ref().is_none_or(|(placed, _)| stack.len() > placed.len()) {
            let placed = stack.iter().map(|&(call, _, _)| order[call].3).collect();
            furthest = Some((placed, op));
        }
        // Undo the last choice and go on after it; undo a forced read and the choice before.
        loop {
            let Some((call, before, forced)) = stack.pop() else {
                let (placed, stuck) = furthest.expect("a return was reached");
                return Outcome::Stuck { placed, stuck };
            };
            let undone = order[call].3;
            taken[undone / 64] &= !(1 << (undone % 64));
            state = before;
            relink(&mut next, &mut prev, partner[call]);
            relink(&mut next, &mut prev, call);
            if !forced {
                entry = next[call];
                break;
            }
        }
    }
}

/// A read that succeeded: it changes no state, so it can be taken as soon as it matches.
fn is_read(op: &Operation) -> bool {
    op.status == Status::Ok && matches!(op.function, Function::Read | Function::Get)
}

/// Shrinks `start` (ascending indices into `ops`), or all of `ops` if `start` alone can be
/// ordered, by dropping each operation in turn when the rest still cannot be ordered. Returns
/// the set and whether shrinking finished within the budget.
fn shrink(
    model: Model,
    ops: &[&Operation],
    start: Vec<usize>,
    budget: &mut Budget,
) -> (Vec<usize>, bool) {
    let all: Vec<usize> = (0..ops.len()).collect();
    // Reads the search stopped at may have seen a value written by an operation it had not
    // placed yet: bring in what could explain them.
    let mut start = start;
    let unexplained: Vec<usize> = start
        .iter()
        .copied()
        .filter(|&read| !start.iter().any(|&u| explains(ops[u], ops[read])))
        .collect();
    for read in unexplained {
        start.extend(all.iter().copied().filter(|&u| explains(ops[u], ops[read])));
    }
    start.sort_unstable();
    start.dedup();
    let mut kept = match refutes(model, ops, &start, budget) {
        Some(true) => start,
        Some(false) => all,
        None => return (all, false),
    };
    // Latest first: later operations are more often not needed to explain an earlier one.
    // Passes repeat until one drops nothing, since a drop can make another possible.
    let mut dropped = true;
    while dropped {
        dropped = false;
        let mut at = kept.len();
        while at > 0 {
            at -= 1;
            let needed = kept.iter().any(|&read| {
                explains(ops[kept[at]], ops[read])
                    && !kept
                        .iter()
                        .any(|&other| other != kept[at] && explains(ops[other], ops[read]))
            });
            if needed {
                continue;
            }
            let mut fewer = kept.clone();
            fewer.remove(at);
            match refutes(model, ops, &fewer, budget) {
                Some(true) => {
                    kept = fewer;
                    dropped = true;
                }
                Some(false) => {}
                None => return (kept, false),
            }
        }
    }
    (kept, true)
}

/// Whether `update` writes a value that `read` saw: such an update stays in a counterexample,
/// or the read would seem to see a value from nowhere and hide what went wrong.
fn explains(update: &Operation, read: &Operation) -> bool {
    if read.status != Status::Ok || !matches!(read.function, Function::Read | Function::Get) {
        return false;
    }
    match (update.function, &update.input) {
        (Function::Write | Function::Put, input) => read.output == *input,
        (Function::Cas, Value::List(v)) if v.len() == 2 => read.output == Value::Int(v[1]),
        (Function::Append, Value::Int(x)) => {
            matches!(&read.output, Value::List(list) if list.contains(x))
        }
        _ => false,
    }
}

/// Whether the operations `subset` of `ops` cannot be ordered; `None` if the budget ran out.
fn refutes(
    model: Model,
    ops: &[&Operation],
    subset: &[usize],
    budget: &mut Budget,
) -> Option<bool> {
    let chosen: Vec<&Operation> = subset.iter().map(|&i| ops[i]).collect();
    match search(model, &chosen, budget) {
        Outcome::Linearizable => Some(false),
        Outcome::Stuck { .. } => Some(true),
        Outcome::GaveUp(_) => None,
    }
}
