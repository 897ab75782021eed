//! The report folder written after a run: the same files as `render_report` makes, nothing
//! left behind when writing fails, existing reports kept unless replacing is asked, and staging
//! folders of runs that were killed cleaned up by the next run.

use std::path::{Path, PathBuf};

use faultline_report::{Series, Summary, render_report, write_report};
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

fn run(scenario: &Scenario) -> (Summary, Series) {
    let outcome = scenario.run(scenario.seed).expect("the run ends");
    let summary = Summary::new(scenario, &outcome, 0.0, "faultline run …".into());
    let series = Series::new(scenario, &outcome.metrics);
    (summary, series)
}

/// Runs the scenario, then writes its report.
fn run_with_report(scenario: &Scenario, root: &Path, force: bool) -> (PathBuf, Summary, Series) {
    let (summary, series) = run(scenario);
    let folder = write_report(root, &summary, &series, force).expect("the report is written");
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
fn a_written_report_holds_what_render_report_makes() {
    let root = scratch("folder-same");
    let scenario = scenario("queue-growth");
    let (folder, summary, series) = run_with_report(&scenario, &root, false);
    let expected = render_report(&summary, &series).expect("renders");
    let names: Vec<String> = expected.iter().map(|f| f.name.clone()).collect();
    assert_eq!(entries(&folder), names);
    for file in expected {
        let written = std::fs::read(folder.join(&file.name)).expect("written");
        assert!(written == file.bytes, "{} differs", file.name);
    }
    // Only the finished folder is left: no staging folder beside it.
    assert_eq!(entries(&root.join("queue-growth")).len(), 1 + names.len());
}

#[test]
fn a_report_that_cannot_be_written_leaves_nothing_behind() {
    let scenario = scenario("mm1");
    let (summary, series) = run(&scenario);

    // The report's place is taken by a file, which replacing cannot remove: the staging
    // folder goes, and so do the folders made for it.
    let root = scratch("folder-failed");
    let place = root.join("mm1").join("base-seed1");
    std::fs::create_dir_all(place.parent().unwrap()).expect("a folder");
    std::fs::write(&place, "in the way").expect("a file");
    let failed = write_report(&root, &summary, &series, true);
    assert!(failed.is_err(), "{failed:?}");
    assert_eq!(entries(&root), ["mm1", "mm1/base-seed1"]);

    // The root itself cannot be made: nothing is made under its parent either.
    let root = scratch("folder-no-root");
    std::fs::write(&root, "a file, not a folder").expect("a file");
    assert!(write_report(&root.join("reports"), &summary, &series, false).is_err());
    assert!(root.is_file());
    std::fs::remove_file(&root).expect("removed");
}

#[test]
fn an_existing_report_is_kept_unless_replacing_is_asked() {
    let root = scratch("folder-again");
    let scenario = scenario("queue-growth");
    let (first, _, _) = run_with_report(&scenario, &root, false);
    let (second, _, _) = run_with_report(&scenario, &root, false);
    assert_ne!(first, second);
    assert!(second.display().to_string().ends_with("-2"), "{}", second.display());
    let stamp = first.join("kept.txt");
    std::fs::write(&stamp, "mine").expect("a file");
    let (third, _, _) = run_with_report(&scenario, &root, true);
    assert_eq!(third, first);
    assert!(!stamp.exists(), "--force replaces the folder, not only its files");
    assert_eq!(entries(&root.join("queue-growth")).len(), 2 + 2 * 11);
}

#[test]
#[cfg(target_os = "linux")]
fn staging_left_by_a_killed_run_is_removed_by_the_next() {
    let root = scratch("folder-stale");
    let scenario = scenario("mm1");
    let parent = root.join("mm1");
    // No process has this id: pids stay below 2^22 on Linux.
    let stale = parent.join(".base-seed1.tmp-4000000000");
    // Process 1 always runs: its staging folder may still be being written.
    let live = parent.join(".base-seed1.tmp-1");
    // Not a staging folder's name: never touched.
    let other = parent.join(".notes.tmp-x");
    for folder in [&stale, &live, &other] {
        std::fs::create_dir_all(folder).expect("a folder");
        std::fs::write(folder.join("latency.png"), "half written").expect("a file");
    }
    let (folder, _, _) = run_with_report(&scenario, &root, false);
    assert!(!stale.exists(), "{} was left behind", stale.display());
    assert!(live.join("latency.png").exists(), "a live run's staging folder was removed");
    assert!(other.join("latency.png").exists(), "a folder that is not staging was removed");
    let mut expected = vec![
        ".base-seed1.tmp-1".to_string(),
        ".base-seed1.tmp-1/latency.png".into(),
        ".notes.tmp-x".into(),
        ".notes.tmp-x/latency.png".into(),
        "base-seed1".into(),
    ];
    expected.extend(entries(&folder).into_iter().map(|e| format!("base-seed1/{e}")));
    expected.sort();
    assert_eq!(entries(&parent), expected);
}
