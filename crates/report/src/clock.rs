//! What the nodes' clocks did in a run: for each node with a clock of its own, its offset
//! (local − true time) at the start and the end, the largest it got, its steps and syncs; its
//! offset over time in the series; and a chart of those offsets. Absent from every output of a
//! run without clocks, so those outputs stay as they were.

use std::collections::BTreeMap;

use faultline_engine::human_secs;
use faultline_model::{ClockTrace, Metrics};
use serde::Serialize;

use crate::chart::{Axis, Chart, Line, TimeUnit, over_run_time};
use crate::text::thousands;
use crate::{Series, Summary};

/// Nanoseconds in a second, for offsets kept in nanoseconds.
const NANOS: f64 = 1e9;

/// One node's clock over a run; offsets are local − true time, in seconds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClockSummary {
    pub offset_start_s: f64,
    pub offset_end_s: f64,
    /// The largest |offset| at any instant of the run.
    pub largest_offset_s: f64,
    pub steps: u64,
    pub syncs: u64,
}

impl ClockSummary {
    fn new(trace: &ClockTrace) -> Self {
        ClockSummary {
            offset_start_s: trace.start as f64 / NANOS,
            offset_end_s: trace.end as f64 / NANOS,
            largest_offset_s: trace.largest as f64 / NANOS,
            steps: trace.steps,
            syncs: trace.syncs,
        }
    }

    /// The `clock <node>` line of the text summary.
    pub fn line(&self, node: &str) -> String {
        format!(
            "{:<11} offset {} at start, {} at end  largest {}  steps {}  syncs {}",
            format!("clock {node}"),
            signed_secs(self.offset_start_s),
            signed_secs(self.offset_end_s),
            human_secs(self.largest_offset_s),
            thousands(self.steps),
            thousands(self.syncs)
        )
    }

    /// The cells of the page's clock table: start, end, largest, steps, syncs.
    pub(crate) fn cells(&self) -> [String; 5] {
        [
            signed_secs(self.offset_start_s),
            signed_secs(self.offset_end_s),
            human_secs(self.largest_offset_s),
            thousands(self.steps),
            thousands(self.syncs),
        ]
    }
}

/// `+2s`, `-5min`, `0s`.
fn signed_secs(secs: f64) -> String {
    if secs > 0.0 { format!("+{}", human_secs(secs)) } else { human_secs(secs) }
}

/// Each node's clock, by node name; empty without clocks.
pub(crate) fn clock_summaries(metrics: &Metrics) -> BTreeMap<String, ClockSummary> {
    metrics.clocks.iter().map(|trace| (trace.node.clone(), ClockSummary::new(trace))).collect()
}

/// Each node's offset over the run, by node name, as (true time, offset) in seconds: exact at
/// every point, a straight line between two (see [`ClockTrace::points`]); empty without clocks.
pub(crate) fn clock_series(metrics: &Metrics) -> BTreeMap<String, Vec<(f64, f64)>> {
    metrics
        .clocks
        .iter()
        .map(|trace| {
            let points = trace
                .points
                .iter()
                .map(|&(at, offset)| (at.as_secs_f64(), offset as f64 / NANOS))
                .collect();
            (trace.node.clone(), points)
        })
        .collect()
}

/// Chart name of the clock offsets (a run with clocks only).
pub const CLOCKS: &str = "clocks";

/// Each node's clock offset over the run, one line per node, over the run's bands; `None`
/// without clocks.
pub fn clock_chart(summary: &Summary, series: &Series) -> Option<Chart> {
    if series.clocks.is_empty() {
        return None;
    }
    let largest = summary.clocks.values().map(|c| c.largest_offset_s).fold(0.0, f64::max);
    let unit = TimeUnit::for_latency(largest);
    let title = "Clock offset of each node with a clock of its own (local − true time)";
    let offset = Axis::linear("clock offset", unit.name);
    let (mut chart, time) = over_run_time(CLOCKS, title, offset, summary, series);
    for (node, points) in &series.clocks {
        let points = points.iter().map(|&(at, offset)| (time.of(at), unit.of(offset))).collect();
        chart.lines.push(Line::new(node.clone(), points));
    }
    Some(chart)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_read_with_their_sign() {
        let clock = ClockSummary {
            offset_start_s: 2.0,
            offset_end_s: -298.95,
            largest_offset_s: 298.95,
            steps: 2,
            syncs: 3125,
        };
        assert_eq!(
            clock.line("api"),
            "clock api   offset +2s at start, -298.95s at end  largest 298.95s  steps 2  syncs 3,125"
        );
        let long = ClockSummary { offset_start_s: 0.0, offset_end_s: 0.0125, ..clock };
        assert_eq!(
            long.line("payments-gateway"),
            "clock payments-gateway offset 0s at start, +12.5ms at end  largest 298.95s  steps 2  \
             syncs 3,125"
        );
    }
}
