//! `faultline history FILE`: Jepsen-style EDN histories checked for linearizability, with the
//! exit codes scripts rely on (0 linearizable, 1 not, 2 bad input or gave up).

/// Runs `faultline history` on `text` written to a file; returns exit code, stdout, stderr.
fn history(name: &str, text: &str, args: &[&str]) -> (u8, String, String) {
    let dir = std::env::temp_dir().join(format!("faultline-history-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write history");
    let mut argv: Vec<std::ffi::OsString> = vec!["faultline".into(), "history".into()];
    argv.push(path.into_os_string());
    argv.extend(args.iter().map(Into::into));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = faultline_cli::main_with(argv, &mut out, &mut err);
    (code, String::from_utf8_lossy(&out).into(), String::from_utf8_lossy(&err).into())
}

/// Process 0 writes 1; process 1 then reads 1; process 2's write of 2 times out and a later
/// read sees it (an unknown write may have happened).
const GOOD: &str = r#"{:process 0, :type :invoke, :f :write, :value 1}
{:process 0, :type :ok, :f :write, :value 1}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value 1}
{:process 2, :type :invoke, :f :write, :value 2}
{:process 2, :type :info, :f :write, :value 2}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value 2}
"#;

#[test]
fn a_linearizable_history_exits_0() {
    let (code, out, err) = history("good.edn", GOOD, &["--model", "register"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("linearizable (4 operations)"), "{out}");
}

/// The read completes after the write of 1 completed, yet sees nil: a stale read.
#[test]
fn a_stale_read_exits_1_naming_the_operations() {
    let stale = r#"{:process 0, :type :invoke, :f :write, :value 1}
{:process 0, :type :ok, :f :write, :value 1}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value nil}
"#;
    let (code, out, err) = history("stale.edn", stale, &["--model", "register"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("not linearizable"), "{out}");
    assert!(
        out.contains("line 3") && out.contains("line 1"),
        "names the read and the write: {out}"
    );
}

#[test]
fn bad_input_exits_2_with_its_line() {
    let truncated = "{:process 0, :type :invoke, :f :write, :value 1}\n{:process 0, :type :ok";
    let (code, _, err) = history("truncated.edn", truncated, &[]);
    assert_eq!(code, 2);
    assert!(err.contains("truncated.edn: line 2"), "{err}");
    let unknown_f = "{:process 0, :type :invoke, :f :frobnicate, :value 1}\n";
    let (code, _, err) = history("unknown.edn", unknown_f, &[]);
    assert_eq!(code, 2);
    assert!(err.contains("line 1") && err.contains("frobnicate"), "{err}");
}

/// A checker that runs out of states says so and exits 2: never "linearizable".
#[test]
fn a_checker_that_gives_up_exits_2() {
    let (code, out, err) =
        history("good2.edn", GOOD, &["--model", "register", "--max-states", "1"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("gave up"), "{err}");
    assert!(!out.contains("linearizable"), "{out}");
}

/// Runs `faultline` with `args`; returns exit code, stdout, stderr.
fn faultline(args: &[&str]) -> (u8, String, String) {
    let mut argv: Vec<std::ffi::OsString> = vec!["faultline".into()];
    argv.extend(args.iter().map(Into::into));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = faultline_cli::main_with(argv, &mut out, &mut err);
    (code, String::from_utf8_lossy(&out).into(), String::from_utf8_lossy(&err).into())
}

/// A simulated run's `--history` file is a history `faultline history` reads, and gives the
/// verdict the run's own invariant gave: not linearizable for the split brain, linearizable
/// with quorum. An existing file is never replaced without `--force`.
#[test]
fn a_run_writes_its_register_history_for_the_history_command() {
    let scenario = faultline_tests::workspace_root().join("scenarios/partition-split-brain.ron");
    let scenario = scenario.to_str().expect("utf-8 path");
    let dir = std::env::temp_dir().join(format!("faultline-run-history-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for (variant, run_code, verdict) in [("naive", 1, 1), ("fixed", 0, 0)] {
        let file = dir.join(format!("{variant}.edn"));
        let _ = std::fs::remove_file(&file);
        let file = file.to_str().expect("utf-8 path").to_string();
        let args = ["run", scenario, "--variant", variant, "--no-report", "--history", &file];
        let (code, out, err) = faultline(&args);
        assert_eq!(code, run_code, "{variant}: {out}{err}");
        let text = std::fs::read_to_string(&file).expect("the history was written");
        assert!(text.lines().count() > 1000, "{variant}: {} lines", text.lines().count());
        let (code, out, err) = faultline(&["history", &file, "--model", "register"]);
        assert_eq!(code, verdict, "{variant}: {out}{err}");
        let (code, _, err) = faultline(&args);
        assert_eq!(code, 2, "{variant}: an existing history is kept");
        assert!(err.contains("the file exists") && err.contains("--force"), "{err}");
    }
    let (code, _, err) = faultline(&[
        "run",
        &scenario.replace("partition-split-brain", "mm1"),
        "--no-report",
        "--history",
        "x.edn",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("the scenario has no register"), "{err}");
}
