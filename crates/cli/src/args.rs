//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use faultline_engine::SimTime;
use faultline_report::sweep::{SeedRange, ShardOf};

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
    /// Run one scenario over a range of seeds, in parallel, and report per invariant.
    Sweep(SweepArgs),
    /// Combine the shard files of one sweep into exactly the report of the whole sweep.
    Merge(MergeArgs),
    /// Run a scenario twice with one seed and compare the runs event by event.
    Replay(ReplayArgs),
    /// Run variants of a scenario on the same seeds and set their figures side by side.
    Compare(CompareArgs),
    /// Check whether a history file (one Jepsen-style EDN map per line) is linearizable.
    History(HistoryArgs),
    /// From a run that violates an invariant, find a smaller scenario that still violates it
    /// on the same seed, and write it as a new scenario file.
    Shrink(ShrinkArgs),
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
    /// Replace an existing report folder of the same run instead of writing a new one (and
    /// existing files named by `--history`, `--trace` or `--events`).
    #[arg(long)]
    pub force: bool,
    /// Run once per value of a parameter and report each point: `PATH=A..B[:STEP]` or
    /// `PATH=a,b,c`, e.g. `--vary services.consumer.workers=1..32:4`.
    #[arg(long, value_name = "PATH=RANGE")]
    pub vary: Option<String>,
    /// After the summary, explain each violated invariant: the request or operation involved,
    /// step by step, the faults, breaker and leader changes before it, and what it compared
    /// (also on the report page and in the JSON).
    #[arg(long)]
    pub explain: bool,
    /// Write the run's register history to FILE as Jepsen-style EDN (one map per line), for
    /// `faultline history` or any Jepsen tool. Never replaces an existing file unless `--force`.
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// Write the run's events to FILE as Chrome trace-event JSON (open it in ui.perfetto.dev or
    /// chrome://tracing). Never replaces an existing file unless `--force`.
    #[arg(long, value_name = "FILE", conflicts_with = "vary")]
    pub trace: Option<PathBuf>,
    /// Write the run's events to FILE as JSON lines (one object per event, `t` in seconds of
    /// simulated time), for scripts and `jq`. Never replaces an existing file unless `--force`.
    #[arg(long, value_name = "FILE", conflicts_with = "vary")]
    pub events: Option<PathBuf>,
    /// Export only what happens in this stretch of simulated time, e.g. `60s..90s` (spans that
    /// overlap it are kept whole).
    #[arg(long, value_name = "A..B", value_parser = parse_window)]
    pub trace_window: Option<(SimTime, SimTime)>,
    /// Export one client request in N (chosen by request id, with all its spans) and one change
    /// in N of each queue's depth; faults, breakers and leaders are all kept.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub trace_sample: Option<u64>,
}

