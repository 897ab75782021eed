//! Running a checked scenario: build the world, watch it with the invariant monitor, collect
//! the outcome.

use faultline_check::{Monitor, RunEnd, RunSetup, Verdict};
use faultline_engine::{LimitExceeded, Limits, RunStats, SimTime, run};
use faultline_model::{Metrics, World};

use crate::Scenario;

/// Everything one run produced.
#[derive(Debug)]
pub struct Outcome {
    pub seed: u64,
    pub stats: RunStats,
    pub metrics: Metrics,
    pub verdicts: Vec<Verdict>,
    /// Requests still in the system when the run ended.
    pub in_flight: u64,
}

impl Outcome {
    pub fn all_hold(&self) -> bool {
        self.verdicts.iter().all(|v| v.holds)
    }
}

impl Scenario {
    /// Runs the scenario once with `seed`. Stops with an error if a limit is reached.
    pub fn run(&self, seed: u64) -> Result<Outcome, LimitExceeded> {
        let setup = RunSetup { longest: self.duration, warmup: SimTime::ZERO + self.warmup };
        let monitor = Monitor::new(self.invariants.iter().map(|i| i.property(&setup)));
        let mut world = World::new(&self.world, seed, monitor);
        let limits = Limits {
            end: SimTime::ZERO + self.duration,
            max_events: self.max_events,
            max_work_per_instant: self.max_work_per_instant,
        };
        let stats = run(&mut world, limits)?;
        let (metrics, monitor, in_flight) = world.finish();
        let verdicts = monitor.verdicts(&RunEnd { metrics: &metrics, in_flight });
        Ok(Outcome { seed, stats, metrics, verdicts, in_flight })
    }
}
