//! `faultline run --vary PATH=RANGE`: the same scenario and seed across values of one parameter,
//! the points run in parallel; output must never depend on the number of threads.

use std::io::Write;

use anyhow::{Context, Result, bail};
use faultline_report::{Summary, VaryPoint, VaryReport, write_vary_report};
use faultline_scenario::{Overrides, load};
use rayon::prelude::*;

use crate::args::{Format, RunArgs};
use crate::run::read_scenario_text;
use crate::{EXIT_INVALID, EXIT_OK, EXIT_VIOLATED};

/// At most this many points in one sweep.
const MAX_POINTS: usize = 1_000;

pub fn vary(args: &RunArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8> {
    let spec = args.vary.as_deref().unwrap_or_default();
    let (path, values) = match parse_vary(spec) {
        Ok(parsed) => parsed,
        Err(e) => {
            writeln!(err, "--vary {spec}: {e:#}")?;
            return Ok(EXIT_INVALID);
        }
    };
    let (name, text) = read_scenario_text(&args.file)?;
    // Every point on rayon's pool; then read in value order, stopping at the first problem, so
    // that output and exit code are those of running the points one after another.
    let runs: Vec<Result<PointRun, String>> =
        values.par_iter().map(|value| run_point(args, &name, &text, &path, value)).collect();
    let mut points = Vec::with_capacity(values.len());
    let mut header = None;
    for run in runs {
        match run {
            Ok(PointRun { point, scenario, seed }) => {
                points.push(point);
                header.get_or_insert((scenario, seed));
            }
            Err(message) => {
                writeln!(err, "{message}")?;
                return Ok(EXIT_INVALID);
            }
        }
    }
    let (scenario, seed) = header.context("a sweep has at least one point")?;
    let report = VaryReport { scenario, variant: args.variant.clone(), seed, path, points };
    let folder = if args.no_report {
        None
    } else {
        Some(
            write_vary_report(&args.out, &report, args.force)
                .context("writing the sweep report")?,
        )
    };
    match args.format {
        Format::Json => out.write_all(report.to_json().as_bytes())?,
        Format::Text => {
            out.write_all(report.to_text().as_bytes())?;
            if let Some(folder) = folder {
                writeln!(out, "\nreport      {}", folder.join("vary.png").display())?;
            }
        }
    }
    Ok(if report.points.iter().all(|p| p.all_hold) { EXIT_OK } else { EXIT_VIOLATED })
}

/// One point of a sweep: its figures, the scenario's name and the seed it ran with.
struct PointRun {
    point: VaryPoint,
    scenario: String,
    seed: u64,
}

/// Loads and runs the scenario with `path=value`; the error is the message to print.
fn run_point(
    args: &RunArgs,
    name: &str,
    text: &str,
    path: &str,
    value: &str,
) -> Result<PointRun, String> {
    let mut sets = args.sets.clone();
    sets.push(format!("{path}={value}"));
    let overrides = Overrides { variant: args.variant.clone(), sets };
    let scenario =
        load(name, text, &overrides).map_err(|e| format!("{e}\n    (at {path}={value})"))?;
    let seed = args.seed.unwrap_or(scenario.seed);
    let outcome = scenario
        .run(seed)
        .map_err(|limit| format!("{name} at {path}={value}: the run stopped: {limit}"))?;
    let summary = Summary::new(&scenario, &outcome, 0.0, String::new());
    Ok(PointRun { point: VaryPoint::new(value, &summary), scenario: scenario.name.clone(), seed })
}

/// `path=1..32`, `path=1..32:4` or `path=a,b,c` into the path and the values to try.
pub fn parse_vary(spec: &str) -> Result<(String, Vec<String>)> {
    let Some((path, range)) = faultline_scenario::path::split_assignment(spec) else {
        bail!("write it as PATH=A..B[:STEP] or PATH=a,b,c, e.g. `services.consumer.workers=1..32`");
    };
    let values = match range.split_once("..") {
        Some((from, to)) => numeric_range(from, to)?,
        None => range.split(',').map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect(),
    };
    if values.is_empty() {
        bail!("no values to try");
    }
    if values.len() > MAX_POINTS {
        bail!("{} points; at most {MAX_POINTS} in one sweep (use a larger STEP)", values.len());
    }
    Ok((path.trim().to_string(), values))
}

/// Integers from `from` to `to` inclusive, by the step after `:` (1 when absent).
fn numeric_range(from: &str, to: &str) -> Result<Vec<String>> {
    let (to, step) = to.split_once(':').unwrap_or((to, "1"));
    let number =
        |s: &str| s.trim().parse::<i64>().with_context(|| format!("`{s}` is not a whole number"));
    let (from, to, step) = (number(from)?, number(to)?, number(step)?);
    if step <= 0 {
        bail!("STEP must be above zero");
    }
    if to < from {
        bail!("the range {from}..{to} is empty; write the smaller value first");
    }
    let count = (to - from) / step + 1;
    if count as usize > MAX_POINTS {
        bail!("{count} points; at most {MAX_POINTS} in one sweep (use a larger STEP)");
    }
    let mut values: Vec<String> = (0..count).map(|i| (from + i * step).to_string()).collect();
    if values.last() != Some(&to.to_string()) {
        values.push(to.to_string()); // always end on the upper bound
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_lists() {
        let (path, values) = parse_vary("services.c.workers=1..10:4").unwrap();
        assert_eq!(path, "services.c.workers");
        assert_eq!(values, ["1", "5", "9", "10"]);
        assert_eq!(parse_vary("x=1..3").unwrap().1, ["1", "2", "3"]);
        assert_eq!(parse_vary("clients.w.rate=100/s, 200/s").unwrap().1, ["100/s", "200/s"]);
        let (path, values) = parse_vary(r#"services."a=b".workers=1,2"#).unwrap();
        assert_eq!((path.as_str(), values.len()), (r#"services."a=b".workers"#, 2));
    }

    #[test]
    fn bad_specs_say_why() {
        for bad in ["nothing", "x=5..1", "x=1..5:0", "x=a..b", "x=", "x=1..100000"] {
            assert!(parse_vary(bad).is_err(), "{bad}");
        }
    }
}
