//! Scale benchmark: how the cost of an event and the peak memory grow with the number of
//! components, at a fixed total load.
//!
//! Measures N independent services, each with its own Poisson client and two workers at 80 %
//! utilisation (exponential service with mean 1.6/λ, so ρ = λ·s/2 = 0.8), sharing a total load
//! of 10,000 requests/s (λ = 10,000/N per client) for 300 simulated seconds, for N = 10, 100,
//! 1,000 and 10,000. Every N runs in a child process that loads the scenario text and runs it as
//! `faultline run --no-report` would (no report is written), and prints:
//!
//! - events handled, wall time of the run (best of three) and nanoseconds per event;
//! - the ratio of ns per event to that at N = 10: at N = 10,000 it should be at most 2;
//! - peak RSS (`VmHWM` from `/proc/self/status`, Linux only): at N = 10,000 it should be at
//!   most 150 MB. Memory per component must follow what the component records, not the
//!   resolution its histograms could hold.
//!
//! Run it with `cargo bench -p faultline-tests --bench scale`. An optional filter argument runs
//! only the sizes whose section name it is or contains (`scale/10`, `scale/100`, `scale/1000`,
//! `scale/10000`), e.g. `cargo bench -p faultline-tests --bench scale -- scale/10000`. The
//! benchmark reports; it never fails.

use std::process::Command;
use std::time::Instant;

use faultline_scenario::{Overrides, load};

/// The numbers of services measured.
const SIZES: [u64; 4] = [10, 100, 1_000, 10_000];
/// Client requests per second over all services.
const TOTAL_RATE: f64 = 10_000.0;
/// Share of each service's two workers kept busy.
const UTILISATION: f64 = 0.8;
const WORKERS: u64 = 2;
const DURATION_SECS: u64 = 300;
/// Timed runs per size (each in a fresh child); the fastest is reported.
const REPEATS: usize = 3;
const SEED: u64 = 1;
/// ns per event at the largest N may be at most this many times that at N = 10.
const TARGET_RATIO: f64 = 2.0;
/// Peak RSS at the largest N may be at most this many MB (10^6 bytes).
const MEMORY_BUDGET_MB: f64 = 150.0;
/// Set in a child process: run the scenario with this many services, print what it measured.
const CHILD_ENV: &str = "FAULTLINE_SCALE_CHILD";

fn main() {
    if let Ok(services) = std::env::var(CHILD_ENV) {
        child(&services);
        return;
    }
    let filter = filter_arg();
    let wanted = |n: u64| filter.as_deref().is_none_or(|f| matches(f, n));
    println!(
        "scale: N services at {TOTAL_RATE} requests/s in all, {WORKERS} workers each at {:.0} %, \
         {DURATION_SECS} s; best of {REPEATS} runs, each in a child process",
        UTILISATION * 100.0
    );
    println!(
        "  {:>6} {:>10} {:>9} {:>9} {:>12} {:>13}",
        "N", "events", "wall (s)", "ns/event", "ratio to 10", "peak RSS (MB)"
    );
    let mut base: Option<f64> = None;
    let mut last: Option<(u64, f64, f64)> = None;
    for n in SIZES.into_iter().filter(|&n| wanted(n)) {
        let Some(sample) = best_child(n) else {
            println!("  {n:>6} not measured: a child process failed");
            continue;
        };
        let per_event = sample.secs * 1e9 / sample.events as f64;
        if n == SIZES[0] {
            base = Some(per_event);
        }
        let ratio = base.map_or("-".to_string(), |b| format!("{:.2}", per_event / b));
        let mb = sample.peak_kib.map(|kib| kib as f64 * 1024.0 / 1e6);
        let rss = mb.map_or("-".to_string(), |mb| format!("{mb:.1}"));
        println!(
            "  {n:>6} {:>10} {:>9.3} {per_event:>9.1} {ratio:>12} {rss:>13}",
            sample.events, sample.secs
        );
        last = Some((n, per_event, mb.unwrap_or(f64::NAN)));
    }
    let Some((n, per_event, mb)) = last.filter(|(n, ..)| *n == SIZES[SIZES.len() - 1]) else {
        return;
    };
    if let Some(base) = base {
        let ratio = per_event / base;
        let verdict = if ratio <= TARGET_RATIO { "PASS" } else { "FAIL" };
        println!(
            "  time per event at N = {n}: {ratio:.2}× N = 10 (target ≤ {TARGET_RATIO}×): {verdict}"
        );
    }
    if mb.is_finite() {
        let verdict = if mb <= MEMORY_BUDGET_MB { "PASS" } else { "FAIL" };
        println!("  peak RSS at N = {n}: {mb:.1} MB (budget ≤ {MEMORY_BUDGET_MB} MB): {verdict}");
    }
}

