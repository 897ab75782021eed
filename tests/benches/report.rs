//! Report benchmark: how long writing a run's report folder takes once the run is over, for
//! every bundled scenario and each of its variants.
//!
//! Each scenario runs once with its own seed; then the report (the series, the page, the JSON
//! files and every plot as SVG and PNG, in a fresh folder) is written `REPEATS` times, and the
//! median and the slowest are printed in milliseconds. A report must be written in under
//! `BOUND_MS` ms: a scenario whose median is over it makes the benchmark fail (exit code 1);
//! a slowest repetition over it is marked, since one slow repetition on a busy machine says
//! little.
//!
//! Run it with `cargo bench -p faultline-tests --bench report`; an optional argument runs only
//! the scenarios whose `name/variant` contains it, e.g. `-- retry-storm`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use faultline_report::{Series, Summary, write_report};
use faultline_scenario::Scenario;

/// A report must be written within this many milliseconds after its run.
const BOUND_MS: f64 = 150.0;
/// Reports written per scenario.
const REPEATS: usize = 9;

fn main() -> ExitCode {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let root = std::env::temp_dir().join(format!("faultline-bench-report-{}", std::process::id()));
    println!("report/write: ms to write a report folder after the run ({REPEATS} times each)");
    println!("{:<44} {:>9} {:>9}", "scenario/variant", "median", "max");
    let mut over = Vec::new();
    for scenario in faultline_tests::catalogue() {
        let name = format!("{}/{}", scenario.name, scenario.variant.as_deref().unwrap_or("-"));
        if filter.as_deref().is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let mut times = time_reports(&scenario, &root);
        times.sort_by(f64::total_cmp);
        let (median, max) = (times[times.len() / 2], times[times.len() - 1]);
        let mark = if median > BOUND_MS {
            over.push(name.clone());
            "  OVER THE BOUND"
        } else if max > BOUND_MS {
            "  (slowest over the bound)"
        } else {
            ""
        };
        println!("{name:<44} {median:>9.1} {max:>9.1}{mark}");
    }
    let _ = std::fs::remove_dir_all(&root);
    if over.is_empty() {
        println!("every report written in under {BOUND_MS} ms (median)");
        ExitCode::SUCCESS
    } else {
        eprintln!("FAILED: reports over {BOUND_MS} ms (median): {}", over.join(", "));
        ExitCode::FAILURE
    }
}

/// Runs `scenario` once, then times writing its report `REPEATS` times, each into a folder of
/// its own under `root`; milliseconds.
fn time_reports(scenario: &Scenario, root: &Path) -> Vec<f64> {
    let outcome = faultline_tests::run(scenario, scenario.seed);
    let summary = Summary::new(scenario, &outcome, 0.0, "faultline run …".into());
    (0..REPEATS)
        .map(|i| {
            let out = root.join(i.to_string());
            let started = Instant::now();
            let series = Series::new(scenario, &outcome.metrics);
            let folder = write_report(&out, &summary, &series, false);
            let ms = started.elapsed().as_secs_f64() * 1e3;
            folder.unwrap_or_else(|e| panic!("{}: {e}", scenario.name));
            let _ = std::fs::remove_dir_all(&out);
            ms
        })
        .collect()
}
