//! `faultline run`: one scenario, one seed; summary, verdicts, report and the reproduce command.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use faultline_report::trace::Recorder;
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

/// A scenario file read and validated, with the variant and `--set`s that were applied.
pub struct Loaded {
    /// The file's name, for messages.
    pub name: String,
    pub text: String,
    pub overrides: Overrides,
    pub scenario: faultline_scenario::Scenario,
}

/// Reads and validates the scenario at `path` with `variant` and `sets` applied. When it is
/// invalid, writes every problem to `err` and gives `None`: the command exits 2.
pub fn load_scenario(
    path: &Path,
    variant: &Option<String>,
    sets: &[String],
    err: &mut dyn Write,
) -> Result<Option<Loaded>> {
    let (name, text) = read_scenario_text(path)?;
    let overrides = Overrides { variant: variant.clone(), sets: sets.to_vec() };
    match load(&name, &text, &overrides) {
        Ok(scenario) => Ok(Some(Loaded { name, text, overrides, scenario })),
        Err(e) => {
            writeln!(err, "{e}")?;
            Ok(None)
        }
    }
}

pub fn run(args: &RunArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8> {
    let Some(Loaded { name, scenario, .. }) =
        load_scenario(&args.file, &args.variant, &args.sets, err)?
    else {
        return Ok(EXIT_INVALID);
    };
    let seed = args.seed.unwrap_or(scenario.seed);
    if let Some(path) = &args.history {
        if !scenario.world.has_registers() {
            writeln!(
                err,
                "--history {}: the scenario has no register (no handler has a `Register` step), so there is no history to write",
                path.display()
            )?;
            return Ok(EXIT_INVALID);
        }
        if path.exists() && !args.force {
            writeln!(
                err,
                "--history {}: the file exists; choose another name, or add --force to replace it",
                path.display()
            )?;
            return Ok(EXIT_INVALID);
        }
    }
    let export = match crate::export::request(args) {
        Ok(export) => export,
        Err(why) => {
            writeln!(err, "{why}")?;
            return Ok(EXIT_INVALID);
        }
    };
    let started = Instant::now();
    // Only an exporting run carries the recorder: any other is watched by the monitor alone.
    let ran = match &export {
        None => scenario.run(seed).map(|outcome| (outcome, None)),
        Some(export) => scenario
            .run_watched(seed, Recorder::new(export.options))
            .map(|(outcome, recorder)| (outcome, Some(recorder))),
    };
    let (outcome, recorder) = match ran {
        Ok(ran) => ran,
        Err(limit) => {
            writeln!(err, "{name}: the run stopped: {limit}")?;
            writeln!(err, "reproduce: {}", reproduce_command(args, seed))?;
            return Ok(EXIT_INVALID);
        }
    };
    let wall = started.elapsed().as_secs_f64();
    if let Some(path) = &args.history {
        write_history(path, &outcome.metrics.registers)?;
    }
    if let (Some(request), Some(recorder)) = (&export, recorder) {
        let events = faultline_report::trace::export(&scenario, &outcome.metrics, recorder);
        crate::export::write(request, &events, err)?;
    }
    let mut summary = Summary::new(&scenario, &outcome, wall, reproduce_command(args, seed));
    if args.explain && !outcome.all_hold() {
        summary.explanation = Some(explanation(&scenario, &outcome, seed)?);
    }
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

/// Why each invariant failed: the run again on the same seed, watching the requests the
/// violations name.
fn explanation(
    scenario: &faultline_scenario::Scenario,
    outcome: &faultline_scenario::Outcome,
    seed: u64,
) -> Result<String> {
    let witness = faultline_report::Witness::new(outcome);
    let (again, witness) = scenario
        .run_watched(seed, witness)
        .map_err(|limit| anyhow::anyhow!("explaining: the second run stopped: {limit}"))?;
    anyhow::ensure!(
        again.stats.trace_hash == outcome.stats.trace_hash,
        "explaining: the second run of seed {seed} differed from the first (trace hash {} against {})",
        again.stats.trace_hash.hex(),
        outcome.stats.trace_hash.hex()
    );
    Ok(faultline_report::explain(scenario, outcome, &witness))
}

/// Writes the registers' histories as EDN, atomically (a temporary file renamed into place).
/// Keys are the registers' own when there is one register, `"name/key"` when there are several.
fn write_history(path: &Path, registers: &[faultline_model::RegisterHistory]) -> Result<()> {
    let namespaced = registers.len() > 1;
    let text: String =
        registers.iter().map(|h| faultline_check::history::to_edn(h, namespaced)).collect();
    let staging = path.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&staging, text)
        .with_context(|| format!("writing the history to {}", staging.display()))?;
    std::fs::rename(&staging, path)
        .with_context(|| format!("moving the history into place at {}", path.display()))
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
    let file = args.file.display().to_string();
    faultline_report::sweep::reproduce_command(&file, args.variant.as_deref(), &args.sets, seed)
}
