//! The `faultline` binary as a process: exit codes, closed pipes, report folders.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn faultline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("the binary runs")
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn exit_codes_follow_the_verdicts() {
    let run = |variant: &str| {
        faultline(&["run", "scenarios/queue-growth.ron", "--variant", variant, "--no-report"])
    };
    assert_eq!(run("naive").status.code(), Some(1), "naive violates");
    assert_eq!(run("fixed").status.code(), Some(0), "fixed holds");
    let missing = faultline(&["run", "scenarios/no-such-file.ron"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no-such-file.ron"));
    assert_eq!(faultline(&["run"]).status.code(), Some(2), "usage error");
    assert_eq!(faultline(&["check", "scenarios/mm1.ron"]).status.code(), Some(0));
}

#[test]
fn a_closed_pipe_is_not_a_panic() {
    for args in [&["list", "scenarios"][..], &["run", "scenarios/mm1.ron", "--no-report"][..]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_faultline"))
            .args(args)
            .current_dir(workspace())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawns");
        drop(child.stdout.take()); // the reader goes away before anything is written
        let output = child.wait_with_output().expect("exits");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_ne!(output.status.code(), Some(101), "{args:?} panicked");
    }
}

#[test]
fn reports_are_never_overwritten_silently() {
    let out = scratch("reports-overwrite");
    let out_arg = out.display().to_string();
    let run = |extra: &[&str]| {
        let mut args =
            vec!["run", "scenarios/queue-growth.ron", "--variant", "fixed", "--seed", "3"];
        args.extend(["--out", &out_arg]);
        args.extend(extra);
        faultline(&args)
    };
    assert_eq!(run(&[]).status.code(), Some(0));
    let first = out.join("queue-growth/fixed-seed3/summary.json");
    assert!(first.is_file());
    assert!(out.join("queue-growth/fixed-seed3/series.json").is_file());
    let stamp = std::fs::read_to_string(&first).unwrap();
    let second = run(&[]);
    assert!(String::from_utf8_lossy(&second.stdout).contains("fixed-seed3-2"));
    assert!(out.join("queue-growth/fixed-seed3-2/summary.json").is_file());
    assert_eq!(std::fs::read_to_string(&first).unwrap(), stamp, "first report untouched");
    assert_eq!(run(&["--force"]).status.code(), Some(0));
    assert!(!out.join("queue-growth/fixed-seed3-3").exists(), "--force reuses the folder");
    let leftovers: Vec<_> = std::fs::read_dir(out.join("queue-growth"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary folders left behind: {leftovers:?}");
}

#[test]
fn the_reproduce_command_reproduces() {
    let first = faultline(&[
        "run",
        "scenarios/queue-growth.ron",
        "--variant",
        "naive",
        "--set",
        "duration=120s",
        "--seed",
        "11",
        "--no-report",
        "--format",
        "json",
    ]);
    let summary: String = String::from_utf8_lossy(&first.stdout).into();
    let reproduce = summary
        .lines()
        .find_map(|l| l.trim().strip_prefix("\"reproduce\": \""))
        .expect("the summary has a reproduce command")
        .trim_end_matches(['"', ',']);
    let words: Vec<&str> = reproduce.split(' ').collect();
    assert_eq!(&words[..2], ["faultline", "run"]);
    let mut args: Vec<&str> = words[1..].to_vec();
    args.extend(["--no-report", "--format", "json"]);
    let again = faultline(&args);
    let hash = |o: &Output| {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .find(|l| l.contains("trace_hash"))
            .map(str::to_string)
    };
    assert!(hash(&first).is_some());
    assert_eq!(hash(&first), hash(&again));
}
