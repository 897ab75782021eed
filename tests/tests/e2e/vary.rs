//! `run --vary`: scale-pods-shared-db across 1…32 consumers shows throughput flattening at the
//! database pool's capacity while latency keeps growing, in both the JSON and the text output.

use faultline_tests::scenario_path;

fn faultline(args: &[&str]) -> (u8, String) {
    let mut argv = vec!["faultline".to_string()];
    argv.extend(args.iter().map(|a| a.to_string()));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = faultline_cli::main_with(argv.iter().map(Into::into), &mut out, &mut err);
    assert!(code <= 1, "exit {code}: {}", String::from_utf8_lossy(&err));
    (code, String::from_utf8(out).expect("UTF-8 output"))
}

#[test]
fn throughput_flattens_at_the_pool_capacity_while_latency_grows() {
    let file = scenario_path("scale-pods-shared-db").display().to_string();
    let out = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("vary-report");
    let _ = std::fs::remove_dir_all(&out);
    let out_arg = out.display().to_string();
    let sweep = ["run", &file, "--vary", "services.consumers.workers=1..32:1", "--format", "json"];
    let (_, json) = faultline(&[&sweep[..], &["--out", &out_arg]].concat());
    let folder = out.join("scale-pods-shared-db/base-seed1-vary-services.consumers.workers");
    for name in ["vary.json", "vary.png", "vary.svg"] {
        assert!(folder.join(name).is_file(), "{name} missing in {}", folder.display());
    }
    let report: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let points = report["points"].as_array().expect("points");
    assert_eq!(points.len(), 32);
    let field = |i: usize, f: &str| points[i][f].as_f64().expect("number");
    let throughput = |n: usize| field(n - 1, "throughput_per_s");
    let p99 = |n: usize| field(n - 1, "latency_p99_s");
    // Below the pool size, each consumer adds about the same throughput.
    assert!(throughput(4) > 3.5 * throughput(1) && throughput(8) > 1.8 * throughput(4));
    // Past the pool (8 connections) the curve is flat: 16 to 32 consumers within 2 %.
    let flat = (16..=32).map(throughput);
    let (lo, hi) = flat.fold((f64::MAX, 0.0f64), |(lo, hi), t| (lo.min(t), hi.max(t)));
    assert!(hi / lo < 1.02, "throughput from 16 to 32 consumers ranges {lo}..{hi}");
    // ...while every extra consumer only adds waiting.
    assert!(p99(32) > 1.3 * p99(16) && p99(16) > p99(8), "p99 {} {} {}", p99(8), p99(16), p99(32));
    let (_, text) =
        faultline(&["run", &file, "--vary", "services.consumers.workers=1,8,32", "--no-report"]);
    assert!(
        text.contains("throughput/s") && text.lines().filter(|l| l.contains('█')).count() == 3,
        "{text}"
    );
}

#[test]
fn a_bad_vary_spec_is_a_usage_error() {
    let file = scenario_path("scale-pods-shared-db").display().to_string();
    for spec in [
        "services.consumers.workers",
        "services.consumers.workers=9..1",
        "services.nope.workers=1..2",
    ] {
        let argv = ["faultline", "run", file.as_str(), "--vary", spec];
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = faultline_cli::main_with(argv.iter().map(Into::into), &mut out, &mut err);
        assert_eq!(code, 2, "{spec}");
        assert!(!err.is_empty());
    }
}
