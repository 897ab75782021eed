//! Event export: a run as Chrome trace-event JSON (`--trace`, for Perfetto and
//! chrome://tracing) and as JSON lines (`--events`, for scripts and `jq`), the same events in
//! both, bounded by a time window and by sampling requests.
//!
//! Built from the model's observations (the [`Recorder`]) and, after the run, from what the
//! scenario and the metrics already know (faults, breaker changes, leaders). Must never change
//! what the run does: a run exported gives the same results as one that is not.

mod chrome;
mod events;
mod lines;
mod recorder;
#[cfg(test)]
mod tests;

use faultline_engine::{SimTime, mix};
use faultline_model::Metrics;
use faultline_scenario::Scenario;

pub use events::{Export, TraceEvent};
pub use recorder::Recorder;

/// Which part of a run to export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceOptions {
    /// Only what happens in `[from, until]` of simulated time (spans that overlap it, whole).
    pub window: Option<(SimTime, SimTime)>,
    /// Keep one client request in `sample`, chosen by its id, with all its spans and refusals,
    /// and one change in `sample` of each queue's depth; 1 keeps all. Faults, breakers and
    /// leaders are kept whatever the sampling.
    pub sample: u64,
}

impl Default for TraceOptions {
    fn default() -> Self {
        TraceOptions { window: None, sample: 1 }
    }
}

impl TraceOptions {
    pub(crate) fn from(&self) -> SimTime {
        self.window.map_or(SimTime::ZERO, |(from, _)| from)
    }

    pub(crate) fn until(&self) -> SimTime {
        self.window.map_or(SimTime::MAX, |(_, until)| until)
    }

    /// Whether an instant falls in the window.
    pub(crate) fn holds(&self, at: SimTime) -> bool {
        self.from() <= at && at <= self.until()
    }

    /// Whether request `request` is one of those kept. Its id is mixed first so that a stride
    /// in the ids (two clients taking turns) is not a stride in what is kept.
    pub fn samples(&self, request: u64) -> bool {
        self.sample <= 1 || mix(request).is_multiple_of(self.sample)
    }
}

/// The run's events, ready to write: what `recorder` saw and what the scenario and `metrics`
/// know of faults, breakers and leaders.
pub fn export(scenario: &Scenario, metrics: &Metrics, recorder: Recorder) -> Export {
    Export::new(scenario, metrics, recorder)
}
