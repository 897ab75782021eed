//! Side effects that must happen once, and entities whose state moves by rules: the `Effect`
//! and `Apply` handler steps' configuration, the dedup table an `Effect` step consults
//! (`ledger.rs`) and the entity tables an `Apply` step writes (`entity.rs`).
//!
//! Pure: owns its tables and decisions, knows nothing of calls, jobs or services. Must never
//! remember a dedup key past its window.

mod entity;
mod ledger;

pub use entity::{Applied, Entities, MAX_STATES, Transitions};
pub use ledger::DedupTable;

use faultline_engine::SimDuration;

use crate::{Step, WorldConfig};

/// What names the logical operation an effect belongs to (its idempotency key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OncePer {
    /// The request's key.
    Key,
    /// A named field of the request (index into [`WorldConfig::fields`]).
    Field(usize),
}

/// An `Effect` step: records that effect `name` happened now for the operation `once_per`
/// picks; with `dedup`, first skips it when the operation was applied within that window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EffectStep {
    pub name: String,
    pub once_per: OncePer,
    pub dedup: Option<SimDuration>,
}

/// An `Apply` step: the event a request's `field` names moves entity (the request's key) of
/// table `entity` to a new state, by `transitions`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplyStep {
    /// The entity table's name (the service as written): instances of a service share it.
    pub entity: String,
    /// The field whose value names the event, i.e. the state it moves to.
    pub field: usize,
    /// Each state's name (as the invariants word it), and the field value naming it.
    pub states: Vec<String>,
    pub values: Vec<u64>,
    pub transitions: Transitions,
    pub initial: u16,
    /// The field holding the event's version: the producer's order of events, which the
    /// invariants judge "last" by.
    pub version: Option<usize>,
    /// Skip an event whose version is not newer than the entity's (needs `version`).
    pub check_version: bool,
}

impl ApplyStep {
    /// The state the field value `value` names.
    pub fn state_of(&self, value: u64) -> Option<u16> {
        self.values.iter().position(|&v| v == value).map(|s| s as u16)
    }
}

/// Every effect name the handlers use, sorted: an effect's number in observations is its
/// index here.
pub fn effect_names(config: &WorldConfig) -> Vec<String> {
    let mut names = std::collections::BTreeSet::new();
    each_step(config, &mut |step| {
        if let Step::Effect(effect) = step {
            names.insert(effect.name.clone());
        }
    });
    names.into_iter().collect()
}

/// Every entity table the handlers write, sorted by name, with its state names: a table's
/// number in observations is its index here. The first `Apply` step of a name gives its states
/// (validation makes sure every step writing a table agrees).
pub fn entity_tables(config: &WorldConfig) -> Vec<(String, Vec<String>)> {
    let mut tables = std::collections::BTreeMap::new();
    each_step(config, &mut |step| {
        if let Step::Apply(apply) = step {
            tables.entry(apply.entity.clone()).or_insert_with(|| apply.states.clone());
        }
    });
    tables.into_iter().collect()
}

/// Every handler step, sub-task steps included.
fn each_step(config: &WorldConfig, f: &mut impl FnMut(&Step)) {
    fn walk(steps: &[Step], f: &mut impl FnMut(&Step)) {
        for step in steps {
            f(step);
            if let Step::Fanout { steps, .. } = step {
                walk(steps, f);
            }
        }
    }
    for service in &config.services {
        walk(&service.steps, f);
    }
}
