//! `faultline shrink`: from a run that violates an invariant, a smaller scenario that still
//! violates it on the same seed, written as a new scenario file that `run` reproduces. Exit 0
//! once written (also when nothing smaller was found), 2 for bad input or nothing to shrink.
//!
//! Candidates of one batch run on rayon's pool; the search takes the first, in its own order,
//! that still violates, so the file written never depends on the number of threads.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use faultline_check::Verdict;
use faultline_engine::SimTime;
use faultline_scenario::shrink::{self, Change, Focused, Shrunk};
use faultline_scenario::{Overrides, did_you_mean, load};
use rayon::prelude::*;

use crate::args::ShrinkArgs;
use crate::run::{Loaded, load_scenario, read_scenario_text};
use crate::{EXIT_INVALID, EXIT_OK};

pub fn shrink(args: &ShrinkArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8> {
    let Some(Loaded { name, text, overrides, scenario }) =
        load_scenario(&args.file, &args.variant, &args.sets, err)?
    else {
        return Ok(EXIT_INVALID);
    };
    let seed = args.seed.unwrap_or(scenario.seed);
    let target = args.out.clone().unwrap_or_else(|| default_out(args, seed));
    if target.exists() && !args.force {
        writeln!(
            err,
            "{}: the file exists; choose another --out, or add --force to replace it",
            target.display()
        )?;
        return Ok(EXIT_INVALID);
    }
    let verdicts = match scenario.run(seed) {
        Ok(outcome) => outcome.verdicts,
        Err(limit) => {
            writeln!(err, "{name}: the run stopped: {limit}; shrink needs a run that ends")?;
            return Ok(EXIT_INVALID);
        }
    };
    let chosen = match choose(&verdicts, args.invariant.as_deref(), seed) {
        Ok(index) => index,
        Err(message) => {
            writeln!(err, "{name}: {message}")?;
            return Ok(EXIT_INVALID);
        }
    };
    let invariant = verdicts[chosen].name;
    let lesson = lesson(&name, args, seed, invariant);
    let shrunk_name = format!("{}-shrunk", scenario.name);
    let focused = match shrink::focus(&name, &text, &overrides, chosen, seed, &shrunk_name, &lesson)
    {
        Ok(focused) => focused,
        Err(e) => {
            writeln!(err, "{e}")?;
            return Ok(EXIT_INVALID);
        }
    };
    let judge = |text: &String| violated_at(text, seed, invariant);
    let Some(first_at) = judge(&focused.text) else {
        writeln!(
            err,
            "{name}: {invariant} no longer broke once the file was focused on it; this is a bug"
        )?;
        return Ok(EXIT_INVALID);
    };
    let shrunk = shrink::search(&focused.text, first_at, args.budget, |batch| {
        batch.par_iter().map(judge).collect()
    });
    write_new(&target, &shrunk.text, args.force)?;
    let check = verify(&target, seed, invariant)?;
    let summary =
        Summary { name: &name, args, seed, verdict: &verdicts[chosen], focused: &focused };
    out.write_all(summary.render(&shrunk, &target, &check).as_bytes())?;
    out.flush()?;
    Ok(EXIT_OK)
}

/// The verdict to shrink for: the first violated, or the first violated of those named.
fn choose(verdicts: &[Verdict], name: Option<&str>, seed: u64) -> Result<usize, String> {
    let Some(name) = name else {
        return verdicts
            .iter()
            .position(|v| !v.holds)
            .ok_or_else(|| format!("nothing to shrink: every invariant held on seed {seed}"));
    };
    if !verdicts.iter().any(|v| v.name == name) {
        let mut names: Vec<&str> = verdicts.iter().map(|v| v.name).collect();
        names.dedup();
        let help = did_you_mean(name, names.iter().copied())
            .unwrap_or_else(|| format!("its invariants are {}", names.join(", ")));
        return Err(format!("the scenario has no invariant `{name}`; {help}"));
    }
    verdicts
        .iter()
        .position(|v| v.name == name && !v.holds)
        .ok_or_else(|| format!("nothing to shrink: {name} held on seed {seed}"))
}

/// When `invariant` first broke in a run of `text` with `seed`; `None` when it held, or the
/// text did not load, or the run stopped at a limit (a different failure).
fn violated_at(text: &str, seed: u64, invariant: &str) -> Option<SimTime> {
    let scenario = load("candidate", text, &Overrides::default()).ok()?;
    let outcome = scenario.run(seed).ok()?;
    first_violation(&outcome.verdicts, invariant)
}

/// The earliest violation of `invariant` among the verdicts (one per instance, for some).
fn first_violation(verdicts: &[Verdict], invariant: &str) -> Option<SimTime> {
    verdicts
        .iter()
        .filter(|v| v.name == invariant)
        .filter_map(|v| v.violation.as_ref().map(|x| x.at))
        .min()
}

/// `retry-storm-naive-shrunk-seed1.ron` in the current folder.
fn default_out(args: &ShrinkArgs, seed: u64) -> PathBuf {
    let stem = args.file.file_stem().map_or("scenario".into(), |s| s.to_string_lossy());
    let variant = args.variant.as_deref().map(|v| format!("-{v}")).unwrap_or_default();
    PathBuf::from(format!("{stem}{variant}-shrunk-seed{seed}.ron"))
}

/// The lesson of the file written: where it came from.
fn lesson(file: &str, args: &ShrinkArgs, seed: u64, invariant: &str) -> String {
    let variant = args.variant.as_deref().map(|v| format!(" variant {v}")).unwrap_or_default();
    let sets: String = args.sets.iter().map(|s| format!(" --set {s}")).collect();
    format!(
        "Shrunk by faultline shrink from {file}{variant}{sets} on seed {seed}: the smallest \
         scenario it found in which {invariant} is still violated."
    )
}

/// Writes `text` to `path` through a temporary file beside it renamed into place, so a reader
/// never sees half a file; an existing file is kept unless `force`.
fn write_new(path: &Path, text: &str, force: bool) -> Result<()> {
    let name = path.file_name().map_or("shrunk".into(), |n| n.to_string_lossy());
    let staging = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&staging, text).with_context(|| format!("writing {}", staging.display()))?;
    if path.exists() && !force {
        let _ = std::fs::remove_file(&staging);
        anyhow::bail!("{} appeared while shrinking; add --force to replace it", path.display());
    }
    std::fs::rename(&staging, path)
        .with_context(|| format!("moving it into place at {}", path.display()))
}

