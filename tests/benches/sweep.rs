//! Sweep benchmark: seeds per second of `faultline sweep` over 200 seeds of a catalogue
//! scenario on a rayon pool of 1 thread and of 2 threads, and the speedup (the target is at
//! least 1.8 on two free cores). Each pool size runs the sweep `REPEATS` times; the fastest is
//! reported. The two pools must print the same report, byte for byte.
//!
//! Run it with `cargo bench -p faultline-tests --bench sweep`; optional arguments choose the
//! scenario file and variant, e.g. `-- retry-storm naive` (default `queue-growth fixed`). The
//! benchmark reports; it never fails on a busy machine, only on differing reports.

use std::process::ExitCode;
use std::time::Instant;

const SEEDS: &str = "1..200";
const REPEATS: usize = 2;
const TARGET_SPEEDUP: f64 = 1.8;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let name = args.first().map_or("queue-growth", String::as_str);
    let variant = args.get(1).map_or("fixed", String::as_str);
    let file = faultline_tests::scenario_path(name).display().to_string();
    let argv =
        ["faultline", "sweep", &file, "--variant", variant, "--seeds", SEEDS, "--format", "json"];
    println!("sweep/{name}/{variant}: {SEEDS}, fastest of {REPEATS}");
    let mut results = Vec::new();
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a pool");
        let mut best = f64::MAX;
        let mut report = Vec::new();
        for _ in 0..REPEATS {
            let started = Instant::now();
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let code =
                pool.install(|| faultline_cli::main_with(argv.map(Into::into), &mut out, &mut err));
            best = best.min(started.elapsed().as_secs_f64());
            assert!(code <= 1, "{}", String::from_utf8_lossy(&err));
            report = out;
        }
        println!("{threads} thread(s): {best:>8.2} s  {:>8.1} seeds/s", 200.0 / best);
        results.push((best, report));
    }
    let speedup = results[0].0 / results[1].0;
    let verdict = if speedup >= TARGET_SPEEDUP { "meets" } else { "below" };
    println!("speedup on 2 threads: {speedup:.2}× ({verdict} the {TARGET_SPEEDUP}× target)");
    if results[0].1 != results[1].1 {
        eprintln!("FAILED: the reports on 1 and 2 threads differ");
        return ExitCode::FAILURE;
    }
    println!("reports on 1 and 2 threads: identical");
    ExitCode::SUCCESS
}
