//! `faultline sweep`: one scenario over a range of seeds on every core, folded seed by seed into
//! a tally; the report, or with `--shard` one shard's tally for `faultline merge`.
//!
//! Results must never depend on the number of threads or the order seeds finish in: the tally
//! is merged exactly and sorted before anything is printed.

use std::io::Write;

use anyhow::Result;
use faultline_report::sweep::{
    SeedRange, SweepReport, SweepShard, SweepSpec, SweepTally, text_hash,
};
use faultline_scenario::Scenario;
use rayon::prelude::*;

use crate::args::{Format, SweepArgs};
use crate::progress::Progress;
use crate::run::{Loaded, load_scenario};
use crate::{EXIT_INVALID, EXIT_OK, EXIT_VIOLATED};

pub fn sweep(args: &SweepArgs, out: &mut dyn Write, err: &mut dyn Write, draw: bool) -> Result<u8> {
    let Some(Loaded { name, text, scenario, .. }) =
        load_scenario(&args.file, &args.variant, &args.sets, err)?
    else {
        return Ok(EXIT_INVALID);
    };
    let spec = SweepSpec {
        scenario: scenario.name.clone(),
        file: name,
        variant: args.variant.clone(),
        sets: args.sets.clone(),
        seeds: args.seeds,
        version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_hash: text_hash(&text),
    };
    let range = match args.shard {
        Some(shard) => spec.seeds.shard(shard.index, shard.count),
        None => Some(spec.seeds),
    };
    let tally = run_seeds(&scenario, range, draw);
    if let Some(shard) = args.shard {
        // A shard's verdict is the merge's to give: exit 0 once it is written.
        out.write_all(SweepShard::new(spec, shard, tally).to_json().as_bytes())?;
        out.flush()?;
        return Ok(EXIT_OK);
    }
    print_report(&SweepReport::new(&spec, &tally.finish()), args.format, out)
}

/// Prints a sweep's report; the exit code says what it found.
pub fn print_report(report: &SweepReport, format: Format, out: &mut dyn Write) -> Result<u8> {
    match format {
        Format::Json => out.write_all(report.to_json().as_bytes())?,
        Format::Text => out.write_all(report.to_text().as_bytes())?,
    }
    out.flush()?;
    Ok(if report.stopped.count > 0 {
        EXIT_INVALID
    } else if report.violating_runs > 0 {
        EXIT_VIOLATED
    } else {
        EXIT_OK
    })
}

/// Runs every seed of `range` on rayon's pool, each outcome folded into its thread's tally and
/// dropped; the tallies are merged at the end.
pub fn run_seeds(scenario: &Scenario, range: Option<SeedRange>, draw: bool) -> SweepTally {
    let Some(range) = range else { return SweepTally::new(scenario) };
    let progress = Progress::new(range.len(), draw);
    let tally = (range.first..=range.last)
        .into_par_iter()
        .fold(
            || SweepTally::new(scenario),
            |mut tally, seed| {
                match scenario.run(seed) {
                    Ok(outcome) => {
                        tally.add(&outcome);
                        progress.seed_done(!outcome.all_hold());
                    }
                    Err(limit) => {
                        tally.add_stopped(seed, limit.to_string());
                        progress.seed_done(true);
                    }
                }
                tally
            },
        )
        .reduce(|| SweepTally::new(scenario), SweepTally::merge);
    progress.finish();
    tally
}
