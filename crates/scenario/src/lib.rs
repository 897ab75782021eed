//! Scenario files: RON text → (variant and `--set` patches) → raw serde types → a validated,
//! typed [`Scenario`] ready to build a world from.
//!
//! Every user-facing problem names file:line:col (or the `--set` argument) and, where it can,
//! suggests the fix. Nothing here runs a simulation.

mod doc;
mod error;
mod patch;
pub mod path;
mod raw;
mod reach;
mod run;
pub mod shrink;
mod units;
mod validate;

use faultline_check::Invariant;
use faultline_engine::SimDuration;
use faultline_model::WorldConfig;

pub use error::{Origin, Problem, ScenarioError, did_you_mean};
pub use run::Outcome;
pub use units::{parse_duration, parse_rate, parse_signed_duration, write_duration};
pub use validate::{
    DEFAULT_MAX_EVENTS, DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_WORK_PER_INSTANT, MAX_WINDOWS,
    default_window,
    effects::{FieldSymbols, FieldValueError},
};

/// A checked scenario, with a variant and command-line patches already applied.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub lesson: String,
    /// The file's default seed (1 when it names none).
    pub seed: u64,
    /// The variant applied, if any.
    pub variant: Option<String>,
    /// Every variant in the file: name and description.
    pub variants: Vec<(String, String)>,
    pub duration: SimDuration,
    pub warmup: SimDuration,
    pub max_events: u64,
    /// Events and queued work looked at, at one simulated instant, before the run is stuck.
    pub max_work_per_instant: u64,
    pub invariants: Vec<Invariant>,
    pub world: WorldConfig,
}

/// What to change in a scenario before checking it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    pub variant: Option<String>,
    /// `path=value` patches, applied after the variant, in order.
    pub sets: Vec<String>,
}

/// Loads a scenario from its text. `file` is how the file is named in messages.
pub fn load(file: &str, text: &str, overrides: &Overrides) -> Result<Scenario, ScenarioError> {
    let fail = |problems: Vec<Problem>| ScenarioError { file: file.to_string(), problems };
    let base = patch::parse(text).map_err(|p| fail(vec![p]))?;
    let patched = patch::apply(text, &base, overrides).map_err(fail)?;
    let final_raw = patch::parse(&patched.text).map_err(|p| fail(vec![p]))?;
    let mut problems = patch::duplicate_names(text);
    match validate::validate(&final_raw, overrides.variant.as_deref()) {
        Ok(scenario) if problems.is_empty() => Ok(scenario),
        Ok(_) => Err(fail(problems)),
        Err(found) => {
            problems.extend(found.into_iter().map(|p| patched.locate(text, p)));
            Err(fail(problems))
        }
    }
}
