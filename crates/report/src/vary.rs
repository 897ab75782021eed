//! A parameter sweep (`run --vary`): one point per value, as JSON and as a text table.

use std::collections::BTreeMap;
use std::fmt::Write;

use faultline_engine::human_secs;
use serde::Serialize;

use crate::Summary;

/// One run of a sweep.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VaryPoint {
    /// The value as written on the command line.
    pub value: String,
    pub throughput_per_s: f64,
    pub goodput_per_s: f64,
    pub offered_per_s: f64,
    pub latency_mean_s: f64,
    pub latency_p50_s: f64,
    pub latency_p99_s: f64,
    /// Utilisation of every service.
    pub utilization: BTreeMap<String, f64>,
    pub all_hold: bool,
    pub trace_hash: String,
}

impl VaryPoint {
    pub fn new(value: &str, summary: &Summary) -> Self {
        VaryPoint {
            value: value.to_string(),
            throughput_per_s: summary.load.throughput_per_s,
            goodput_per_s: summary.load.goodput_per_s,
            offered_per_s: summary.load.offered_per_s,
            latency_mean_s: summary.latency_s.mean,
            latency_p50_s: summary.latency_s.p50,
            latency_p99_s: summary.latency_s.p99,
            utilization: summary.services.iter().map(|(n, s)| (n.clone(), s.utilization)).collect(),
            all_hold: summary.all_hold,
            trace_hash: summary.trace_hash.clone(),
        }
    }
}

/// A whole sweep.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VaryReport {
    pub scenario: String,
    pub variant: Option<String>,
    pub seed: u64,
    pub path: String,
    pub points: Vec<VaryPoint>,
}

impl VaryReport {
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a sweep always serialises");
        text.push('\n');
        text
    }

    /// A table with one row per point and a bar of goodput, so the knee shows at a glance.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let variant =
            self.variant.as_deref().map(|v| format!(" · variant {v}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "{}{variant} · seed {} · varying {}\n",
            self.scenario, self.seed, self.path
        );
        let services: Vec<&String> =
            self.points.first().map(|p| p.utilization.keys().collect()).unwrap_or_default();
        let mut header = format!(
            "{:>10}  {:>12}  {:>11}  {:>9}  {:>9}",
            "value", "throughput/s", "goodput/s", "p50", "p99"
        );
        for name in &services {
            let _ = write!(header, "  {:>8}", format!("util {}", short(name)));
        }
        let _ = writeln!(out, "{header}  verdict");
        let best =
            self.points.iter().map(|p| p.goodput_per_s).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
        for p in &self.points {
            let mut row = format!(
                "{:>10}  {:>12.1}  {:>11.1}  {:>9}  {:>9}",
                p.value,
                p.throughput_per_s,
                p.goodput_per_s,
                human_secs(p.latency_p50_s),
                human_secs(p.latency_p99_s)
            );
            for name in &services {
                let _ = write!(row, "  {:>7.0}%", p.utilization[*name] * 100.0);
            }
            let verdict = if p.all_hold { "✓" } else { "✗" };
            let bar = "█".repeat((20.0 * p.goodput_per_s / best).round() as usize);
            let _ = writeln!(out, "{row}  {verdict}  {bar}");
        }
        out
    }
}

/// Service names cut to fit a column.
fn short(name: &str) -> String {
    name.chars().take(8).collect()
}
