//! The sweep's progress bar is for a person at a terminal: the real binary, its standard error
//! piped, writes nothing there; under a pseudo-terminal (`script`, where installed) it draws.

use std::path::PathBuf;
use std::process::Command;

fn scenario() -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    root.join("async-pool-exhaustion.ron").display().to_string()
}

const ARGS: [&str; 5] = ["sweep", "--variant", "fixed", "--seeds", "1..30"];

#[test]
fn piped_stderr_gets_no_progress_bar() {
    let output = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .arg(ARGS[0])
        .arg(scenario())
        .args(&ARGS[1..])
        .output()
        .expect("the binary runs");
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("seeds 1..30 (30 runs)"), "{stdout}");
    assert!(stderr.is_empty(), "stderr: {:?}", String::from_utf8_lossy(&stderr));
}

#[test]
fn a_terminal_gets_a_progress_bar() {
    // `script` runs the command under a pseudo-terminal and copies what it drew.
    let command = format!("{} {} {}", env!("CARGO_BIN_EXE_faultline"), ARGS[0], scenario());
    let command = format!("{command} {}", ARGS[1..].join(" "));
    let Ok(output) = Command::new("script").args(["-qec", &command, "/dev/null"]).output() else {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    };
    let drawn = String::from_utf8_lossy(&output.stdout);
    assert!(drawn.contains("/30 seeds · 0 violating · ETA"), "{drawn}");
    // The report follows the cleared bar.
    assert!(drawn.contains("seeds 1..30 (30 runs)"), "{drawn}");
}
