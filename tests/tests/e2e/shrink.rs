//! `faultline shrink`: a failing catalogue run cut down to a strictly smaller scenario that
//! `run` reproduces on the same seed; faults, clients and instances the failure does not need
//! removed; a run that holds refused; the budget bounding the runs; the same file on one thread
//! or two; an existing file kept.

use std::path::PathBuf;

use faultline_scenario::{Overrides, Scenario, load};
use faultline_tests::scenario_path;
use serde_json::Value;

fn faultline(args: &[&str]) -> (u8, String, String) {
    let argv = std::iter::once("faultline").chain(args.iter().copied());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = faultline_cli::main_with(argv.map(Into::into), &mut out, &mut err);
    let text = |b: Vec<u8>| String::from_utf8(b).expect("UTF-8");
    (code, text(out), text(err))
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("shrink").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

fn loaded(path: &PathBuf) -> Scenario {
    let text = std::fs::read_to_string(path).expect("the file written");
    load("shrunk", &text, &Overrides::default()).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// `faultline run FILE --seed N`: its exit code and the verdict on `invariant`.
fn run_verdict(file: &str, seed: &str, invariant: &str) -> (u8, Value) {
    let (code, json, err) =
        faultline(&["run", file, "--seed", seed, "--format", "json", "--no-report"]);
    let summary: Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {err}"));
    let verdict = summary["invariants"]
        .as_array()
        .expect("invariants")
        .iter()
        .find(|v| v["name"] == invariant)
        .unwrap_or_else(|| panic!("no {invariant} in {json}"))
        .clone();
    (code, verdict)
}

fn secs(d: faultline_engine::SimDuration) -> f64 {
    d.as_secs_f64()
}

#[test]
fn retry_storm_naive_shrinks_to_a_shorter_run_and_spike_that_run_reproduces() {
    let dir = scratch("retry-storm");
    let out = dir.join("small.ron");
    let file = scenario_path("retry-storm").display().to_string();
    let args =
        ["shrink", &file, "--variant", "naive", "--seed", "1", "--out", out.to_str().unwrap()];
    let (code, text, err) = faultline(&args);
    assert_eq!(code, 0, "{text}{err}");
    let original = faultline_tests::load_bundled("retry-storm", Some("naive"), &[]);
    let small = loaded(&out);
    // The spike ends at 70 s; 5 s shorter it ends at 65 s and goodput is judged from 95 s:
    // 95 s and a margin of max(95/20, 1) s is 99.75 s, rounded up to 100 s.
    assert_eq!((secs(original.duration), secs(small.duration)), (180.0, 100.0));
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(
        written.contains("shape: Spike(at: \"60s\", length: \"5s\", factor: 2.0),"),
        "{written}"
    );
    assert_eq!(small.invariants.len(), 1);
    assert!(small.variants.is_empty());
    assert!(text.contains("  duration                     180s → 100s\n"), "{text}");
    assert!(
        text.contains("  clients.users.shape.window   at 60s, length 10s → at 60s, length 5s\n"),
        "{text}"
    );
    assert!(text.contains("removed RetryAmplification(max: 1.5), NoLostRequests"), "{text}");
    let reproduce = format!("reproduce  faultline run {} --seed 1\n", out.display());
    assert!(text.ends_with(&reproduce), "{text}");
    let (code, verdict) = run_verdict(out.to_str().unwrap(), "1", "GoodputRecovers");
    assert_eq!(code, 1);
    assert_eq!(verdict["holds"], false);
    assert_eq!(verdict["first_violation_s"], 95.0);
}

/// retry-storm with what a storm does not need: two instances of the api, a steady probe
/// client and three faults (a pause before the spike, a crash after it, a slowdown after it).
fn busy_retry_storm() -> String {
    let text = std::fs::read_to_string(scenario_path("retry-storm")).expect("retry-storm");
    let edits = [
        (
            "        \"api\": (\n            workers: 200,",
            "        \"api\": (\n            instances: 2,\n            workers: 100,",
        ),
        (
            "    clients: {\n",
            "    clients: {\n        \"probe\": (target: \"api\", rate: \"5/s\", arrivals: Fixed),\n",
        ),
        (
            "    invariants: [",
            "    faults: [\n        Pause(node: \"api/1\", at: \"20s\", length: \"2s\"),\n        Slowdown(service: \"db\", factor: 1.5, at: \"100s\", length: \"20s\"),\n        Crash(node: \"api/0\", at: \"30s\", restart_after: \"5s\"),\n    ],\n    invariants: [",
        ),
    ];
    edits.iter().fold(text, |text, (from, to)| {
        assert!(text.contains(from), "{from}");
        text.replacen(from, to, 1)
    })
}

#[test]
fn faults_clients_and_instances_the_failure_does_not_need_are_removed() {
    let dir = scratch("busy");
    let (input, out) = (dir.join("busy.ron"), dir.join("busy-small.ron"));
    std::fs::write(&input, busy_retry_storm()).expect("write");
    let input = input.to_str().unwrap();
    let before = load(
        "busy",
        &busy_retry_storm(),
        &Overrides { variant: Some("naive".into()), sets: vec![] },
    )
    .expect("loads");
    assert_eq!(before.world.clients.len(), 2);
    let (code, text, err) = faultline(&[
        "shrink",
        input,
        "--variant",
        "naive",
        "--seed",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{text}{err}");
    let small = loaded(&out);
    assert_eq!((small.world.faults.len(), small.world.clients.len()), (0, 1));
    assert_eq!(small.world.services.len(), 2, "one api instance and the db");
    assert!(secs(small.duration) < 180.0);
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(!written.contains("faults") && !written.contains("probe"), "{written}");
    assert!(written.contains("instances: 1,"), "{written}");
    for line in [
        "  faults.0                     removed Pause(node: \"api/1\", at: \"20s\", length: \"2s\")\n",
        "  faults.2                     removed Crash(node: \"api/0\", at: \"30s\", restart_after: \"5s\")\n",
        "  clients.probe                removed (target: \"api\", rate: \"5/s\", arrivals: Fixed)\n",
        "  services.api.instances       2 → 1\n",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    let (code, verdict) = run_verdict(out.to_str().unwrap(), "3", "GoodputRecovers");
    assert_eq!((code, verdict["holds"].clone()), (1, Value::Bool(false)));
}

#[test]
fn a_run_where_every_invariant_holds_is_nothing_to_shrink() {
    let dir = scratch("holds");
    let out = dir.join("never.ron");
    let file = scenario_path("retry-storm").display().to_string();
    let o = out.to_str().unwrap();
    let (code, text, err) =
        faultline(&["shrink", &file, "--variant", "fixed", "--seed", "1", "--out", o]);
    assert_eq!(code, 2, "{text}{err}");
    assert!(err.ends_with("nothing to shrink: every invariant held on seed 1\n"), "{err}");
    let (code, _, err) = faultline(&[
        "shrink",
        &file,
        "--variant",
        "naive",
        "--invariant",
        "NoLostRequests",
        "--out",
        o,
    ]);
    assert_eq!(code, 2);
    assert!(err.ends_with("nothing to shrink: NoLostRequests held on seed 1\n"), "{err}");
    let (code, _, err) = faultline(&[
        "shrink",
        &file,
        "--variant",
        "naive",
        "--invariant",
        "GoodputRecover",
        "--out",
        o,
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no invariant `GoodputRecover`; did you mean `GoodputRecovers`?"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn the_budget_bounds_the_runs_and_what_is_written_still_fails() {
    let dir = scratch("budget");
    let out = dir.join("small.ron");
    let file = scenario_path("retry-storm").display().to_string();
    let o = out.to_str().unwrap();
    let (code, text, err) = faultline(&[
        "shrink",
        &file,
        "--variant",
        "naive",
        "--seed",
        "2",
        "--budget",
        "5",
        "--out",
        o,
    ]);
    assert_eq!(code, 0, "{text}{err}");
    // A first batch of four (the duration, the spike's two halves, the rate), then one run left.
    assert!(text.contains("searched   5 candidate runs (budget 5)"), "{text}");
    assert!(text.contains("the budget of 5 runs ran out"), "{text}");
    let (code, verdict) = run_verdict(o, "2", "GoodputRecovers");
    assert_eq!((code, verdict["holds"].clone()), (1, Value::Bool(false)));
    // The file exists now: kept unless --force.
    let before = std::fs::read_to_string(&out).unwrap();
    let (code, _, err) =
        faultline(&["shrink", &file, "--variant", "naive", "--seed", "1", "--out", o]);
    assert_eq!(code, 2);
    assert!(err.contains("the file exists; choose another --out, or add --force"), "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), before);
    let (code, _, _) =
        faultline(&["shrink", &file, "--variant", "naive", "--seed", "1", "--out", o, "--force"]);
    assert_eq!(code, 0);
    assert_ne!(std::fs::read_to_string(&out).unwrap(), before, "seed 1's file replaces seed 2's");
}

#[test]
fn the_file_written_is_the_same_on_one_thread_or_two() {
    let dir = scratch("threads");
    let input = dir.join("busy.ron");
    std::fs::write(&input, busy_retry_storm()).expect("write");
    let written = |threads: usize| {
        let out = dir.join(format!("on-{threads}.ron"));
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
        let args = [
            "shrink",
            input.to_str().unwrap(),
            "--variant",
            "naive",
            "--seed",
            "5",
            "--out",
            out.to_str().unwrap(),
        ];
        let (code, text, err) = pool.install(|| faultline(&args));
        assert_eq!(code, 0, "{text}{err}");
        (std::fs::read_to_string(&out).unwrap(), text.replace(out.to_str().unwrap(), "OUT"))
    };
    assert_eq!(written(1), written(2));
}
