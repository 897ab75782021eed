//! The figures `compare` sets side by side: one [`Figures`] per run, read off the run's own
//! [`Summary`] and [`Series`] (so they are `run`'s figures), and their mean over seeds.
//!
//! It must never compute a figure its own way when the summary already has it.

use serde::Serialize;

use crate::{BandKind, Series, Summary};

/// One run's figures (or, in a variant's `mean`, their mean over the seeds that had them).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Default)]
pub struct Figures {
    /// Successful client requests after the warm-up (`null` when none succeeded).
    pub latency_p50_s: Option<f64>,
    pub latency_p99_s: Option<f64>,
    pub latency_p999_s: Option<f64>,
    /// Jobs finished by the services clients call, per second (the summary's throughput).
    pub throughput_per_s: Option<f64>,
    /// Client requests answered with success, per second.
    pub goodput_per_s: Option<f64>,
    /// Goodput in the windows after the last change of load ends (a spike, a ramp): whether the
    /// system recovered. `null` when the scenario's load never changes, or changes until the end.
    pub goodput_after_load_change_per_s: Option<f64>,
    /// Succeeded, of the client requests that ended (`null` when none ended).
    pub success_rate: Option<f64>,
    /// Retries, at every layer, per call made (the summary's `amplification` − 1).
    pub retries_per_call: Option<f64>,
}

/// How a figure reads: its unit, and whether a relative difference means something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Seconds,
    PerSecond,
    /// A share in 0..=1, shown as a percentage; differences in percentage points.
    Share,
    Ratio,
}

impl Kind {
    /// Whether "x % more" makes sense: not for shares (points are clearer).
    pub fn relative(self) -> bool {
        self != Kind::Share
    }
}

/// A figure: its JSON name, its label in tables, its unit, and how to read it.
pub type FigureOf = fn(&Figures) -> Option<f64>;

/// Every figure, in the order tables show them.
pub const FIGURES: [(&str, &str, Kind, FigureOf); 8] = [
    ("latency_p50_s", "latency p50", Kind::Seconds, |f| f.latency_p50_s),
    ("latency_p99_s", "latency p99", Kind::Seconds, |f| f.latency_p99_s),
    ("latency_p999_s", "latency p99.9", Kind::Seconds, |f| f.latency_p999_s),
    ("throughput_per_s", "throughput", Kind::PerSecond, |f| f.throughput_per_s),
    ("goodput_per_s", "goodput", Kind::PerSecond, |f| f.goodput_per_s),
    ("goodput_after_load_change_per_s", "goodput after load change", Kind::PerSecond, |f| {
        f.goodput_after_load_change_per_s
    }),
    ("success_rate", "success rate", Kind::Share, |f| f.success_rate),
    ("retries_per_call", "retries per call", Kind::Ratio, |f| f.retries_per_call),
];

impl Figures {
    /// The figures of one run, from its summary and series.
    pub fn of_run(s: &Summary, series: &Series) -> Self {
        let latency = (s.latency_s.count > 0).then_some(&s.latency_s);
        let r = &s.requests;
        let ended = r.completed + r.failed + r.rejected;
        let calls = s.load.attempts - s.load.retries;
        Figures {
            latency_p50_s: latency.map(|l| l.p50),
            latency_p99_s: latency.map(|l| l.p99),
            latency_p999_s: latency.map(|l| l.p999),
            throughput_per_s: Some(s.load.throughput_per_s),
            goodput_per_s: Some(s.load.goodput_per_s),
            goodput_after_load_change_per_s: goodput_after_load_change(s, series),
            success_rate: (ended > 0).then(|| r.completed as f64 / ended as f64),
            retries_per_call: (calls > 0).then(|| s.load.retries as f64 / calls as f64),
        }
    }

    /// Each figure's mean over the runs that have it (`null` when none has).
    pub fn mean(runs: &[Figures]) -> Self {
        let mean = |of: FigureOf| {
            let values: Vec<f64> = runs.iter().filter_map(of).collect();
            (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
        };
        let [p50, p99, p999, throughput, goodput, after, success, retries] =
            FIGURES.map(|(_, _, _, of)| mean(of));
        Figures {
            latency_p50_s: p50,
            latency_p99_s: p99,
            latency_p999_s: p999,
            throughput_per_s: throughput,
            goodput_per_s: goodput,
            goodput_after_load_change_per_s: after,
            success_rate: success,
            retries_per_call: retries,
        }
    }
}

/// Successful requests per second over the windows that start once the last load change has
/// ended; `None` without one, or when no window starts after it.
fn goodput_after_load_change(s: &Summary, series: &Series) -> Option<f64> {
    let changes = series.bands.iter().filter(|b| b.kind == BandKind::LoadChange);
    let after =
        changes.map(|b| b.end_s).fold(None, |m: Option<f64>, e| Some(m.map_or(e, |m| m.max(e))))?;
    let end = s.sim_time_s;
    let windows: Vec<_> = series.windows.iter().filter(|w| w.start_s >= after).collect();
    let from = windows.first()?.start_s;
    let seconds = end - from;
    (seconds > 0.0).then(|| windows.iter().map(|w| w.completed).sum::<u64>() as f64 / seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn means_skip_runs_without_the_figure() {
        let a =
            Figures { latency_p99_s: Some(1.0), goodput_per_s: Some(10.0), ..Default::default() };
        let b = Figures { latency_p99_s: None, goodput_per_s: Some(20.0), ..Default::default() };
        let m = Figures::mean(&[a, b]);
        assert_eq!(m.latency_p99_s, Some(1.0));
        assert_eq!(m.goodput_per_s, Some(15.0));
        assert_eq!(m.success_rate, None);
    }

    #[test]
    fn every_figure_is_listed_once() {
        let mut names: Vec<&str> = FIGURES.iter().map(|f| f.0).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FIGURES.len());
        let json = serde_json::to_value(Figures::default()).unwrap();
        assert_eq!(json.as_object().unwrap().len(), FIGURES.len());
        for name in names {
            assert!(json.get(name).is_some(), "{name}");
        }
    }
}
