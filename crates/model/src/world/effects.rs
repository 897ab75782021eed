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

#[cfg(test)]
mod tests {
    use faultline_engine::{Limits, run};

    use super::*;
    use crate::{ArrivalProcess, CallConfig, ClientConfig, Endpoint, Transitions, Values};

    /// What the steps reported: effects applied, effects suppressed, events applied.
    #[derive(Default)]
    struct Seen(u64, u64, u64);

    impl Observer for Seen {
        fn observe(&mut self, _now: SimTime, what: &Observation) {
            match what {
                Observation::EffectApplied { .. } => self.0 += 1,
                Observation::EffectSuppressed { .. } => self.1 += 1,
                Observation::EventApplied { .. } => self.2 += 1,
                _ => {}
            }
        }
    }

    /// `shop` sends one request a second for 10 s, all with key 0 and field 0 = `value`, to a
    /// service running `steps`.
    fn run_world(steps: Vec<Step>, value: u64) -> (Seen, Metrics) {
        let call = CallConfig::plain(Endpoint::Service(0), None);
        let mut values = [0; crate::MAX_CYCLE];
        values[0] = value;
        let shop = ClientConfig {
            fields: vec![(0, Values::Cycle { values, len: 1 })],
            ..ClientConfig::new("shop", ArrivalProcess::Fixed, 1.0, call)
        };
        let end = SimTime::ZERO + SimDuration::from_millis(10_500);
        let config = WorldConfig {
            fields: vec!["order".into()],
            ..WorldConfig::new(vec![shop], vec![crate::ServiceConfig::new("s", 1, steps)], end)
        };
        let mut world = World::new(&config, 1, Seen::default());
        run(&mut world, Limits { end, max_events: 10_000, max_work_per_instant: 1_000 })
            .expect("runs");
        let (metrics, seen, _) = world.finish();
        (seen, metrics)
    }

    fn effect(dedup: Option<SimDuration>) -> Step {
        Step::Effect(crate::EffectStep {
            name: "charge".into(),
            once_per: OncePer::Field(0),
            dedup,
        })
    }

    /// Ten requests for one order: without dedup ten charges; with a 3.5 s window the charges
    /// at 1, 5 and 9 s apply (each 4 s after the last kept one) and the other seven are
    /// suppressed; every request succeeds either way.
    #[test]
    fn an_effect_applies_every_time_unless_its_window_remembers_the_operation() {
        let (seen, m) = run_world(vec![effect(None)], 7);
        assert_eq!((seen.0, seen.1, m.completed), (10, 0, 10));
        let (seen, m) = run_world(vec![effect(Some(SimDuration::from_millis(3_500)))], 7);
        assert_eq!((seen.0, seen.1, m.completed), (3, 7, 10));
    }

    /// An event whose value names no state fails its request, and moves nothing.
    #[test]
    fn an_event_naming_no_state_fails_the_request() {
        let apply = |value| {
            let step = Step::Apply(Box::new(ApplyStep {
                entity: "s".into(),
                field: 0,
                states: vec!["none".into(), "done".into()],
                values: vec![1, 2],
                transitions: Transitions::new(&[vec![1], vec![]]),
                initial: 0,
                version: None,
                check_version: false,
            }));
            run_world(vec![step], value)
        };
        let (seen, m) = apply(2);
        assert_eq!((seen.2, m.completed, m.failed), (10, 10, 0));
        let (seen, m) = apply(9);
        assert_eq!((seen.2, m.completed, m.failed), (0, 0, 10));
    }
}
