//! `faultline sweep` and `merge`: the sweep's JSON agrees with `run` seed by seed, shards merge
//! into exactly the unsharded report, and nothing depends on the number of threads. Also
//! `run --vary` on one thread and on several.

use faultline_tests::scenario_path;
use serde_json::Value;

/// queue-growth's `fixed` design, shortened to a minute with its SLO set near the p99 of a
/// minute's run, so that some seeds hold and some do not (7 of seeds 1..12).
fn border_args() -> Vec<String> {
    let file = scenario_path("queue-growth").display().to_string();
    [
        &file,
        "--variant",
        "fixed",
        "--set",
        "duration=\"60s\"",
        "--set",
        "invariants.0.bound=\"0.91s\"",
    ]
    .map(str::to_string)
    .to_vec()
}

/// Runs the command in-process; returns exit code, standard output and standard error.
fn faultline(args: &[String]) -> (u8, String, String) {
    let argv = std::iter::once("faultline".to_string()).chain(args.iter().cloned());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = faultline_cli::main_with(argv.map(Into::into), &mut out, &mut err);
    let text = |b: Vec<u8>| String::from_utf8(b).expect("UTF-8");
    (code, text(out), text(err))
}

fn args(head: &[&str], scenario: &[String], tail: &[&str]) -> Vec<String> {
    let strings = |s: &[&str]| s.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    [strings(head), scenario.to_vec(), strings(tail)].concat()
}

fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a pool");
    pool.install(f)
}

#[test]
fn sweep_json_agrees_with_each_seeds_run() {
    let scenario = border_args();
    let (code, json, err) =
        faultline(&args(&["sweep"], &scenario, &["--seeds", "1..12", "--format", "json"]));
    assert_eq!(code, 1, "{err}");
    let sweep: Value = serde_json::from_str(&json).expect("JSON");
    // Each seed on its own, as a user would replay it.
    let mut runs = Vec::new();
    for seed in 1..=12u64 {
        let run_args = args(
            &["run"],
            &scenario,
            &["--seed", &seed.to_string(), "--format", "json", "--no-report"],
        );
        let (_, out, err) = faultline(&run_args);
        runs.push(serde_json::from_str::<Value>(&out).unwrap_or_else(|e| panic!("{e}: {err}")));
    }
    assert_eq!(sweep["runs"], 12);
    let violating = runs.iter().filter(|r| r["all_hold"] == false).count();
    assert_eq!(sweep["violating_runs"], violating);
    assert!(
        (1..12).contains(&violating),
        "the border scenario should split the seeds: {violating}"
    );
    for (i, inv) in sweep["invariants"].as_array().expect("invariants").iter().enumerate() {
        let failing: Vec<u64> = (1..=12u64)
            .filter(|seed| runs[*seed as usize - 1]["invariants"][i]["holds"] == false)
            .collect();
        assert_eq!(inv["name"], runs[0]["invariants"][i]["name"]);
        assert_eq!(inv["violations"], failing.len());
        let first: Vec<u64> = inv["first_failing"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["seed"].as_u64().unwrap())
            .collect();
        assert_eq!(first, failing.iter().copied().take(5).collect::<Vec<_>>());
        for f in inv["first_failing"].as_array().unwrap() {
            let seed = f["seed"].as_u64().unwrap();
            // The command printed is the one `run` prints for that seed.
            assert_eq!(f["reproduce"], runs[seed as usize - 1]["reproduce"]);
        }
        let rate = failing.len() as f64 / 12.0;
        assert_eq!(inv["rate"].as_f64(), Some(rate));
        let (low, high) =
            (inv["wilson_95"]["low"].as_f64().unwrap(), inv["wilson_95"]["high"].as_f64().unwrap());
        assert!(low <= rate && rate <= high && low >= 0.0 && high <= 1.0, "{low} {rate} {high}");
    }
    // The spreads: each seed's own figures, sorted.
    let sorted = |f: &dyn Fn(&Value) -> f64| {
        let mut v: Vec<f64> = runs.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let p50 = sorted(&|r| r["latency_s"]["p50"].as_f64().unwrap());
    let p99 = sorted(&|r| r["latency_s"]["p99"].as_f64().unwrap());
    let goodput = sorted(&|r| r["load"]["goodput_per_s"].as_f64().unwrap());
    for (field, values) in
        [("latency_p50_s", &p50), ("latency_p99_s", &p99), ("goodput_per_s", &goodput)]
    {
        let s = &sweep[field];
        assert_eq!(s["seeds"], 12, "{field}");
        assert_eq!(s["min"].as_f64(), Some(values[0]), "{field}");
        // Nearest rank: the 6th of 12 is the median, the 2nd the p10, the 11th the p90.
        assert_eq!(s["median"].as_f64(), Some(values[5]), "{field}");
        assert_eq!(s["p10"].as_f64(), Some(values[1]), "{field}");
        assert_eq!(s["p90"].as_f64(), Some(values[10]), "{field}");
        assert_eq!(s["max"].as_f64(), Some(values[11]), "{field}");
        let mean = values.iter().sum::<f64>() / 12.0;
        assert!(
            (s["mean"].as_f64().unwrap() - mean).abs() < 1e-9 * mean,
            "{field}: {} vs {mean}",
            s["mean"]
        );
    }
}

#[test]
fn three_shards_merged_are_exactly_the_unsharded_sweep() {
    let scenario = border_args();
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sweep-shards");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let (code, json, err) =
            faultline(&args(&["sweep"], &scenario, &["--seeds", "1..12", "--shard", &shard]));
        assert_eq!(code, 0, "{err}");
        let file = dir.join(format!("shard-{k}.json"));
        std::fs::write(&file, json).unwrap();
        files.push(file.display().to_string());
    }
    for format in ["text", "json"] {
        let (code, whole, _) =
            faultline(&args(&["sweep"], &scenario, &["--seeds", "1..12", "--format", format]));
        // In any order.
        let shuffled = [&files[2], &files[0], &files[1]].map(|f| f.as_str());
        let (merged_code, merged, err) =
            faultline(&args(&["merge"], &[], &[&shuffled[..], &["--format", format]].concat()));
        assert_eq!((merged_code, merged.as_str()), (code, whole.as_str()), "{format}: {err}");
    }
    // A shard missing, a shard twice, a shard of another sweep: refused, saying which.
    let refused = |given: &[&str], expect: &str| {
        let (code, out, err) = faultline(&args(&["merge"], &[], given));
        assert_eq!(code, 2, "{err}");
        assert!(out.is_empty() && err.contains(expect), "{given:?}: {err}");
    };
    refused(&[&files[0], &files[2]], "shard 2 of 3 missing");
    refused(&[&files[0], &files[1], &files[1], &files[2]], "shard 2/3 given twice");
    let other = args(
        &["sweep"],
        &scenario,
        &["--seeds", "1..12", "--shard", "2/3", "--set", "clients.producer.rate=\"100/s\""],
    );
    let other_file = dir.join("other.json");
    std::fs::write(&other_file, faultline(&other).1).unwrap();
    let other_file = other_file.display().to_string();
    refused(&[&files[0], &other_file, &files[2]], "--set");
    let wrong_range = args(&["sweep"], &scenario, &["--seeds", "1..13", "--shard", "2/3"]);
    std::fs::write(&other_file, faultline(&wrong_range).1).unwrap();
    refused(&[&files[0], &other_file, &files[2]], "seeds `1..13` instead of `1..12`");
    std::fs::write(&other_file, "{\"points\": []}").unwrap();
    refused(&[&other_file], "not a sweep shard");
}

