//! `faultline compare`: variants of one scenario on the same seeds (common random numbers), each
//! run's figures read off its summary as `run` shows them, set side by side with differences;
//! the comparison page with overlaid plots.
//!
//! Runs go on rayon's pool; results must never depend on the threads: each variant's runs are
//! folded into a tally and a list sorted by seed before anything is printed.

use std::io::Write;

use anyhow::{Context, Result};
use faultline_report::compare::{CompareReport, CompareVariant, Figures, SeedFigures};
use faultline_report::sweep::{
    SeedRange, SweepSpec, SweepTally, reproduce_command, shell_quote, text_hash,
};
use faultline_report::{Series, Summary, write_compare_report};
use faultline_scenario::{Overrides, Scenario, did_you_mean, load};
use rayon::prelude::*;

use crate::args::{CompareArgs, Format};
use crate::progress::Progress;
use crate::run::read_scenario_text;
use crate::{EXIT_INVALID, EXIT_OK};

/// The variants compared when none are named, if the scenario has both.
const DEFAULT_PAIR: [&str; 2] = ["naive", "fixed"];

pub fn compare(
    args: &CompareArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
    draw: bool,
) -> Result<u8> {
    let (file, text) = read_scenario_text(&args.file)?;
    let base = match load(&file, &text, &overrides(None, &args.sets)) {
        Ok(s) => s,
        Err(e) => {
            writeln!(err, "{e}")?;
            return Ok(EXIT_INVALID);
        }
    };
    let names = match choose_variants(&base, &args.variants) {
        Ok(names) => names,
        Err(message) => {
            writeln!(err, "{file}: {message}")?;
            return Ok(EXIT_INVALID);
        }
    };
    let mut scenarios = Vec::with_capacity(names.len());
    for name in &names {
        match load(&file, &text, &overrides(Some(name), &args.sets)) {
            Ok(s) => scenarios.push(s),
            Err(e) => {
                writeln!(err, "{e}")?;
                return Ok(EXIT_INVALID);
            }
        }
    }
    let seeds = args.seeds.unwrap_or(SeedRange { first: base.seed, last: base.seed });
    let spec = |variant: Option<&str>| SweepSpec {
        scenario: base.name.clone(),
        file: file.clone(),
        variant: variant.map(str::to_string),
        sets: args.sets.clone(),
        seeds,
        version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_hash: text_hash(&text),
    };

    let progress = Progress::new(seeds.len().saturating_mul(names.len() as u64), draw);
    let runs: Vec<VariantRuns> = scenarios
        .par_iter()
        .map(|scenario| VariantRuns::run(scenario, &spec(scenario.variant.as_deref()), &progress))
        .collect();
    progress.finish();

    let mut variants = Vec::with_capacity(runs.len());
    let mut plotted = Vec::new();
    for (scenario, runs) in scenarios.iter().zip(runs) {
        let name = scenario.variant.as_deref().unwrap_or("base");
        let description = describe(&base, name);
        let spec = spec(scenario.variant.as_deref());
        variants.push(CompareVariant::new(&spec, description, runs.tally, runs.seeds));
        if let Some(first) = runs.first {
            plotted.push((name.to_string(), first));
        }
    }
    let report = CompareReport::new(&spec(None), variants);
    let folder = if args.no_report {
        None
    } else {
        let runs: Vec<(&str, &Summary, &Series)> = plotted
            .iter()
            .map(|(name, (summary, series))| (name.as_str(), summary, series))
            .collect();
        let command = command(args, &names, seeds);
        let folder = write_compare_report(&args.out, &report, &runs, &command, args.force);
        Some(folder.context("writing the comparison page")?)
    };
    match args.format {
        Format::Json => out.write_all(report.to_json().as_bytes())?,
        Format::Text => {
            out.write_all(report.to_text().as_bytes())?;
            if let Some(folder) = &folder {
                writeln!(out, "\nreport      {}", folder.join("index.html").display())?;
            }
        }
    }
    out.flush()?;
    // A report, not a verdict: violations do not fail the command, runs stopped at a limit do.
    Ok(if report.any_stopped() { EXIT_INVALID } else { EXIT_OK })
}

fn overrides(variant: Option<&str>, sets: &[String]) -> Overrides {
    Overrides { variant: variant.map(str::to_string), sets: sets.to_vec() }
}

fn describe<'a>(scenario: &'a Scenario, variant: &str) -> &'a str {
    scenario.variants.iter().find(|(n, _)| n == variant).map_or("", |(_, d)| d.as_str())
}