/// The first argument that is not a flag (`cargo bench` passes `--bench`); other flags are
/// ignored.
fn filter_arg() -> Option<String> {
    std::env::args().skip(1).find(|a| !a.starts_with('-'))
}

/// Whether the filter `f` selects the section of `n` services: its name exactly when `f` names
/// one (`scale/10` is not `scale/100`), else any whose name contains `f`.
fn matches(f: &str, n: u64) -> bool {
    let name = |n: u64| format!("scale/{n}");
    if SIZES.iter().any(|&size| name(size) == f) { name(n) == f } else { name(n).contains(f) }
}

/// What one child measured.
#[derive(Clone, Copy, Debug)]
struct Sample {
    events: u64,
    secs: f64,
    peak_kib: Option<u64>,
}

/// Runs [`REPEATS`] children with `services` services; the fastest run, with the largest peak
/// RSS any of them saw.
fn best_child(services: u64) -> Option<Sample> {
    let samples: Vec<Sample> = (0..REPEATS).map(|_| run_child(services)).collect::<Option<_>>()?;
    let peak_kib = samples.iter().filter_map(|s| s.peak_kib).max();
    let best = samples.into_iter().min_by(|a, b| a.secs.total_cmp(&b.secs))?;
    Some(Sample { peak_kib, ..best })
}

/// Runs this binary as a child with `services` services and reads what it prints:
/// `events seconds peak_kib` (`-` for an unknown peak).
fn run_child(services: u64) -> Option<Sample> {
    let exe = std::env::current_exe().ok()?;
    let output = Command::new(exe).env(CHILD_ENV, services.to_string()).output().ok()?;
    if !output.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&output.stderr));
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let mut fields = text.split_whitespace();
    let events = fields.next()?.parse().ok()?;
    let secs = fields.next()?.parse().ok()?;
    let peak_kib = fields.next()?.parse().ok();
    Some(Sample { events, secs, peak_kib })
}

/// Child mode: load and run the scenario with `services` services, then print the events, the
/// run's wall seconds and this process's peak RSS in KiB.
fn child(services: &str) {
    let n: u64 = services.parse().unwrap_or_else(|e| panic!("{CHILD_ENV}={services}: {e}"));
    let text = scenario_text(n);
    let scenario =
        load("scale.ron", &text, &Overrides::default()).unwrap_or_else(|e| panic!("{e}"));
    drop(text);
    let start = Instant::now();
    let outcome = scenario.run(SEED).unwrap_or_else(|e| panic!("{}: {e}", scenario.name));
    let secs = start.elapsed().as_secs_f64();
    std::hint::black_box(outcome.metrics.completed);
    let peak = peak_rss_kib().map_or("-".to_string(), |kib| kib.to_string());
    println!("{} {secs} {peak}", outcome.stats.events);
}

/// The scenario text with `n` services `s00000`…, each called by its own client `c00000`….
fn scenario_text(n: u64) -> String {
    let rate = TOTAL_RATE / n as f64;
    // ρ = λ·s/c ⇒ s = ρ·c/λ, in whole nanoseconds.
    let mean_ns = (UTILISATION * WORKERS as f64 / rate * 1e9).round() as u64;
    let width = (n - 1).to_string().len();
    let mut clients = String::new();
    let mut services = String::new();
    for i in 0..n {
        clients.push_str(&format!(
            "        \"c{i:0width$}\": (target: \"s{i:0width$}\", rate: \"{rate}/s\", arrivals: Poisson),\n"
        ));
        services.push_str(&format!(
            "        \"s{i:0width$}\": (workers: {WORKERS}, service_time: Exp(mean: \"{mean_ns}ns\")),\n"
        ));
    }
    format!(
        "Scenario(\n    name: \"scale-{n}\",\n    duration: \"{DURATION_SECS}s\",\n    warmup: \"30s\",\n    \
         seed: {SEED},\n    clients: {{\n{clients}    }},\n    services: {{\n{services}    }},\n)\n"
    )
}

/// `VmHWM` (peak resident set size) from `/proc/self/status`, in KiB; `None` off Linux.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
