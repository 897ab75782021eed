//! Broker throughput: one topic of 8 partitions read by a group of 8 consumers (one partition
//! each), 1,000,000 messages published by a client straight to the topic (10,000/s for 100 s),
//! each consumed by a short piece of work and acknowledged. Prints the run's wall time and
//! messages per second (messages acknowledged per wall second), best of three,
//! directly and over a network with latency (every delivery and acknowledgement a message).
//!
//! Last, the process's peak RSS (`VmHWM`, Linux only): a topic forgets what every group has
//! read, so memory follows the unread backlog, not the million messages.
//!
//! Run it with `cargo bench -p faultline-tests --bench broker`. It reports; it never fails.

use std::time::Instant;

use faultline_scenario::{Overrides, load};

const MESSAGES: u64 = 1_000_000;
const RATE: u64 = 10_000;
const REPEATS: usize = 3;

fn scenario(network: bool) -> String {
    let duration = MESSAGES / RATE;
    let network = if network { r#"network: (default: (latency: Exp(mean: "1ms"))),"# } else { "" };
    format!(
        r#"Scenario(name: "broker-bench", duration: "{duration}s", seed: 1,
            clients: {{ "producer": (target: "events", rate: "{RATE}/s", key: Sequence) }},
            topics: {{ "events": (on: "broker", partitions: 8) }},
            services: {{
                "broker": (workers: 64, steps: [Work(time: Const("100us"))]),
                "consumer": (instances: 8, workers: 4, steps: [Work(time: Exp(mean: "1ms"))],
                    consumer: (topic: "events", order: ByPartition, prefetch: 16, visibility: "30s")),
            }},
            {network}
            limits: (max_events: 100000000),
            invariants: [NoLostMessages])"#
    )
}

fn bench(label: &str, text: &str) {
    let scenario = load("bench.ron", text, &Overrides::default()).expect("a valid scenario");
    let mut best = f64::INFINITY;
    let (mut acked, mut published) = (0, 0);
    for _ in 0..REPEATS {
        let started = Instant::now();
        let outcome = scenario.run(1).expect("runs");
        best = best.min(started.elapsed().as_secs_f64());
        acked = outcome.metrics.brokers[0].stats.acked;
        published = outcome.metrics.brokers[0].published;
        assert!(outcome.all_hold(), "no message lost");
    }
    println!(
        "{label:<24} {published:>9} published  {acked:>9} acked  {best:>6.2} s  {:>9.0} messages/s",
        acked as f64 / best
    );
}

fn main() {
    println!("broker: 1 topic, 8 partitions, 8 consumers, {MESSAGES} messages; best of {REPEATS}");
    bench("direct", &scenario(false));
    bench("over a network", &scenario(true));
    if let Some(kib) = peak_rss_kib() {
        println!("peak RSS of the process: {:.1} MiB", kib as f64 / 1024.0);
    }
}

/// `VmHWM` (peak resident set size) from `/proc/self/status`, in KiB; `None` off Linux.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
