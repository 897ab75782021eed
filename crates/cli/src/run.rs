//! `faultline run`: one scenario, one seed; summary, verdicts, report and the reproduce command.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use faultline_report::{Series, Summary, p99_sparkline_of, render_text_with_trend, write_report};
use faultline_scenario::{Overrides, load};

use crate::args::{Format, RunArgs};
use crate::{EXIT_INVALID, EXIT_OK, EXIT_VIOLATED};

/// Reads a scenario file; returns the name to use in messages and its text.
pub fn read_scenario_text(path: &Path) -> Result<(String, String)> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read scenario file {}", path.display()))?;
    Ok((path.display().to_string(), text))
}

pub fn run(args: &RunArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8> {
    let (name, text) = read_scenario_text(&args.file)?;
    let overrides = Overrides { variant: args.variant.clone(), sets: args.sets.clone() };
    let scenario = match load(&name, &text, &overrides) {
        Ok(s) => s,
        Err(e) => {
            writeln!(err, "{e}")?;
            return Ok(EXIT_INVALID);
        }
    };
    let seed = args.seed.unwrap_or(scenario.seed);
    let started = Instant::now();
    let outcome = match scenario.run(seed) {
        Ok(outcome) => outcome,
        Err(limit) => {
            writeln!(err, "{name}: the run stopped: {limit}")?;
            writeln!(err, "reproduce: {}", reproduce_command(args, seed))?;
            return Ok(EXIT_INVALID);
        }
    };
    let wall = started.elapsed().as_secs_f64();
    let summary = Summary::new(&scenario, &outcome, wall, reproduce_command(args, seed));
    let report = if args.no_report {
        None
    } else {
        let series = Series::new(&scenario, &outcome.metrics);
        let folder = write_report(&args.out, &summary, &series, args.force);
        Some(folder.context("writing the report")?)
    };
    match args.format {
        Format::Json => out.write_all(summary.to_json().as_bytes())?,
        Format::Text => {
            print_lesson(out, &scenario.lesson)?;
            let report = report.as_ref().map(|p| p.join("index.html").display().to_string());
            let trend = p99_sparkline_of(&outcome.metrics);
            let text = render_text_with_trend(&summary, trend.as_deref(), report.as_deref());
            out.write_all(text.as_bytes())?;
        }
    }
    out.flush()?;
    Ok(if outcome.all_hold() { EXIT_OK } else { EXIT_VIOLATED })
}

fn print_lesson(out: &mut dyn Write, lesson: &str) -> std::io::Result<()> {
    let lesson = lesson.trim();
    if lesson.is_empty() {
        return Ok(());
    }
    for line in lesson.lines() {
        writeln!(out, "│ {}", line.trim())?;
    }
    writeln!(out)
}

/// The one command that replays this run exactly.
fn reproduce_command(args: &RunArgs, seed: u64) -> String {
    let mut parts = vec![
        "faultline".to_string(),
        "run".to_string(),
        shell_quote(&args.file.display().to_string()),
    ];
    if let Some(variant) = &args.variant {
        parts.extend(["--variant".to_string(), shell_quote(variant)]);
    }
    for set in &args.sets {
        parts.extend(["--set".to_string(), shell_quote(set)]);
    }
    parts.extend(["--seed".to_string(), seed.to_string()]);
    parts.join(" ")
}

/// Quotes an argument for a POSIX shell when it holds anything but safe characters.
fn shell_quote(arg: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c);
    if !arg.is_empty() && arg.chars().all(safe) {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_needs_quoting() {
        assert_eq!(shell_quote("scenarios/mm1.ron"), "scenarios/mm1.ron");
        assert_eq!(shell_quote("clients.web.rate=300/s"), "clients.web.rate=300/s");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
