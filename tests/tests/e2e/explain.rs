//! `run --explain`: the story behind each first violation, for one scenario of each catalogue
//! group with scenarios so far (the request path, the network, agreement, time, messaging and
//! data), held by snapshots (`cargo insta review` after an intended change), plus where else it
//! appears.

/// Runs `faultline run` on a bundled scenario's `naive` variant with `--explain` and `args`;
/// returns its exit code and stdout.
fn explain(name: &str, args: &[&str]) -> (u8, String) {
    let file = faultline_tests::scenario_path(name);
    let mut argv: Vec<std::ffi::OsString> =
        vec!["faultline".into(), "run".into(), file.into(), "--variant".into(), "naive".into()];
    argv.extend(["--explain".into(), "--no-report".into()]);
    argv.extend(args.iter().map(Into::into));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = faultline_cli::main_with(argv, &mut out, &mut err);
    assert!(code <= 1, "{name}: {}", String::from_utf8_lossy(&err));
    (code, String::from_utf8(out).expect("UTF-8"))
}

/// The explanation in the text summary: from the first `Why` to the trace hash.
fn story(stdout: &str) -> String {
    let from = stdout.find("Why ").expect("an explanation");
    let until = stdout.find("\ntrace hash").expect("a trace hash line");
    stdout[from..until].trim_end().to_string()
}

#[test]
fn retry_storm_explained() {
    let (code, out) = explain("retry-storm", &[]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(story(&out));
}

#[test]
fn isolated_instance_explained() {
    let (code, out) = explain("isolated-instance", &[]);
    assert_eq!(code, 1);
    let story = story(&out);
    assert!(story.contains("api/2 answered an error"), "{story}");
    insta::assert_snapshot!(story);
}

#[test]
fn partition_split_brain_explained() {
    let (code, out) = explain("partition-split-brain", &[]);
    assert_eq!(code, 1);
    let story = story(&out);
    assert!(story.contains("request 457, step by step:"), "{story}");
    assert!(story.contains("store/2 became leader") || story.contains("leader"), "{story}");
    insta::assert_snapshot!(story);
}

#[test]
fn clock_skew_tokens_explained() {
    let (code, out) = explain("clock-skew-tokens", &[]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(story(&out));
}

/// Messaging and data: a charge retried after a timeout. The story must say why the run failed:
/// the first attempt applied the charge after its caller had stopped waiting, and the retry
/// applied it again.
#[test]
fn partial_failure_double_charge_explained() {
    let (code, out) = explain("partial-failure-double-charge", &[]);
    assert_eq!(code, 1);
    let story = story(&out);
    assert!(story.contains("the caller stopped waiting for attempt 1 at payments"), "{story}");
    assert!(story.contains("payments applied `charge` for order 6 (attempt 1)"), "{story}");
    assert!(story.contains("the answer is dropped, the effect stays applied"), "{story}");
    assert!(story.contains("applied `charge` for order 6 again (attempt 2)"), "{story}");
    insta::assert_snapshot!(story);
}

/// The JSON carries the same text; a run whose invariants hold explains nothing.
#[test]
fn the_explanation_is_in_the_json_and_only_when_something_failed() {
    let (_, text) = explain("isolated-instance", &[]);
    let (_, json) = explain("isolated-instance", &["--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let explanation = json["explanation"].as_str().expect("an explanation field");
    assert_eq!(explanation.trim_end(), story(&text));
    let file = faultline_tests::scenario_path("isolated-instance");
    let argv: Vec<std::ffi::OsString> = vec![
        "faultline".into(),
        "run".into(),
        file.into(),
        "--variant".into(),
        "fixed".into(),
        "--explain".into(),
        "--no-report".into(),
    ];
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(faultline_cli::main_with(argv, &mut out, &mut err), 0);
    assert!(!String::from_utf8_lossy(&out).contains("Why "));
}
