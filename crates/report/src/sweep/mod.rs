//! `faultline sweep`: one scenario over a range of seeds, summarised per invariant (violation
//! rate with a Wilson interval, the seeds to replay) and across seeds (latency, goodput), and
//! split into shards that merge back into exactly the same report.
//!
//! Nothing here runs a simulation or reads the clock: the command line runs the seeds and
//! folds each outcome into a [`SweepTally`].

mod report;
mod shard;
mod spec;
mod tally;
mod wilson;

pub use report::{FailingSeed, Interval, Spread, Stopped, SweepInvariant, SweepReport};
pub use shard::{MergeError, SHARD_FORMAT, ShardOf, SweepShard, merge_shards};
pub use spec::{SeedRange, SweepSpec, reproduce_command, shell_quote, text_hash};
pub use tally::{FIRST_SEEDS, InvariantTally, StoppedSeed, SweepTally};
pub use wilson::wilson_95;
