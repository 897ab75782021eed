//! Typed, validated clock configuration of one node: where its clock starts, how fast it runs,
//! the steps scheduled on it and how often it is synchronised.

use faultline_engine::{SimDuration, SimTime};

/// The local clock of one node. `ClockConfig::default()` is a clock that reads true time.
///
/// Validation guarantees `|drift_ppm| ≤ 1,000,000` and, with `sync`, a non-zero `every`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClockConfig {
    /// Local minus true time at time zero, in nanoseconds (negative: the clock is behind). It
    /// holds until the first synchronisation, which replaces it.
    pub offset: i64,
    /// How much faster than true time the clock runs, in parts per million: at `+50` it gains
    /// 50 µs every true second; at `-1,000,000` it stands still.
    pub drift_ppm: f64,
    /// Jumps of the clock at given true instants, in any order.
    pub steps: Vec<ClockStep>,
    /// Periodic synchronisation against true time; `None` lets the error grow without bound.
    pub sync: Option<ClockSync>,
}

impl ClockConfig {
    /// Whether a clock so configured always reads true time.
    pub fn is_true_time(&self) -> bool {
        self.offset == 0
            && self.drift_ppm == 0.0
            && self.steps.iter().all(|step| step.by == 0)
            && self.sync.is_none()
    }
}

/// A jump of a node's wall clock (`+2s`, `-5min`) at true time `at`, as an operator or a
/// misbehaving time daemon would set it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockStep {
    pub at: SimTime,
    /// How far the clock jumps, in nanoseconds (negative: backwards).
    pub by: i64,
}

/// Synchronisation at every multiple of `every` after time zero, each leaving the clock within
/// `within` of true time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockSync {
    pub every: SimDuration,
    pub within: SimDuration,
}