/// The verdict of `faultline run PATH --seed N` on the file as written, for the last lines.
fn verify(path: &Path, seed: u64, invariant: &str) -> Result<Option<String>> {
    let (name, text) = read_scenario_text(path)?;
    let Ok(scenario) = load(&name, &text, &Overrides::default()) else { return Ok(None) };
    let Ok(outcome) = scenario.run(seed) else { return Ok(None) };
    Ok(outcome
        .verdicts
        .iter()
        .filter(|v| v.name == invariant)
        .filter_map(|v| v.violation.as_ref())
        .min_by_key(|x| x.at)
        .map(|x| format!("{invariant} violated, first at {}: {}", x.at, x.detail)))
}

/// What the command prints.
struct Summary<'a> {
    name: &'a str,
    args: &'a ShrinkArgs,
    seed: u64,
    verdict: &'a Verdict,
    focused: &'a Focused,
}

impl Summary<'_> {
    fn render(&self, shrunk: &Shrunk, target: &Path, check: &Option<String>) -> String {
        let mut s = String::new();
        let variant =
            self.args.variant.as_deref().map(|v| format!(" · variant {v}")).unwrap_or_default();
        s += &format!("shrink     {}{variant} · seed {}\n", self.name, self.seed);
        s += &format!("invariant  {}  {}\n", self.verdict.name, self.verdict.description);
        if let Some(v) = &self.verdict.violation {
            s += &format!("           first at {}: {}\n", v.at, v.detail);
        }
        s += &format!(
            "searched   {} candidate runs (budget {}), {} kept\n",
            shrunk.runs, self.args.budget, shrunk.kept
        );
        s += "removed or reduced\n";
        for (subject, what) in
            self.focus_lines().into_iter().chain(shrunk.changes.iter().map(change_line))
        {
            s += &format!("  {subject:<28} {what}\n");
        }
        if shrunk.changes.is_empty() {
            s += &format!(
                "already minimal: no smaller scenario still violates {} on seed {}\n",
                self.verdict.name, self.seed
            );
        }
        if shrunk.out_of_budget {
            s += &format!(
                "the budget of {} runs ran out before the search was done; a larger --budget may shrink further\n",
                self.args.budget
            );
        }
        s += &format!("wrote      {}\n", target.display());
        match check {
            Some(line) => s += &format!("checked    {line}\n"),
            None => {
                s += &format!(
                    "checked    the file written no longer violates {}: this is a bug\n",
                    self.verdict.name
                )
            }
        }
        s += &format!("reproduce  faultline run {} --seed {}\n", target.display(), self.seed);
        s
    }

    /// What focusing removed: the other invariants and the variants.
    fn focus_lines(&self) -> Vec<(String, String)> {
        let mut lines = Vec::new();
        if !self.focused.removed_invariants.is_empty() {
            let removed = self.focused.removed_invariants.join(", ");
            lines.push((
                "invariants".into(),
                format!("removed {removed}; kept {}", self.focused.invariant),
            ));
        }
        if !self.focused.removed_variants.is_empty() {
            let applied = match &self.args.variant {
                Some(v) => format!("`{v}` applied; "),
                None => String::new(),
            };
            let removed = self.focused.removed_variants.join(", ");
            lines.push(("variants".into(), format!("{applied}removed {removed}")));
        }
        if !self.args.sets.is_empty() {
            lines.push(("--set".into(), format!("applied {}", self.args.sets.join(", "))));
        }
        lines
    }
}

fn change_line(change: &Change) -> (String, String) {
    let what = match &change.to {
        Some(to) => format!("{} → {to}", change.from),
        None => format!("removed {}", change.from),
    };
    (change.subject.clone(), what)
}
