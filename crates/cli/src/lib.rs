//! The `faultline` command line, as a library so that tests drive it without a process.
//!
//! Exit codes: 0 every invariant holds, 1 an invariant was violated, 2 the scenario or the
//! command is invalid (or the run hit a limit). Output goes through the writers it is given;
//! a closed pipe ends the command quietly instead of panicking.

mod args;
mod check;
mod compare;
mod export;
mod history;
mod list;
mod merge;
mod progress;
mod replay;
mod run;
mod shrink;
mod sweep;
mod vary;

use std::ffi::OsString;
use std::io::{self, Write};

use clap::Parser;

pub use args::{Cli, Command, Format};

/// Exit code: every invariant held.
pub const EXIT_OK: u8 = 0;
/// Exit code: an invariant was violated.
pub const EXIT_VIOLATED: u8 = 1;
/// Exit code: invalid scenario, invalid usage, or a run stopped at a limit.
pub const EXIT_INVALID: u8 = 2;

/// Parses `args` and runs the command, writing to `out` and `err`. Returns the exit code.
/// Never draws a progress bar: that is for a terminal, see [`main_on_terminal`].
pub fn main_with(
    args: impl IntoIterator<Item = OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    main_on_terminal(args, out, err, false)
}

/// As [`main_with`]; with `progress`, long commands (`sweep`) draw a progress bar on the
/// process's standard error, which the caller has found to be a terminal.
pub fn main_on_terminal(
    args: impl IntoIterator<Item = OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
    progress: bool,
) -> u8 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = write!(err, "{}", e.render().ansi());
            return if e.use_stderr() { EXIT_INVALID } else { EXIT_OK };
        }
    };
    let result = match &cli.command {
        Command::Run(args) if args.vary.is_some() => vary::vary(args, out, err),
        Command::Run(args) => run::run(args, out, err),
        Command::Sweep(args) => sweep::sweep(args, out, err, progress),
        Command::Merge(args) => merge::merge(args, out, err),
        Command::Replay(args) => replay::replay(args, out, err),
        Command::Compare(args) => compare::compare(args, out, err, progress),
        Command::Check(args) => check::check(args, out, err),
        Command::List(args) => list::list(args, out, err),
        Command::History(args) => history::history(args, out, err),
        Command::Shrink(args) => shrink::shrink(args, out, err),
    };
    match result {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => EXIT_OK,
        Err(e) => {
            let _ = writeln!(err, "error: {e:#}");
            EXIT_INVALID
        }
    }
}

/// True when the reader of our output went away (`faultline list | head`).
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}
