//! The comparison of variants run on the same seeds: each variant's figures (per seed and their
//! mean), its violations per invariant (a sweep's tally), and every variant's differences from
//! the first; as a side-by-side text table and as JSON with stable names.
//!
//! Built from finished runs' figures and tallies alone: it must never run anything, and never
//! hold anything that differs between equal comparisons (no wall-clock time).

use std::collections::BTreeMap;
use std::fmt::Write;

use faultline_engine::human_secs;
use serde::Serialize;

use super::figures::{FIGURES, Figures, Kind};
use crate::sweep::{SeedRange, Stopped, SweepInvariant, SweepReport, SweepSpec, SweepTally};

/// One run of one variant: its seed, trace hash, figures and the invariants it violated.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SeedFigures {
    pub seed: u64,
    pub trace_hash: String,
    #[serde(flatten)]
    pub figures: Figures,
    /// Names of the invariants this run violated, in the scenario's order.
    pub violated: Vec<String>,
}

/// One variant over every seed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CompareVariant {
    pub name: String,
    pub description: String,
    /// Runs that finished (the rest stopped at a limit).
    pub runs: u64,
    pub stopped: Stopped,
    /// Each figure's mean over the finished runs that have it.
    pub mean: Figures,
    /// Per invariant: on how many seeds it was violated, the rate with its 95 % Wilson interval,
    /// and the first failing seeds with the command that replays each.
    pub invariants: Vec<SweepInvariant>,
    /// Each finished run, by seed.
    pub seeds: Vec<SeedFigures>,
}

impl CompareVariant {
    /// A variant's runs: the spec names the variant, the tally holds its verdicts, `seeds` its
    /// finished runs (in any order).
    pub fn new(
        spec: &SweepSpec,
        description: &str,
        tally: SweepTally,
        mut seeds: Vec<SeedFigures>,
    ) -> Self {
        seeds.sort_by_key(|s| s.seed);
        let sweep = SweepReport::new(spec, &tally.finish());
        let figures: Vec<Figures> = seeds.iter().map(|s| s.figures).collect();
        CompareVariant {
            name: spec.variant.clone().unwrap_or_else(|| "base".into()),
            description: description.to_string(),
            runs: sweep.runs,
            stopped: sweep.stopped,
            mean: Figures::mean(&figures),
            invariants: sweep.invariants,
            seeds,
        }
    }
}

/// `b − a`, and `(b − a) / a` where that means something (`a` > 0, not a share).
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Difference {
    pub absolute: Option<f64>,
    pub relative: Option<f64>,
}

/// How one variant differs from the baseline.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VariantDifference {
    pub variant: String,
    pub against: String,
    /// By figure name (as in [`Figures`]), of the means.
    pub figures: BTreeMap<String, Difference>,
    /// By invariant (name and description, as listed): seeds violated minus the baseline's.
    pub violations: Vec<ViolationDifference>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ViolationDifference {
    pub name: String,
    pub description: String,
    pub difference: Option<i64>,
}

/// A whole comparison.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CompareReport {
    pub scenario: String,
    pub file: String,
    pub sets: Vec<String>,
    /// Every variant ran on each of these seeds (common random numbers).
    pub seeds: SeedRange,
    pub version: String,
    pub scenario_hash: String,
    /// The variant the others are compared with: the first listed.
    pub baseline: String,
    pub variants: Vec<CompareVariant>,
    pub differences: Vec<VariantDifference>,
    /// The seed whose runs the page plots.
    pub plotted_seed: u64,
}

impl CompareReport {
    /// The comparison of `variants` (at least one; the first is the baseline).
    pub fn new(spec: &SweepSpec, variants: Vec<CompareVariant>) -> Self {
        let base = &variants[0];
        let differences = variants[1..].iter().map(|v| difference(base, v)).collect();
        CompareReport {
            scenario: spec.scenario.clone(),
            file: spec.file.clone(),
            sets: spec.sets.clone(),
            seeds: spec.seeds,
            version: spec.version.clone(),
            scenario_hash: spec.scenario_hash.clone(),
            baseline: base.name.clone(),
            differences,
            variants,
            plotted_seed: spec.seeds.first,
        }
    }

