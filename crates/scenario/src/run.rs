//! Running a checked scenario: build the world, watch it with the invariant monitor, collect
//! the outcome.

use faultline_check::{Monitor, RunEnd, RunSetup, Verdict};
use faultline_engine::{LimitExceeded, Limits, RunStats, SimTime, run};
use faultline_model::{Metrics, Observer, World};

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
        let (mut world, limits) = self.world(seed);
        let stats = run(&mut world, limits)?;
        Ok(self.outcome(seed, world, stats))
    }

    /// Runs the scenario once with `seed`, with `watcher` told of every observation beside the
    /// invariants (an exporter recording the run, say); hands the watcher back. Same results as
    /// [`Scenario::run`]: an observer only watches.
    pub fn run_watched<O: Observer>(
        &self,
        seed: u64,
        watcher: O,
    ) -> Result<(Outcome, O), LimitExceeded> {
        let monitor = self.monitor();
        let mut world = World::new(&self.world, seed, (monitor, watcher));
        let stats = run(&mut world, self.limits())?;
        let (metrics, (monitor, watcher), in_flight) = world.finish();
        let verdicts = monitor.verdicts(&RunEnd { metrics: &metrics, in_flight });
        Ok((Outcome { seed, stats, metrics, verdicts, in_flight }, watcher))
    }

    /// The world of a run with `seed`, watched by the scenario's invariants, and the limits it
    /// runs under: for tools that step a run themselves (`faultline replay`).
    pub fn world(&self, seed: u64) -> (World<Monitor>, Limits) {
        (World::new(&self.world, seed, self.monitor()), self.limits())
    }

    /// The invariants' monitor for one run.
    fn monitor(&self) -> Monitor {
        let setup = RunSetup { longest: self.duration, warmup: SimTime::ZERO + self.warmup };
        Monitor::new(self.invariants.iter().map(|i| i.property(&setup)))
    }

    fn limits(&self) -> Limits {
        Limits {
            end: SimTime::ZERO + self.duration,
            max_events: self.max_events,
            max_work_per_instant: self.max_work_per_instant,
        }
    }

    /// What a finished run of [`Scenario::world`] produced.
    pub fn outcome(&self, seed: u64, world: World<Monitor>, stats: RunStats) -> Outcome {
        let (metrics, monitor, in_flight) = world.finish();
        let verdicts = monitor.verdicts(&RunEnd { metrics: &metrics, in_flight });
        Outcome { seed, stats, metrics, verdicts, in_flight }
    }
}
