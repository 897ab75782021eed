//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Faultline: run distributed-systems failures, understand them, prove the fix.
#[derive(Debug, Parser)]
#[command(name = "faultline", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one scenario and judge its invariants.
    Run(RunArgs),
    /// Validate scenario files (and all their variants) without running them.
    Check(CheckArgs),
    /// Show the catalogue: each scenario's name, variants and lesson.
    List(ListArgs),
    /// Check whether a history file (one Jepsen-style EDN map per line) is linearizable.
    History(HistoryArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file (RON).
    pub file: PathBuf,
    /// Seed of the run; defaults to the scenario's `seed`.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Apply one of the scenario's named variants.
    #[arg(long)]
    pub variant: Option<String>,
    /// Change a value before running: `--set services.db.workers=16` (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Where report folders go.
    #[arg(long, default_value = "reports")]
    pub out: PathBuf,
    /// Do not write a report folder.
    #[arg(long)]
    pub no_report: bool,
    /// Replace an existing report folder of the same run instead of writing a new one.
    #[arg(long)]
    pub force: bool,
    /// Run once per value of a parameter and report each point: `PATH=A..B[:STEP]` or
    /// `PATH=a,b,c`, e.g. `--vary services.consumer.workers=1..32:4`.
    #[arg(long, value_name = "PATH=RANGE")]
    pub vary: Option<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario files to validate.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryModel {
    /// `read` and `write`.
    Register,
    /// `read`, `write` and `cas` (`:value [old new]`).
    CasRegister,
    /// Per `:key`: `get`, `put` and `append`.
    Kv,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The history: one EDN map per line with `:process`, `:type`, `:f`, `:value` and
    /// optionally `:key`.
    pub file: PathBuf,
    /// What the operations act on.
    #[arg(long, value_enum, default_value_t = HistoryModel::CasRegister)]
    pub model: HistoryModel,
    /// Give up (exit 2, never "linearizable") after this many search states per key.
    #[arg(long, default_value_t = 10_000_000)]
    pub max_states: u64,
    /// Give up (exit 2) after this long, e.g. `30s`.
    #[arg(long, value_parser = parse_timeout)]
    pub timeout: Option<std::time::Duration>,
}

/// `30s`, `500ms`, `2min`: the checker's time limit.
fn parse_timeout(text: &str) -> Result<std::time::Duration, String> {
    let d = faultline_scenario::parse_duration(text)?;
    Ok(std::time::Duration::from_nanos(d.as_nanos()))
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Folder of scenario files.
    #[arg(default_value = "scenarios")]
    pub dir: PathBuf,
}