/// `60s..90s`: a stretch of simulated time, both ends included.
fn parse_window(text: &str) -> Result<(SimTime, SimTime), String> {
    let (from, until) = text.split_once("..").ok_or("write the window as A..B, e.g. `60s..90s`")?;
    let at = |s: &str| faultline_scenario::parse_duration(s.trim()).map(|d| SimTime::ZERO + d);
    let (from, until) = (at(from)?, at(until)?);
    if until < from {
        return Err("the window ends before it begins; write the earlier time first".into());
    }
    Ok((from, until))
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The scenario file (RON).
    pub file: PathBuf,
    /// Apply one of the scenario's named variants.
    #[arg(long)]
    pub variant: Option<String>,
    /// Change a value before running: `--set services.db.workers=16` (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// The seeds, both ends included: `1..1000` is a thousand runs.
    #[arg(long, value_name = "A..B", value_parser = parse_seeds)]
    pub seeds: SeedRange,
    /// Run only the K-th of N contiguous slices of the seeds and write a shard file (JSON) to
    /// standard output, for `faultline merge`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<ShardOf>,
    /// Output format (the report; a shard is always JSON).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The scenario file (RON).
    pub file: PathBuf,
    /// The variants to compare, the baseline first: `--variants naive,fixed`. Defaults to
    /// `naive,fixed` when the scenario has both, else every variant in the file.
    #[arg(long, value_delimiter = ',', value_name = "A,B,...")]
    pub variants: Vec<String>,
    /// The seeds every variant runs, both ends included; defaults to the scenario's seed.
    #[arg(long, value_name = "A..B", value_parser = parse_seeds)]
    pub seeds: Option<SeedRange>,
    /// Change a value in every variant before running: `--set services.db.workers=16`.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Where report folders go.
    #[arg(long, default_value = "reports")]
    pub out: PathBuf,
    /// Do not write the comparison page.
    #[arg(long)]
    pub no_report: bool,
    /// Replace an existing comparison folder of the same name instead of writing a new one.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Every shard file of one sweep, in any order.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The scenario file (RON).
    pub file: PathBuf,
    /// Seed of the runs; defaults to the scenario's `seed`.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Apply one of the scenario's named variants.
    #[arg(long)]
    pub variant: Option<String>,
    /// Change a value before running: `--set services.db.workers=16` (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ShrinkArgs {
    /// The scenario file (RON).
    pub file: PathBuf,
    /// Seed of the failing run; defaults to the scenario's `seed`.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Apply one of the scenario's named variants (the file written has it applied).
    #[arg(long)]
    pub variant: Option<String>,
    /// Change a value before running: `--set services.db.workers=16` (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// The invariant to keep violated (its name, e.g. `GoodputRecovers`); defaults to the
    /// first one violated.
    #[arg(long, value_name = "NAME")]
    pub invariant: Option<String>,
    /// Where to write the smaller scenario; defaults to `<file>[-<variant>]-shrunk-seed<N>.ron`
    /// in the current folder.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Run at most this many candidate scenarios.
    #[arg(long, value_name = "RUNS", default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..))]
    pub budget: u32,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// `1..1000`: both ends included, the smaller first.
fn parse_seeds(text: &str) -> Result<SeedRange, String> {
    let (first, last) =
        text.split_once("..").ok_or("write the seeds as A..B, e.g. `1..1000` (both included)")?;
    let number = |s: &str| {
        s.trim().parse::<u64>().map_err(|_| format!("`{s}` is not a seed (a whole number ≥ 0)"))
    };
    let (first, last) = (number(first)?, number(last)?);
    if last < first {
        return Err(format!("the range {first}..{last} is empty; write the smaller seed first"));
    }
    if first == 0 && last == u64::MAX {
        return Err("that is 2^64 seeds; sweep fewer".into());
    }
    Ok(SeedRange { first, last })
}

/// `2/3`: the second of three shards.
fn parse_shard(text: &str) -> Result<ShardOf, String> {
    let usage = "write the shard as K/N with 1 ≤ K ≤ N, e.g. `2/3`";
    let (k, n) = text.split_once('/').ok_or(usage)?;
    let (Ok(index), Ok(count)) = (k.trim().parse::<u64>(), n.trim().parse::<u64>()) else {
        return Err(usage.into());
    };
    if index == 0 || index > count || count > 1_000_000 {
        return Err(format!("{usage} (and N at most 1,000,000)"));
    }
    Ok(ShardOf { index, count })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_and_shards_parse_or_say_why() {
        assert_eq!(parse_seeds("1..1000"), Ok(SeedRange { first: 1, last: 1000 }));
        assert_eq!(parse_seeds(" 7 .. 7"), Ok(SeedRange { first: 7, last: 7 }));
        for bad in ["1-10", "10..1", "a..b", "0..18446744073709551615", "..5"] {
            assert!(parse_seeds(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_shard("2/3"), Ok(ShardOf { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_trace_window_parses_or_says_why() {
        let at = |s| SimTime::ZERO + faultline_engine::SimDuration::from_secs(s);
        assert_eq!(parse_window("60s..90s"), Ok((at(60), at(90))));
        assert_eq!(parse_window("1min .. 1min"), Ok((at(60), at(60))));
        for bad in ["60s-90s", "90s..60s", "60..90s", "..5s"] {
            assert!(parse_window(bad).is_err(), "{bad}");
        }
    }
}
