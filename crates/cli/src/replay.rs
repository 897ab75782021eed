//! `faultline replay`: a scenario run twice with one seed, compared event by event in lockstep
//! and then by summary; the determinism guard users can run themselves. Exit 0 when identical,
//! 1 when the runs part, 2 for bad input or a limit both runs hit.

use std::io::Write;

use anyhow::Result;
use faultline_engine::{Comparison, compare};
use faultline_report::{Summary, render_replay, render_summary_difference};

use crate::args::ReplayArgs;
use crate::run::{Loaded, load_scenario};
use crate::{EXIT_INVALID, EXIT_OK, EXIT_VIOLATED};

pub fn replay(args: &ReplayArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8> {
    let Some(Loaded { name, scenario, .. }) =
        load_scenario(&args.file, &args.variant, &args.sets, err)?
    else {
        return Ok(EXIT_INVALID);
    };
    let seed = args.seed.unwrap_or(scenario.seed);
    let (mut first, limits) = scenario.world(seed);
    let (mut second, _) = scenario.world(seed);
    let comparison = match compare(&mut first, &mut second, limits) {
        Ok(comparison) => comparison,
        Err(limit) => {
            writeln!(err, "{name}: both runs stopped at the same event: {limit}")?;
            return Ok(EXIT_INVALID);
        }
    };
    let Comparison::Identical(stats) = comparison else {
        out.write_all(render_replay(&comparison).as_bytes())?;
        return Ok(EXIT_VIOLATED);
    };
    // Same events; the results must be the same bytes too (wall time left out).
    let summary = |world| {
        let outcome = scenario.outcome(seed, world, stats);
        Summary::new(&scenario, &outcome, 0.0, String::new()).to_json()
    };
    let (a, b) = (summary(first), summary(second));
    if a != b {
        out.write_all(
            render_summary_difference(stats.events, stats.trace_hash, &a, &b).as_bytes(),
        )?;
        return Ok(EXIT_VIOLATED);
    }
    out.write_all(render_replay(&comparison).as_bytes())?;
    writeln!(out, "and byte-identical summaries")?;
    Ok(EXIT_OK)
}
