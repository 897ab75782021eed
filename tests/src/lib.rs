//! Shared helpers for Faultline's end-to-end tests: locating bundled scenarios and running them,
//! and generating random ones ([`generate`]) for the property test and the fuzz target.

pub mod generate;

use std::path::PathBuf;

use faultline_scenario::{Outcome, Overrides, Scenario, load};

/// The workspace root (tests run with the package folder as their working directory).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// A bundled scenario file by name, e.g. `scenario_path("mm1")`.
pub fn scenario_path(name: &str) -> PathBuf {
    workspace_root().join("scenarios").join(format!("{name}.ron"))
}

/// Loads a bundled scenario with a variant and `--set` patches.
pub fn load_bundled(name: &str, variant: Option<&str>, sets: &[&str]) -> Scenario {
    let path = scenario_path(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let overrides = Overrides {
        variant: variant.map(str::to_string),
        sets: sets.iter().map(|s| s.to_string()).collect(),
    };
    load(&path.display().to_string(), &text, &overrides).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs a loaded scenario, failing the test if it hits a limit.
pub fn run(scenario: &Scenario, seed: u64) -> Outcome {
    scenario.run(seed).unwrap_or_else(|e| panic!("{}: {e}", scenario.name))
}

/// Every bundled scenario file with each of its variants (`None` when it has none), sorted by
/// file name.
pub fn catalogue_runs() -> Vec<(PathBuf, Option<String>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(workspace_root().join("scenarios"))
        .expect("scenarios/ exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    files.sort();
    let mut runs = Vec::new();
    for file in files {
        let base = load_file(&file, None);
        if base.variants.is_empty() {
            runs.push((file.clone(), None));
        }
        runs.extend(base.variants.iter().map(|(variant, _)| (file.clone(), Some(variant.clone()))));
    }
    runs
}

/// Every bundled scenario, once per variant (or once when it has none), sorted by file name.
pub fn catalogue() -> Vec<Scenario> {
    catalogue_runs().into_iter().map(|(file, variant)| load_file(&file, variant)).collect()
}

fn load_file(file: &std::path::Path, variant: Option<String>) -> Scenario {
    let text = std::fs::read_to_string(file).expect("readable");
    let overrides = Overrides { variant, sets: vec![] };
    load(&file.display().to_string(), &text, &overrides).unwrap_or_else(|e| panic!("{e}"))
}