    /// The JSON form, pretty-printed with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a comparison always serialises");
        text.push('\n');
        text
    }

    /// Whether some run stopped at a limit.
    pub fn any_stopped(&self) -> bool {
        self.variants.iter().any(|v| v.stopped.count > 0)
    }

    /// `naive against fixed · seeds 1..10`.
    pub fn heading(&self) -> String {
        let names: Vec<&str> = self.variants.iter().map(|v| v.name.as_str()).collect();
        format!("{}: {} · {}", self.scenario, names.join(" against "), self.seeds_text())
    }

    fn seeds_text(&self) -> String {
        match self.seeds.len() {
            1 => format!("seed {}", self.seeds.first),
            n => format!(
                "seeds {}..{} ({n} runs of each, on the same seeds)",
                self.seeds.first, self.seeds.last
            ),
        }
    }

    /// What the figures are, in a sentence.
    pub fn what_figures_are(&self) -> String {
        match self.seeds.len() {
            1 => format!(
                "Each figure is that of the variant's run with seed {}, as `run` shows it.",
                self.seeds.first
            ),
            n => format!(
                "Each figure is the mean over the {n} seeds of that run's figure (as `run` shows it); \
                 the JSON holds every run's."
            ),
        }
    }

    /// The table's rows: label, then a cell per variant and per difference.
    pub fn table(&self) -> Vec<(String, Vec<String>)> {
        let mut rows = Vec::new();
        for (key, label, kind, of) in FIGURES {
            if self.variants.iter().all(|v| of(&v.mean).is_none()) {
                continue; // e.g. no load change in this scenario
            }
            let mut cells: Vec<String> =
                self.variants.iter().map(|v| show(of(&v.mean), kind)).collect();
            cells.extend(self.differences.iter().map(|d| show_difference(&d.figures[key], kind)));
            rows.push((label.to_string(), cells));
        }
        rows
    }

    /// The invariant rows: label, then `violated on k of n` per variant and the differences.
    pub fn invariant_rows(&self) -> Vec<(String, Vec<String>)> {
        let base = &self.variants[0];
        base.invariants
            .iter()
            .enumerate()
            .map(|(i, inv)| {
                let mut cells: Vec<String> = self
                    .variants
                    .iter()
                    .map(|v| match find(v, &inv.name, &inv.description) {
                        Some(found) => format!("{} of {}", found.violations, v.runs),
                        None => "—".into(),
                    })
                    .collect();
                cells.extend(self.differences.iter().map(|d| match d.violations[i].difference {
                    Some(n) => signed_count(n),
                    None => "—".into(),
                }));
                let twice = base.invariants.iter().filter(|x| x.name == inv.name).count() > 1;
                let label = if twice {
                    format!("{} {}", inv.name, inv.description)
                } else {
                    inv.name.clone()
                };
                (label, cells)
            })
            .collect()
    }

    /// The column headings after the label: variants, then `b − a` for each difference.
    pub fn columns(&self) -> Vec<String> {
        let mut columns: Vec<String> = self.variants.iter().map(|v| v.name.clone()).collect();
        columns.extend(self.differences.iter().map(|d| format!("{} − {}", d.variant, d.against)));
        columns
    }

    /// The side-by-side table as text.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "compare {}", self.heading());
        let _ = writeln!(out, "{}\n", self.what_figures_are());
        let columns = self.columns();
        let figures = self.table();
        let invariants = self.invariant_rows();
        let label_width = figures
            .iter()
            .chain(&invariants)
            .map(|(l, _)| l.chars().count())
            .max()
            .unwrap_or(0)
            .min(44);
        let widths: Vec<usize> = (0..columns.len())
            .map(|i| {
                let cells = figures.iter().chain(&invariants).map(|(_, c)| c[i].chars().count());
                cells.chain([columns[i].chars().count()]).max().unwrap_or(0)
            })
            .collect();
        let line = |out: &mut String, label: &str, cells: &[String]| {
            let label: String = label.chars().take(label_width).collect();
            let _ = write!(out, "{label:<label_width$}");
            for (cell, width) in cells.iter().zip(&widths) {
                let _ = write!(out, "  {cell:>width$}");
            }
            out.push('\n');
        };
        line(&mut out, "", &columns);
        for (label, cells) in &figures {
            line(&mut out, label, cells);
        }
        let runs = self.seeds.len();
        let _ = writeln!(out, "\ninvariants: seeds on which each was violated, of {runs}");
        for (label, cells) in &invariants {
            line(&mut out, label, cells);
        }
        for v in &self.variants {
            if v.stopped.count > 0 {
                let _ = writeln!(out, "\n{}: {} runs stopped at a limit", v.name, v.stopped.count);
                for s in &v.stopped.first {
                    let _ = writeln!(out, "  seed {}: {}", s.seed, s.reason);
                }
            }
        }
        let failing: Vec<String> = self
            .variants
            .iter()
            .flat_map(|v| {
                v.invariants
                    .iter()
                    .filter_map(move |i| Some((v, i.first_failing.first()?, &i.name)))
            })
            .map(|(v, seed, name)| format!("  {} {name}: {}", v.name, seed.reproduce))
            .collect();
        if !failing.is_empty() {
            let _ = writeln!(out, "\nfirst failing runs");
            for f in failing {
                let _ = writeln!(out, "{f}");
            }
        }
        out
    }
}

