//! How long the check takes on large histories of a correct register: 10,000 operations on 10
//! keys and 1,000 on one key, from 5 clients. It prints times and verdicts; it must never be
//! relied on for a verdict of its own (the histories are built to be linearizable).

use std::time::Instant;

use faultline_linear::{
    Function, History, Limits, Model, Operation, Status, Value, Verdict, check,
};

/// SplitMix64: a small deterministic generator, so every run checks the same histories.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `count` operations of `clients` clients on `keys` registers that behave correctly: each
/// operation takes effect at a random instant inside its interval, in that order. Clients
/// wait a while between operations, so operations overlap a little. About 2 % end unknown
/// (the client gives up and moves on); half of those writes took effect anyway.
fn history(seed: u64, count: usize, clients: u64, keys: u64) -> History {
    let mut rng = SplitMix(seed);
    // (effect position, tie-break, operation index, took effect)
    let mut effects: Vec<(u64, u64, usize, bool)> = Vec::new();
    let mut operations: Vec<Operation> = Vec::new();
    let mut clock = vec![0u64; clients as usize];
    for i in 0..count {
        let client = rng.below(clients);
        let start = clock[client as usize] + 1 + rng.below(100);
        let end = start + 1 + rng.below(30);
        clock[client as usize] = end;
        // Positions: time × 8 + client, so no two are equal.
        let invoked = start * 8 + client;
        let completed = end * 8 + client;
        let unknown = rng.below(50) == 0;
        let read = rng.below(2) == 0;
        let key = (keys > 1).then(|| format!("k{}", rng.below(keys)));
        let input = if read { Value::Nil } else { Value::Int(rng.below(50) as i64) };
        operations.push(Operation {
            process: client,
            function: if read { Function::Read } else { Function::Write },
            key,
            input,
            output: Value::Nil,
            status: if unknown { Status::Unknown } else { Status::Ok },
            invoked,
            completed: (!unknown).then_some(completed),
            line: i + 1,
        });
        let effect = invoked + 1 + rng.below(completed - invoked - 1);
        let took_effect = !unknown || rng.below(2) == 0;
        effects.push((effect, client, i, took_effect));
    }
    effects.sort();
    let mut values: std::collections::HashMap<Option<String>, Value> = Default::default();
    for &(_, _, i, took_effect) in &effects {
        let op = &mut operations[i];
        let value = values.entry(op.key.clone()).or_insert(Value::Nil);
        match op.function {
            Function::Read if op.status == Status::Ok => op.output = value.clone(),
            Function::Write if took_effect => *value = op.input.clone(),
            _ => {}
        }
    }
    operations.sort_by_key(|op| op.invoked);
    History { operations }
}

fn run(name: &str, history: &History, expect_linearizable: bool) {
    let started = Instant::now();
    let verdict = check(history, Model::Register, &Limits::default());
    let took = started.elapsed();
    let unknown = history.operations.iter().filter(|op| op.status == Status::Unknown).count();
    println!(
        "{name}: {} operations ({unknown} unknown): {:?} in {:.1} ms",
        history.operations.len(),
        verdict,
        took.as_secs_f64() * 1e3
    );
    if (verdict == Verdict::Linearizable) != expect_linearizable {
        print!("unexpected: {}", verdict.describe(history));
        std::process::exit(1);
    }
    if !expect_linearizable {
        print!("{}", verdict.describe(history));
    }
}

fn main() {
    run("10 keys", &history(1, 10_000, 5, 10), true);
    let one_key = history(2, 1_000, 5, 1);
    run("1 key", &one_key, true);
    // The same with one stale read in the middle: a read that saw the initial nil although
    // writes (which never write nil) completed long before. Times the search and the shrinking.
    let mut stale = one_key;
    let middle = stale.operations.len() / 2;
    let read = (middle..stale.operations.len())
        .find(|&i| {
            let op = &stale.operations[i];
            op.function == Function::Read && op.status == Status::Ok
        })
        .expect("a read after the middle");
    stale.operations[read].output = Value::Nil;
    run("1 key, one stale read", &stale, false);
}
