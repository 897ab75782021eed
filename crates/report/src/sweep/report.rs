//! The report of a sweep, built from its spec and finished tally alone, so that a merged set
//! of shards gives the same bytes as the sweep run in one go. Text and JSON (stable names).
//!
//! It must never hold wall-clock time or anything else that differs between equal sweeps.

use std::fmt::Write;

use faultline_engine::{SimDuration, human_secs};
use serde::Serialize;

use super::spec::{SeedRange, SweepSpec};
use super::tally::{StoppedSeed, SweepTally};
use super::wilson::wilson_95;
use crate::text::thousands;

/// A seed that violated an invariant and the command that replays it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FailingSeed {
    pub seed: u64,
    pub reproduce: String,
}

/// A 95 % confidence interval of a rate.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// One invariant over every finished run.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SweepInvariant {
    pub name: String,
    pub description: String,
    pub violations: u64,
    /// Violations per finished run (`null` when none finished).
    pub rate: Option<f64>,
    /// 95 % Wilson score interval of the rate.
    pub wilson_95: Option<Interval>,
    /// The smallest failing seeds (at most five).
    pub first_failing: Vec<FailingSeed>,
}

/// A quantity across seeds, one value per seed (nearest-rank percentiles).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Spread {
    /// Seeds that gave a value.
    pub seeds: u64,
    pub min: Option<f64>,
    pub p10: Option<f64>,
    pub median: Option<f64>,
    pub p90: Option<f64>,
    pub max: Option<f64>,
    /// Mean over the seeds.
    pub mean: Option<f64>,
}

/// Runs that stopped at a limit.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Stopped {
    pub count: u64,
    /// The smallest such seeds with why they stopped (at most five).
    pub first: Vec<StoppedSeed>,
}

/// A whole sweep.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SweepReport {
    pub scenario: String,
    pub file: String,
    pub variant: Option<String>,
    pub sets: Vec<String>,
    pub seeds: SeedRange,
    pub version: String,
    pub scenario_hash: String,
    /// Runs that finished (the rest stopped at a limit).
    pub runs: u64,
    /// Finished runs with at least one invariant violated.
    pub violating_runs: u64,
    pub stopped: Stopped,
    pub invariants: Vec<SweepInvariant>,
    /// Each run's p50 of successful latency, seconds, across runs that had one.
    pub latency_p50_s: Spread,
    /// Each run's p99 of successful latency, seconds.
    pub latency_p99_s: Spread,
    /// Each run's goodput (successful client requests per second).
    pub goodput_per_s: Spread,
    /// No invariant violated and no run stopped, on any seed.
    pub all_hold: bool,
}

impl SweepReport {
    /// The report of `tally` (finished: its per-seed numbers sorted).
    pub fn new(spec: &SweepSpec, tally: &SweepTally) -> Self {
        let runs = tally.runs;
        let invariants = tally
            .invariants
            .iter()
            .map(|t| SweepInvariant {
                name: t.name.clone(),
                description: t.description.clone(),
                violations: t.violations,
                rate: (runs > 0).then(|| t.violations as f64 / runs as f64),
                wilson_95: wilson_95(t.violations, runs).map(|(low, high)| Interval { low, high }),
                first_failing: t
                    .first_failing
                    .iter()
                    .map(|&seed| FailingSeed { seed, reproduce: spec.reproduce(seed) })
                    .collect(),
            })
            .collect();
        let secs = |ns: &u64| SimDuration::from_nanos(*ns).as_secs_f64();
        let run_s = SimDuration::from_nanos(tally.run_ns).as_secs_f64().max(f64::MIN_POSITIVE);
        let goodput = |completed: &u64| *completed as f64 / run_s;
        SweepReport {
            scenario: spec.scenario.clone(),
            file: spec.file.clone(),
            variant: spec.variant.clone(),
            sets: spec.sets.clone(),
            seeds: spec.seeds,
            version: spec.version.clone(),
            scenario_hash: spec.scenario_hash.clone(),
            runs,
            violating_runs: tally.violating_runs,
            stopped: Stopped { count: tally.stopped, first: tally.first_stopped.clone() },
            invariants,
            latency_p50_s: spread(&tally.latency_p50_ns, secs),
            latency_p99_s: spread(&tally.latency_p99_ns, secs),
            goodput_per_s: spread(&tally.completed, goodput),
            all_hold: tally.violating_runs == 0 && tally.stopped == 0,
        }
    }

    pub fn to_json(&self) -> String {
        let mut text =
            serde_json::to_string_pretty(self).expect("a sweep report always serialises");
        text.push('\n');
        text
    }