#[test]
fn a_sweep_is_the_same_on_one_thread_and_on_several() {
    let scenario = border_args();
    let command = args(&["sweep"], &scenario, &["--seeds", "3..14", "--format", "json"]);
    let one = on_threads(1, || faultline(&command));
    let four = on_threads(4, || faultline(&command));
    assert_eq!(one, four);
    let shard = args(&["sweep"], &scenario, &["--seeds", "3..14", "--shard", "1/2"]);
    assert_eq!(on_threads(1, || faultline(&shard)), on_threads(3, || faultline(&shard)));
}

#[test]
fn vary_in_parallel_prints_what_it_prints_on_one_thread() {
    let file = scenario_path("scale-pods-shared-db").display().to_string();
    for tail in [
        &["--vary", "services.consumers.workers=1..12:1", "--format", "json"][..],
        &["--vary", "services.consumers.workers=1..12:1"],
        // A bad value in the middle: the same first error either way, and nothing printed.
        &["--vary", "services.consumers.workers=2,0,4,0"],
    ] {
        let command = args(&["run", &file, "--no-report"], &[], tail);
        let one = on_threads(1, || faultline(&command));
        let four = on_threads(4, || faultline(&command));
        assert_eq!(one, four, "{tail:?}");
        assert!(one.0 <= 2 && (one.0 == 2) == one.2.contains("workers"), "{one:?}");
    }
}

#[test]
fn bad_sweeps_are_usage_errors_that_say_why() {
    let file = scenario_path("queue-growth").display().to_string();
    for (given, expect) in [
        (&["--variant", "nope", "--seeds", "1..2"][..], "nope"),
        (&["--seeds", "5..1"], "write the smaller seed first"),
        (&["--seeds", "1..4", "--shard", "4/3"], "K/N"),
    ] {
        let (code, out, err) = faultline(&args(&["sweep", &file], &[], given));
        assert_eq!(code, 2, "{given:?}");
        assert!(out.is_empty() && err.contains(expect), "{given:?}: {err}");
    }
    let (code, _, err) = faultline(&args(&["merge", "no-such-shard.json"], &[], &[]));
    assert!(code == 2 && err.contains("no-such-shard.json: cannot read"), "{err}");
}
