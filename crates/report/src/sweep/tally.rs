//! What a sweep keeps of its seeds: counts, the first failing seeds, and one small number per
//! seed for each distribution, folded in any order and merged from any split of the seeds.
//!
//! It must never keep a run's `Outcome` or summary, and its result must never depend on the
//! order seeds were added or tallies merged (`finish` sorts; sums are of integers).

use faultline_check::RunSetup;
use faultline_engine::SimTime;
use faultline_scenario::{Outcome, Scenario};
use serde::{Deserialize, Serialize};

/// How many failing (or stopped) seeds a tally names, the smallest first.
pub const FIRST_SEEDS: usize = 5;

/// One invariant over the seeds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvariantTally {
    pub name: String,
    pub description: String,
    /// Seeds on which it was violated.
    pub violations: u64,
    /// The smallest such seeds, at most [`FIRST_SEEDS`], ascending.
    pub first_failing: Vec<u64>,
}

/// A seed whose run stopped at a limit, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoppedSeed {
    pub seed: u64,
    pub reason: String,
}

/// The accumulator of a sweep (or of one shard of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepTally {
    /// Simulated length of every run, for goodput.
    pub run_ns: u64,
    /// Runs that finished.
    pub runs: u64,
    /// Finished runs with at least one invariant violated.
    pub violating_runs: u64,
    pub invariants: Vec<InvariantTally>,
    /// Runs that stopped at a limit.
    pub stopped: u64,
    pub first_stopped: Vec<StoppedSeed>,
    /// Per finished run with a successful request after the warm-up: its p50 and p99
    /// latency in nanoseconds. Sorted by [`SweepTally::finish`].
    pub latency_p50_ns: Vec<u64>,
    pub latency_p99_ns: Vec<u64>,
    /// Per finished run: client requests answered with success (goodput × run length).
    pub completed: Vec<u64>,
}

impl SweepTally {
    /// An empty tally for `scenario`'s invariants, in the order the scenario lists them.
    pub fn new(scenario: &Scenario) -> Self {
        let setup =
            RunSetup { longest: scenario.duration, warmup: SimTime::ZERO + scenario.warmup };
        let invariants = scenario
            .invariants
            .iter()
            .map(|i| {
                let any = i.property(&setup);
                let property = any.as_dyn();
                InvariantTally {
                    name: property.name().to_string(),
                    description: property.describe(),
                    violations: 0,
                    first_failing: Vec::new(),
                }
            })
            .collect();
        SweepTally {
            run_ns: scenario.duration.as_nanos(),
            runs: 0,
            violating_runs: 0,
            invariants,
            stopped: 0,
            first_stopped: Vec::new(),
            latency_p50_ns: Vec::new(),
            latency_p99_ns: Vec::new(),
            completed: Vec::new(),
        }
    }

    /// Folds in one finished run; the outcome can be dropped afterwards.
    pub fn add(&mut self, outcome: &Outcome) {
        self.runs += 1;
        let mut violated = false;
        for (tally, verdict) in self.invariants.iter_mut().zip(&outcome.verdicts) {
            if !verdict.holds {
                violated = true;
                tally.violations += 1;
                keep_smallest(&mut tally.first_failing, outcome.seed);
            }
        }
        self.violating_runs += u64::from(violated);
        let latency = outcome.metrics.latency_histogram();
        if !latency.is_empty() {
            let q = latency.quantiles(&[0.50, 0.99]);
            self.latency_p50_ns.push(q[0].as_nanos());
            self.latency_p99_ns.push(q[1].as_nanos());
        }
        self.completed.push(outcome.metrics.completed);
    }

    /// Folds in a run that stopped at a limit.
    pub fn add_stopped(&mut self, seed: u64, reason: String) {
        self.stopped += 1;
        self.add_stopped_entry(StoppedSeed { seed, reason });
    }

    /// Adds another tally of the same sweep (other seeds).
    pub fn merge(mut self, other: SweepTally) -> SweepTally {
        self.runs += other.runs;
        self.violating_runs += other.violating_runs;
        for (mine, theirs) in self.invariants.iter_mut().zip(other.invariants) {
            mine.violations += theirs.violations;
            for seed in theirs.first_failing {
                keep_smallest(&mut mine.first_failing, seed);
            }
        }
        self.stopped += other.stopped;
        for stopped in other.first_stopped {
            self.add_stopped_entry(stopped);
        }
        self.latency_p50_ns.extend(other.latency_p50_ns);
        self.latency_p99_ns.extend(other.latency_p99_ns);
        self.completed.extend(other.completed);
        self
    }

    fn add_stopped_entry(&mut self, stopped: StoppedSeed) {
        self.first_stopped.push(stopped);
        self.first_stopped.sort_by_key(|s| s.seed);
        self.first_stopped.truncate(FIRST_SEEDS);
    }

    /// Puts the per-seed numbers in order, so that equal sets of seeds give equal tallies.
    pub fn finish(mut self) -> SweepTally {
        self.latency_p50_ns.sort_unstable();
        self.latency_p99_ns.sort_unstable();
        self.completed.sort_unstable();
        self
    }

    /// Whether the invariants are those of `other` (same names and descriptions, in order).
    pub fn same_invariants(&self, other: &SweepTally) -> bool {
        self.invariants.len() == other.invariants.len()
            && self
                .invariants
                .iter()
                .zip(&other.invariants)
                .all(|(a, b)| a.name == b.name && a.description == b.description)
    }
}

/// Inserts `seed` into the ascending list, keeping at most [`FIRST_SEEDS`] of the smallest.
fn keep_smallest(seeds: &mut Vec<u64>, seed: u64) {
    if let Err(at) = seeds.binary_search(&seed) {
        seeds.insert(at, seed);
        seeds.truncate(FIRST_SEEDS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_smallest_seeds_whatever_the_order() {
        let mut forward = Vec::new();
        let mut backward = Vec::new();
        for seed in 1..=20u64 {
            keep_smallest(&mut forward, seed * 3);
            keep_smallest(&mut backward, (21 - seed) * 3);
        }
        assert_eq!(forward, [3, 6, 9, 12, 15]);
        assert_eq!(backward, forward);
        keep_smallest(&mut forward, 9); // a duplicate changes nothing
        assert_eq!(forward, [3, 6, 9, 12, 15]);
    }
}