    /// The human summary: rates with intervals, the seeds to replay, spreads across seeds.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let variant =
            self.variant.as_deref().map(|v| format!(" · variant {v}")).unwrap_or_default();
        let sets: String = self.sets.iter().map(|s| format!(" · --set {s}")).collect();
        let _ = writeln!(
            out,
            "{}{variant}{sets} · seeds {}..{} ({} runs)",
            self.scenario,
            self.seeds.first,
            self.seeds.last,
            thousands(self.seeds.len())
        );
        let _ = writeln!(
            out,
            "{} of {} runs violated an invariant\n",
            thousands(self.violating_runs),
            thousands(self.runs)
        );
        self.write_invariants(&mut out);
        self.write_stopped(&mut out);
        self.write_spreads(&mut out);
        out
    }

    fn write_invariants(&self, out: &mut String) {
        let _ = writeln!(out, "invariants  violated in / runs, rate [95 % Wilson interval]");
        for inv in &self.invariants {
            let mark = if inv.violations == 0 { "✓" } else { "✗" };
            let rate = match (inv.rate, inv.wilson_95) {
                (Some(rate), Some(i)) => {
                    format!("{} [{} – {}]", percent(rate), percent(i.low), percent(i.high))
                }
                _ => "no runs".to_string(),
            };
            let _ = writeln!(
                out,
                "  {mark} {:<20} {:>7} / {:<7} {rate:<26} {}",
                inv.name,
                thousands(inv.violations),
                thousands(self.runs),
                inv.description
            );
            for failing in &inv.first_failing {
                let _ = writeln!(out, "      seed {:<8} {}", failing.seed, failing.reproduce);
            }
        }
    }

    fn write_stopped(&self, out: &mut String) {
        if self.stopped.count == 0 {
            return;
        }
        let _ = writeln!(out, "\n{} runs stopped at a limit:", thousands(self.stopped.count));
        for stopped in &self.stopped.first {
            let _ = writeln!(out, "      seed {:<8} {}", stopped.seed, stopped.reason);
        }
    }

    fn write_spreads(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "\nacross runs  {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "min", "p10", "median", "p90", "max", "mean"
        );
        let time = |v: Option<f64>| v.map(human_secs).unwrap_or_else(|| "–".into());
        let rate = |v: Option<f64>| v.map(|v| format!("{v:.1}/s")).unwrap_or_else(|| "–".into());
        let rows: [(&str, &Spread, &Show); 3] = [
            ("latency p50", &self.latency_p50_s, &time),
            ("latency p99", &self.latency_p99_s, &time),
            ("goodput", &self.goodput_per_s, &rate),
        ];
        for (label, s, show) in rows {
            let _ = writeln!(
                out,
                "{label:<12} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
                show(s.min),
                show(s.p10),
                show(s.median),
                show(s.p90),
                show(s.max),
                show(s.mean)
            );
        }
        let _ = writeln!(out, "(latency of successful requests after the warm-up, per run)");
    }
}

/// How a row of spreads shows one figure.
type Show = dyn Fn(Option<f64>) -> String;

/// Min, nearest-rank percentiles, max and mean of `sorted`, each value through `value`.
fn spread(sorted: &[u64], value: impl Fn(&u64) -> f64) -> Spread {
    let n = sorted.len();
    let rank =
        |q: f64| (n > 0).then(|| value(&sorted[((q * n as f64).ceil() as usize).clamp(1, n) - 1]));
    // Integer sum first: the mean must not depend on the order of the values.
    let sum: u128 = sorted.iter().map(|&v| u128::from(v)).sum();
    let mean = (n > 0).then(|| mean_of(sum, n, &value));
    Spread {
        seeds: n as u64,
        min: sorted.first().map(&value),
        p10: rank(0.10),
        median: rank(0.50),
        p90: rank(0.90),
        max: sorted.last().map(&value),
        mean,
    }
}

/// `value` is linear in its argument (a unit conversion), so the mean of the values is the
/// value of the mean, split into whole and fractional parts to stay exact for large sums.
fn mean_of(sum: u128, n: usize, value: &impl Fn(&u64) -> f64) -> f64 {
    let n = n as u128;
    let (whole, rest) = ((sum / n) as u64, (sum % n) as f64 / n as f64);
    value(&whole) + value(&1) * rest
}

/// `12.5 %`, `0 %`, `100 %`.
fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p == 0.0 || p >= 99.95 { format!("{p:.0} %") } else { format!("{p:.1} %") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_spread_and_exact_mean() {
        // 1..=10 ns: p10 is the 1st value, the median the 5th, p90 the 9th; mean 5.5 ns.
        let values: Vec<u64> = (1..=10).collect();
        let s = spread(&values, |ns| SimDuration::from_nanos(*ns).as_secs_f64());
        assert_eq!((s.seeds, s.min, s.max), (10, Some(1e-9), Some(1e-8)));
        assert_eq!((s.p10, s.median, s.p90), (Some(1e-9), Some(5e-9), Some(9e-9)));
        assert!((s.mean.unwrap() - 5.5e-9).abs() < 1e-24);
        // Sums past 2^64 stay exact: two values near the top average to it.
        let big = [u64::MAX - 1, u64::MAX - 1];
        assert_eq!(spread(&big, |v| *v as f64).mean, Some((u64::MAX - 1) as f64));
        let none = spread(&[], |v| *v as f64);
        assert_eq!((none.seeds, none.min, none.median, none.mean), (0, None, None, None));
    }

    #[test]
    fn percent_keeps_small_rates_visible() {
        assert_eq!(percent(0.0), "0 %");
        assert_eq!(percent(0.0042), "0.4 %");
        assert_eq!(percent(0.99996), "100 %");
    }
}
