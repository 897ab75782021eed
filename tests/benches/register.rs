//! Linearizability checks of histories recorded by simulated register runs, timed: 10,000
//! operations on 10 keys and 1,000 on one key, each from 5 clients, with the register in
//! `Quorum` mode (a correct history: the whole search must be done to say so) and in naive
//! `Failover` through a partition (not linearizable: the search must find why). The target is
//! under 1 s for each. Prints the run's and the check's times and the verdicts.
//!
//! Run it with `cargo bench -p faultline-tests --bench register`.

use std::time::Instant;

use faultline_linear::{Limits, Model, Verdict, check};
use faultline_scenario::{Overrides, load};

/// A register over 3 replicas, 5 clients, `keys` keys, about `ops` operations over the run.
fn scenario(mode: &str, keys: u32, ops: u32, partition: bool) -> String {
    let duration = 40;
    let rate = f64::from(ops) / f64::from(duration) / 5.0;
    let clients: Vec<String> = (0..5)
        .map(|i| {
            format!(
                r#""c{i}": (target: "store", rate: "{rate}/s", timeout: "500ms", key: Uniform({keys}),
                   retry: (max_attempts: 3, retry_on: [Error], backoff: Constant("5ms")))"#
            )
        })
        .collect();
    let fault = if partition {
        r#"faults: [Partition(groups: [["store/0", "c0", "c1"], ["store/1", "store/2", "c2", "c3", "c4"]], at: "10s", length: "20s")],"#
    } else {
        ""
    };
    format!(
        r#"Scenario(name: "bench", duration: "{duration}s", seed: 1,
            clients: {{ {} }},
            services: {{ "store": (instances: 3, workers: 16, steps: [Register(mode: {mode},
                reads: "50%", apply: Exp(mean: "2ms"))]) }},
            network: (default: (latency: Exp(mean: "1ms"))),
            {fault}
            invariants: [NoLostRequests])"#,
        clients.join(",\n")
    )
}

fn bench(label: &str, text: &str) {
    let scenario = load("bench.ron", text, &Overrides::default()).expect("a valid scenario");
    let started = Instant::now();
    let outcome = scenario.run(1).expect("runs");
    let ran = started.elapsed().as_secs_f64();
    let register = &outcome.metrics.registers[0];
    let history = faultline_check::history::to_linear(register);
    let limits = Limits { max_states: 10_000_000, max_time: None };
    let started = Instant::now();
    let verdict = check(&history, Model::Register, &limits);
    let checked = started.elapsed().as_secs_f64();
    let said = match verdict {
        Verdict::Linearizable => "linearizable".to_string(),
        Verdict::NotLinearizable(cx) => {
            format!("not linearizable ({} operations)", cx.operations.len())
        }
        Verdict::GaveUp { reason } => format!("gave up: {reason}"),
    };
    println!(
        "{label:<44} {:>6} ops  run {:>7.1} ms  check {:>7.1} ms  {said}",
        history.operations.len(),
        ran * 1e3,
        checked * 1e3
    );
}

fn main() {
    let quorum = r#"Quorum(heartbeat: "50ms", timeout: "500ms")"#;
    let failover = r#"Failover(heartbeat: "50ms", timeout: "500ms")"#;
    bench("quorum, 10 keys, 10,000 operations", &scenario(quorum, 10, 10_000, false));
    bench("quorum, 1 key, 1,000 operations", &scenario(quorum, 1, 1_000, false));
    bench("failover + partition, 10 keys, 10,000 ops", &scenario(failover, 10, 10_000, true));
    bench("failover + partition, 1 key, 1,000 ops", &scenario(failover, 1, 1_000, true));
    bench("quorum + partition, 10 keys, 10,000 ops", &scenario(quorum, 10, 10_000, true));
    bench("quorum + partition, 1 key, 1,000 ops", &scenario(quorum, 1, 1_000, true));
}