pub(super) fn find<'a>(
    v: &'a CompareVariant,
    name: &str,
    description: &str,
) -> Option<&'a SweepInvariant> {
    v.invariants.iter().find(|i| i.name == name && i.description == description)
}

fn difference(base: &CompareVariant, other: &CompareVariant) -> VariantDifference {
    let figures = FIGURES
        .iter()
        .map(|&(key, _, kind, of)| {
            let (a, b) = (of(&base.mean), of(&other.mean));
            let absolute = a.zip(b).map(|(a, b)| b - a);
            let relative =
                a.zip(absolute).filter(|&(a, _)| kind.relative() && a > 0.0).map(|(a, d)| d / a);
            (key.to_string(), Difference { absolute, relative })
        })
        .collect();
    let violations = base
        .invariants
        .iter()
        .map(|i| ViolationDifference {
            name: i.name.clone(),
            description: i.description.clone(),
            difference: find(other, &i.name, &i.description)
                .map(|o| o.violations as i64 - i.violations as i64),
        })
        .collect();
    VariantDifference {
        variant: other.name.clone(),
        against: base.name.clone(),
        figures,
        violations,
    }
}

/// A figure as the table shows it.
pub fn show(value: Option<f64>, kind: Kind) -> String {
    let Some(v) = value else { return "—".into() };
    match kind {
        Kind::Seconds => human_secs(v),
        Kind::PerSecond => format!("{v:.1}/s"),
        Kind::Share => format!("{:.1} %", v * 100.0),
        Kind::Ratio => format!("{v:.3}"),
    }
}

/// `+1.2s (+35.0 %)`, `−0.3 pts`, `+0.000`.
fn show_difference(d: &Difference, kind: Kind) -> String {
    let Some(abs) = d.absolute else { return "—".into() };
    let sign = if abs < 0.0 { "−" } else { "+" };
    let magnitude = abs.abs();
    let absolute = match kind {
        Kind::Seconds => format!("{sign}{}", human_secs(magnitude)),
        Kind::PerSecond => format!("{sign}{magnitude:.1}/s"),
        Kind::Share => format!("{sign}{:.1} pts", magnitude * 100.0),
        Kind::Ratio => format!("{sign}{magnitude:.3}"),
    };
    match d.relative {
        Some(r) => {
            let sign = if r < 0.0 { "−" } else { "+" };
            format!("{absolute} ({sign}{:.1} %)", r.abs() * 100.0)
        }
        None => absolute,
    }
}

/// `+3`, `−10`, `0`.
fn signed_count(n: i64) -> String {
    match n {
        0 => "0".into(),
        n if n < 0 => format!("−{}", n.unsigned_abs()),
        n => format!("+{n}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_read_with_their_sign_and_unit() {
        let d = |absolute, relative| Difference { absolute: Some(absolute), relative };
        assert_eq!(show_difference(&d(-24.5, Some(-0.245)), Kind::PerSecond), "−24.5/s (−24.5 %)");
        assert_eq!(show_difference(&d(0.25, None), Kind::Share), "+25.0 pts");
        assert_eq!(
            show_difference(&Difference { absolute: None, relative: None }, Kind::Ratio),
            "—"
        );
        assert_eq!(signed_count(-10), "−10");
        assert_eq!(signed_count(3), "+3");
    }
}
