//! A report folder got ready during the run: the same files as one rendered after it, nothing
//! left behind when the run is abandoned, and existing reports kept unless replacing is asked.

use std::path::{Path, PathBuf};

use faultline_report::{PendingReport, Series, Summary, render_report};
use faultline_scenario::{Overrides, Scenario, load};

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn scenario(name: &str) -> Scenario {
    let file = faultline_tests::scenario_path(name);
    let text = std::fs::read_to_string(&file).expect("a bundled scenario");
    load(&file.display().to_string(), &text, &Overrides::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Starts a report, runs the scenario, and finishes the report.
fn run_with_report(scenario: &Scenario, root: &Path, force: bool) -> (PathBuf, Summary, Series) {
    let pending = PendingReport::start(
        root,
        &scenario.name,
        scenario.variant.as_deref(),
        scenario.seed,
        force,
    );
    let outcome = scenario.run(scenario.seed).expect("the run ends");
    let summary = Summary::new(scenario, &outcome, 0.0, "faultline run …".into());
    let series = Series::new(scenario, &outcome.metrics);
    let folder = pending.finish(&summary, &series).expect("the report is written");
    (folder, summary, series)
}

/// Every entry under `folder`, sorted, as paths relative to it.
fn entries(folder: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![folder.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable") {
            let path = entry.expect("readable").path();
            found.push(path.strip_prefix(folder).unwrap().display().to_string());
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn a_report_got_ready_during_the_run_holds_what_render_report_makes() {
    let root = scratch("pending-same");
    let scenario = scenario("queue-growth");
    let (folder, summary, series) = run_with_report(&scenario, &root, false);
    let expected = render_report(&summary, &series).expect("renders");
    let mut names: Vec<String> = expected.iter().map(|f| f.name.clone()).collect();
    names.sort();
    assert_eq!(entries(&folder), names);
    for file in expected {
        let written = std::fs::read(folder.join(&file.name)).expect("written");
        assert!(written == file.bytes, "{} differs", file.name);
    }
    // Only the finished folder is left: no staging folder beside it.
    assert_eq!(entries(&root.join("queue-growth")).len(), 1 + names.len());
}

#[test]
fn an_abandoned_report_leaves_nothing_behind() {
    let root = scratch("pending-abandoned");
    let scenario = scenario("mm1");
    let pending = PendingReport::start(&root, &scenario.name, None, 1, false);
    drop(pending);
    assert!(!root.exists(), "{} was left behind", root.display());

    // A folder that was there before stays.
    std::fs::create_dir_all(root.join("mm1")).expect("a folder");
    drop(PendingReport::start(&root, &scenario.name, None, 1, false));
    assert!(entries(&root).iter().all(|e| e == "mm1"), "{:?}", entries(&root));
}

#[test]
fn an_existing_report_is_kept_unless_replacing_is_asked() {
    let root = scratch("pending-again");
    let scenario = scenario("queue-growth");
    let (first, _, _) = run_with_report(&scenario, &root, false);
    let (second, _, _) = run_with_report(&scenario, &root, false);
    assert_ne!(first, second);
    assert!(second.display().to_string().ends_with("-2"), "{}", second.display());
    let (third, _, _) = run_with_report(&scenario, &root, true);
    assert_eq!(third, first);
    assert_eq!(entries(&root.join("queue-growth")).len(), 2 + 2 * 11);
}
