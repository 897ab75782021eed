//! `--set` and variants through the command line: names holding dots reached with quoted path
//! segments, bare words taken as strings, and a variant's entries applied in the order written.

use std::path::PathBuf;

const SCENARIO: &str = r#"Scenario(
    name: "dotted",
    duration: "20s",
    clients: {
        "web.eu": (target: "api.v1", rate: "50/s", timeout: "1s"),
    },
    services: {
        "api.v1": (workers: 1, service_time: Exp(mean: "15ms")),
        "api.v2": (workers: 1, service_time: Exp(mean: "15ms")),
    },
    invariants: [NoLostRequests],
    variants: {
        "more": (
            description: "more workers for api.v2, and the web client on it",
            set: {
                "services.\"api.v2\".workers": 4,
                "clients.\"web.eu\".target": "api.v2",
            },
        ),
        "retries": (
            set: {
                "clients.\"web.eu\".retry.max_attempts": 5,
                "clients.\"web.eu\".retry": (max_attempts: 3),
            },
        ),
        "unquoted": (set: { "services.api.v2.workers": 4 }),
    },
)
"#;

/// The scenario written to a file of its own for each test (tests run in parallel).
fn scenario_file(test: &str) -> String {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("dotted-names-{test}.ron"));
    std::fs::write(&path, SCENARIO).expect("can write into the target tmp dir");
    path.display().to_string()
}

/// Exit code, stdout and stderr of `faultline ARGS`.
fn faultline(args: &[&str]) -> (u8, String, String) {
    let mut argv = vec!["faultline".to_string()];
    argv.extend(args.iter().map(|a| a.to_string()));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = faultline_cli::main_with(argv.iter().map(Into::into), &mut out, &mut err);
    let text = |b: Vec<u8>| String::from_utf8(b).expect("UTF-8 output");
    (code, text(out), text(err))
}

/// The JSON summary of a run.
fn run_json(test: &str, extra: &[&str]) -> serde_json::Value {
    let file = scenario_file(test);
    let args = [&["run", file.as_str(), "--no-report", "--format", "json"][..], extra].concat();
    let (code, out, err) = faultline(&args);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).expect("JSON")
}

/// (name, workers, completed) for each service of a JSON summary.
fn services(summary: &serde_json::Value) -> Vec<(String, u64, u64)> {
    let map = summary["services"].as_object().expect("services");
    map.iter()
        .map(|(name, s)| {
            let number = |field: &str| s[field].as_u64().expect("a count");
            (name.clone(), number("workers"), number("completed"))
        })
        .collect()
}

#[test]
fn set_reaches_names_with_dots_when_they_are_quoted() {
    let base = services(&run_json("set", &[]));
    assert_eq!((base[0].1, base[1].1), (1, 1), "{base:?}");
    let summary = run_json("set", &["--set", r#"services."api.v2".workers=4"#]);
    let set = services(&summary);
    assert_eq!(set[1], ("api.v2".to_string(), 4, 0), "{set:?}");
    let reproduce = summary["reproduce"].as_str().expect("reproduce");
    assert!(reproduce.contains(r#" --set 'services."api.v2".workers=4'"#), "{reproduce}");
    // A bare word where a string is expected: the client's target.
    let moved = services(&run_json("set", &["--set", r#"clients."web.eu".target=api.v2"#]));
    assert!(moved[0].2 == 0 && moved[1].2 > 500, "{moved:?}");
}

#[test]
fn a_variant_reaches_names_with_dots() {
    let summary = run_json("variant", &["--variant", "more"]);
    let more = services(&summary);
    assert!(more[1].1 == 4 && more[1].2 > 500 && more[0].2 == 0, "{more:?}");
    // `check` validates every variant, `unquoted` included, and says how to fix that one.
    let file = scenario_file("variant");
    let (code, _, err) = faultline(&["check", &file]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(":26:29: `services` has no `api`"), "{err}");
    assert!(
        err.contains(r#"names holding a `.` are quoted: `services."api.v2".workers`"#),
        "{err}"
    );
}

#[test]
fn a_variants_entries_apply_in_the_order_written() {
    // `retries` sets `retry.max_attempts` to 5, then the whole `retry` to 3 attempts.
    let file = scenario_file("retries");
    let text = std::fs::read_to_string(&file).unwrap();
    let overrides = faultline_scenario::Overrides { variant: Some("retries".into()), sets: vec![] };
    let scenario = faultline_scenario::load(&file, &text, &overrides).expect("loads");
    let retry = scenario.world.clients[0].call.retry.as_ref().expect("a retry policy");
    assert_eq!(retry.max_attempts, 3);
    // `--set` comes after the variant; its problems name the quoted path.
    let set = r#"clients."web.eu".retry.max_attempts=0"#;
    let (code, _, err) =
        faultline(&["run", &file, "--no-report", "--variant", "retries", "--set", set]);
    assert_eq!(code, 2);
    assert!(err.contains(r#"`clients."web.eu".retry.max_attempts` is 0"#), "{err}");
}

#[test]
fn bad_quoted_paths_name_the_argument_and_the_column() {
    let file = scenario_file("bad");
    for (arg, says) in [
        (r#"services."api.v2.workers=4"#, "not closed"),
        (r#"services."api.v2"x.workers=4"#, "column 18"),
        (r#"services."api\v2".workers=4"#, "not an escape"),
        (
            "services.api.v2.workers=4",
            r#"names holding a `.` are quoted: `services."api.v2".workers`"#,
        ),
        (r#"services."api.v3".workers=4"#, r#"did you mean `"api.v2"`?"#),
    ] {
        let (code, _, err) = faultline(&["run", &file, "--no-report", "--set", arg]);
        assert_eq!(code, 2, "{arg}: {err}");
        assert!(err.starts_with(&format!("--set {arg}: ")), "{arg}: {err}");
        assert!(err.contains(says), "{arg}: {err}");
    }
}
