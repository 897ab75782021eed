//! Every bundled scenario and variant keeps its trace hash, summary and series byte for byte
//! across changes that must not change behaviour (restructuring the model, adding a mechanism a
//! scenario does not use). The figures are in `tests/recorded-outputs.txt`.
//!
//! A change that is *meant* to change results re-records them with
//! `FAULTLINE_RECORD=1 cargo test --release -p faultline-tests --test e2e recorded`, and says
//! in its commit which scenarios changed and why.

use faultline_engine::stream_id;
use faultline_report::{Series, Summary};
use faultline_tests::{catalogue_runs, run, workspace_root};

/// One line per run: `file variant trace-hash summary-hash series-hash`.
fn record_line(file: &std::path::Path, variant: Option<&str>) -> String {
    let text = std::fs::read_to_string(file).expect("readable");
    let overrides =
        faultline_scenario::Overrides { variant: variant.map(str::to_string), sets: vec![] };
    let scenario = faultline_scenario::load(&file.display().to_string(), &text, &overrides)
        .unwrap_or_else(|e| panic!("{e}"));
    let outcome = run(&scenario, scenario.seed);
    // The wall time is the one figure allowed to differ between identical runs.
    let summary = Summary::new(&scenario, &outcome, 0.0, String::new()).to_json();
    let series = Series::new(&scenario, &outcome.metrics).to_json();
    let name = file.file_stem().and_then(|s| s.to_str()).expect("UTF-8 file name");
    format!(
        "{name} {} {} {:016x} {:016x}",
        variant.unwrap_or("-"),
        outcome.stats.trace_hash.hex(),
        stream_id(&summary),
        stream_id(&series)
    )
}

#[test]
fn bundled_scenarios_keep_their_recorded_outputs() {
    let recorded_path = workspace_root().join("tests/recorded-outputs.txt");
    let runs = catalogue_runs();
    let lines: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .iter()
            .map(|(file, variant)| scope.spawn(|| record_line(file, variant.as_deref())))
            .collect();
        handles.into_iter().map(|h| h.join().expect("run")).collect()
    });
    let now = lines.join("\n") + "\n";
    if std::env::var_os("FAULTLINE_RECORD").is_some() {
        std::fs::write(&recorded_path, &now).expect("write recorded outputs");
        return;
    }
    let recorded = std::fs::read_to_string(&recorded_path).expect("tests/recorded-outputs.txt");
    let changed: Vec<String> = recorded
        .lines()
        .zip(now.lines())
        .filter(|(was, is)| was != is)
        .map(|(was, is)| format!("  was {was}\n  now {is}"))
        .collect();
    assert!(
        changed.is_empty() && recorded.lines().count() == now.lines().count(),
        "outputs changed (file variant trace summary series):\n{}\n{} recorded runs, {} now; \
         if the change is intended, re-record with FAULTLINE_RECORD=1 (see this file's header)",
        changed.join("\n"),
        recorded.lines().count(),
        now.lines().count()
    );
}
