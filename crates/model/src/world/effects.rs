//! The world's side of effects and entities: the dedup table of each effect (shared by every
//! service and instance applying it, as one store would be), the entity table of each `Apply`
//! step's table name, and the `Effect` and `Apply` steps that use them.
//!
//! An `Effect` or `Apply` step takes no time: it is the instant the handler writes. Without
//! such steps `World::effects` is `None` and nothing here runs. Must never decide from
//! anything but the request's payload and the tables.

use super::*;
use crate::plan::apply_steps;
use crate::{Applied, ApplyStep, DedupTable, Entities, OncePer, Step};

/// Dedup and entity tables, in a world with an `Effect` or `Apply` step.
#[derive(Debug)]
pub(super) struct Effects {
    /// Per effect: its dedup table, when a step of it deduplicates (the longest window).
    dedup: Vec<Option<DedupTable>>,
    /// Per `Apply` step (as planned): its configuration and its table's number.
    applies: Vec<(ApplyStep, u32)>,
    /// Per entity table.
    tables: Vec<Entities>,
}

impl Effects {
    pub(super) fn new(config: &WorldConfig) -> Option<Self> {
        let names = crate::effect_names(config);
        let tables = crate::entity_tables(config);
        let applies = apply_steps(config);
        if names.is_empty() && applies.is_empty() {
            return None;
        }
        let mut windows: Vec<Option<SimDuration>> = vec![None; names.len()];
        each_effect(config, &mut |step| {
            let effect = names.iter().position(|n| *n == step.name).unwrap_or(0);
            if let Some(window) = step.dedup {
                windows[effect] = Some(windows[effect].map_or(window, |w| w.max(window)));
            }
        });
        let table_of =
            |a: &ApplyStep| tables.iter().position(|(name, _)| *name == a.entity).unwrap_or(0);
        let initial: Vec<u16> = tables
            .iter()
            .map(|(name, _)| applies.iter().find(|a| a.entity == *name).map_or(0, |a| a.initial))
            .collect();
        Some(Effects {
            dedup: windows.into_iter().map(|w| w.map(DedupTable::new)).collect(),
            applies: applies.iter().map(|a| ((*a).clone(), table_of(a) as u32)).collect(),
            tables: initial.into_iter().map(Entities::new).collect(),
        })
    }
}

fn each_effect(config: &WorldConfig, f: &mut impl FnMut(&crate::EffectStep)) {
    fn walk(steps: &[Step], f: &mut impl FnMut(&crate::EffectStep)) {
        for step in steps {
            match step {
                Step::Effect(effect) => f(effect),
                Step::Fanout { steps, .. } => walk(steps, f),
                _ => {}
            }
        }
    }
    for service in &config.services {
        walk(&service.steps, f);
    }
}

impl<O: Observer> World<O> {
    /// The `Effect` step of job `slot`: applies effect `effect` for the operation `once_per`
    /// picks, unless `dedup` finds it applied within its window (the job goes on either way).
    pub(super) fn effect(
        &mut self,
        slot: u32,
        effect: u32,
        once_per: OncePer,
        dedup: Option<SimDuration>,
        now: SimTime,
    ) {
        let job = self.jobs.get(slot);
        let (request, service, attempt) = (job.request, job.service as usize, job.attempt);
        let op = match once_per {
            OncePer::Key => job.payload.key,
            OncePer::Field(field) => job.payload.fields[field],
        };
        let Some(effects) = self.effects.as_deref_mut() else { return };
        if let Some(table) = &mut effects.dedup[effect as usize] {
            if let Some(first) = dedup.and_then(|within| table.applied_within(op, now, within)) {
                let suppressed =
                    Observation::EffectSuppressed { effect, op, request, service, attempt, first };
                self.observer.observe(now, &suppressed);
                return;
            }
            table.record(op, now);
        }
        let applied = Observation::EffectApplied { effect, op, request, service, attempt };
        self.observer.observe(now, &applied);
    }

    /// The `Apply` step numbered `step` of job `slot`: moves the request's entity to the state
    /// its event names. False when the event names no state (the job fails, as a 400 would).
    pub(super) fn apply_event(&mut self, slot: u32, step: u32, now: SimTime) -> bool {
        let job = self.jobs.get(slot);
        let (request, service, payload) = (job.request, job.service as usize, job.payload);
        let Some(effects) = self.effects.as_deref_mut() else { return false };
        let (apply, entity) = &effects.applies[step as usize];
        let Some(to) = apply.state_of(payload.fields[apply.field]) else { return false };
        let version = apply.version.map(|field| payload.fields[field]);
        let checked = version.filter(|_| apply.check_version);
        let (entity, key) = (*entity, payload.key);
        let what = match effects.tables[entity as usize].apply(&apply.transitions, key, to, checked)
        {
            Applied::Moved { from, to, valid } => {
                let order = version.unwrap_or(request);
                Observation::EventApplied { entity, key, from, to, valid, order, request, service }
            }
            Applied::Stale { current } => {
                let version = version.unwrap_or(0);
                Observation::EventSkipped { entity, key, to, version, current, request, service }
            }
        };
        self.observer.observe(now, &what);
        true
    }
}