/// The variants named (checked against the file's), or by default `naive,fixed` when the file
/// has both, else all of them; at least two, each once.
fn choose_variants(scenario: &Scenario, asked: &[String]) -> Result<Vec<String>, String> {
    let known: Vec<&str> = scenario.variants.iter().map(|(n, _)| n.as_str()).collect();
    let listed = if known.is_empty() {
        "it has none".to_string()
    } else {
        format!("its variants are: {}", known.join(", "))
    };
    if asked.is_empty() {
        if DEFAULT_PAIR.iter().all(|v| known.contains(v)) {
            return Ok(DEFAULT_PAIR.map(str::to_string).to_vec());
        }
        if known.len() >= 2 {
            return Ok(known.iter().map(|v| v.to_string()).collect());
        }
        return Err(format!(
            "compare runs two variants or more of a scenario, and {listed}; add `variants:` to the file"
        ));
    }
    for (i, name) in asked.iter().enumerate() {
        if !known.contains(&name.as_str()) {
            let hint = did_you_mean(name, known.iter().copied())
                .map(|h| format!(" ({h})"))
                .unwrap_or_default();
            return Err(format!("unknown variant `{name}` in --variants{hint}; {listed}"));
        }
        if asked[..i].contains(name) {
            return Err(format!("--variants names `{name}` twice; name each variant once"));
        }
    }
    if asked.len() < 2 {
        return Err(format!(
            "--variants {}: compare needs two variants or more; {listed}",
            asked.join(",")
        ));
    }
    Ok(asked.to_vec())
}

/// The command that reproduces this comparison, quoted for a POSIX shell.
fn command(args: &CompareArgs, names: &[String], seeds: SeedRange) -> String {
    let mut parts = vec![
        "faultline".to_string(),
        "compare".to_string(),
        shell_quote(&args.file.display().to_string()),
        "--variants".to_string(),
        shell_quote(&names.join(",")),
        "--seeds".to_string(),
        format!("{}..{}", seeds.first, seeds.last),
    ];
    for set in &args.sets {
        parts.extend(["--set".to_string(), shell_quote(set)]);
    }
    parts.join(" ")
}

/// One variant's runs: its sweep tally (verdicts), each finished run's figures, and the first
/// seed's summary and series for the plots.
struct VariantRuns {
    tally: SweepTally,
    seeds: Vec<SeedFigures>,
    first: Option<(Summary, Series)>,
}

impl VariantRuns {
    fn empty(scenario: &Scenario) -> Self {
        VariantRuns { tally: SweepTally::new(scenario), seeds: Vec::new(), first: None }
    }

    /// Runs every seed of the spec on rayon's pool, each outcome dropped once folded in.
    fn run(scenario: &Scenario, spec: &SweepSpec, progress: &Progress) -> Self {
        (spec.seeds.first..=spec.seeds.last)
            .into_par_iter()
            .fold(
                || VariantRuns::empty(scenario),
                |runs, seed| runs.add(scenario, spec, seed, progress),
            )
            .reduce(|| VariantRuns::empty(scenario), VariantRuns::merge)
    }

    fn add(
        mut self,
        scenario: &Scenario,
        spec: &SweepSpec,
        seed: u64,
        progress: &Progress,
    ) -> Self {
        let outcome = match scenario.run(seed) {
            Ok(outcome) => outcome,
            Err(limit) => {
                self.tally.add_stopped(seed, limit.to_string());
                progress.seed_done(true);
                return self;
            }
        };
        let reproduce = reproduce_command(&spec.file, spec.variant.as_deref(), &spec.sets, seed);
        let summary = Summary::new(scenario, &outcome, 0.0, reproduce);
        let series = Series::new(scenario, &outcome.metrics);
        self.tally.add(&outcome);
        progress.seed_done(!outcome.all_hold());
        self.seeds.push(SeedFigures {
            seed,
            trace_hash: summary.trace_hash.clone(),
            figures: Figures::of_run(&summary, &series),
            violated: summary
                .invariants
                .iter()
                .filter(|i| !i.holds)
                .map(|i| i.name.clone())
                .collect(),
        });
        if seed == spec.seeds.first {
            self.first = Some((summary, series));
        }
        self
    }

    fn merge(mut self, other: VariantRuns) -> Self {
        self.tally = self.tally.merge(other.tally);
        self.seeds.extend(other.seeds);
        self.first = self.first.or(other.first);
        self
    }
}
