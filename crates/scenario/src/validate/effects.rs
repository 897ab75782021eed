//! Effects and entities: the `Effect` step (its effect's name, what names its operation, its
//! dedup window), the `Apply` step (its event field, states and transitions, initial state,
//! version check), the symbolic values of event fields, and the names the effect and entity
//! invariants word their violations with.
//!
//! A field an `Apply` step reads takes state names as values: its symbols are every state name
//! of every `Apply` step reading it, sorted, and a name's value is its position plus one (0: no
//! event). [`FieldSymbols::field_value`] is the one place a field's text becomes its number,
//! for clients' `Fixed` and `Cycle` values and any later step that writes fields. Never
//! accepts a state no transition list declares, a zero window, or a field no client sets.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use faultline_check::{EffectNames, EntityNames, EntityTable, Invariant};
use faultline_model::{
    ApplyStep, EffectStep, MAX_STATES, OncePer, Step, Transitions, WorldConfig, effect_names,
    entity_tables,
};

use crate::error::{did_you_mean, list};
use crate::raw::{ApplyCheckRaw, OncePerRaw, ScenarioFile, StepRaw};

use super::Checker;

/// The state names each event field takes, sorted (fields no `Apply` step reads take numbers).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSymbols {
    by_field: BTreeMap<String, Vec<String>>,
}

/// Why a field's text has no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldValueError {
    /// The field names states, and this is none of them.
    NotAState { field: String, text: String, states: Vec<String> },
    /// The field takes numbers, and this is not one.
    NotANumber { field: String, text: String },
}

impl fmt::Display for FieldValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValueError::NotAState { field, text, states } => write!(
                f,
                "`{text}` is not a state of field `{field}`, whose states are {}",
                list(states)
            ),
            FieldValueError::NotANumber { field, text } => write!(
                f,
                "`{text}` is not a number, and no `Apply` step reads field `{field}` as states"
            ),
        }
    }
}

impl FieldValueError {
    /// How to fix it.
    pub fn help(&self) -> Option<String> {
        match self {
            FieldValueError::NotAState { text, states, .. } => {
                did_you_mean(text, states.iter().map(String::as_str))
            }
            FieldValueError::NotANumber { .. } => Some(
                "write a whole number such as \"3\", or add the state to an `Apply` step".into(),
            ),
        }
    }
}

impl FieldSymbols {
    /// The symbols of every field an `Apply` step of `raw` reads (states as written: a state
    /// its transitions do not declare is reported by the step, not here).
    pub fn of(raw: &ScenarioFile) -> Self {
        let mut by_field: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        fn walk(steps: &[StepRaw], by_field: &mut BTreeMap<String, BTreeSet<String>>) {
            for step in steps {
                match step {
                    StepRaw::Apply { field, states, .. } => {
                        by_field.entry(field.clone()).or_default().extend(states.keys().cloned());
                    }
                    StepRaw::Fanout { steps, .. } => walk(steps, by_field),
                    _ => {}
                }
            }
        }
        for service in raw.services.values() {
            walk(service.steps.as_deref().unwrap_or(&[]), &mut by_field);
        }
        let by_field = by_field.into_iter().map(|(f, s)| (f, s.into_iter().collect())).collect();
        FieldSymbols { by_field }
    }

    /// The value `text` stands for in `field`: a state's position among the field's symbols
    /// plus one, or a whole number for a field no `Apply` step reads.
    pub fn field_value(&self, field: &str, text: &str) -> Result<u64, FieldValueError> {
        match self.by_field.get(field) {
            Some(states) => {
                states.iter().position(|s| s == text).map(|i| i as u64 + 1).ok_or_else(|| {
                    FieldValueError::NotAState {
                        field: field.into(),
                        text: text.into(),
                        states: states.clone(),
                    }
                })
            }
            None => text.trim().parse().map_err(|_| FieldValueError::NotANumber {
                field: field.into(),
                text: text.into(),
            }),
        }
    }
}

/// What checking these steps needs: the fields requests carry and their symbols.
#[derive(Clone, Copy)]
pub(super) struct Fields<'a> {
    pub(super) names: &'a [String],
    pub(super) symbols: &'a FieldSymbols,
}

impl Fields<'_> {
    /// The index of field `name`, or a problem at `at`.
    pub(super) fn find(&self, c: &mut Checker, at: &[&str], name: &str) -> Option<usize> {
        let found = self.names.iter().position(|f| f == name);
        if found.is_none() {
            let help =
                did_you_mean(name, self.names.iter().map(String::as_str)).unwrap_or_else(|| {
                    format!("have a client send it, e.g. `fields: {{\"{name}\": Sequence}}`")
                });
            let message = format!(
                "no client sets field `{name}`; the fields requests carry are {}",
                list(self.names)
            );
            c.report(at, message, Some(help));
        }
        found
    }
}

/// `Effect(name: ..., once_per: Key | Field("order"), dedup: "24h")`.
pub(super) fn check_effect(
    c: &mut Checker,
    at: &[&str],
    name: &str,
    once_per: &OncePerRaw,
    dedup: Option<&str>,
    fields: Fields,
) -> Option<Step> {
    let field = |f: &'static str| [at, &[f]].concat();
    if name.trim().is_empty() {
        c.report(&field("name"), "an effect needs a name", Some("e.g. `name: \"charge\"`".into()));
    }
    let once_per = match once_per {
        OncePerRaw::Key => Some(OncePer::Key),
        OncePerRaw::Field(name) => {
            fields.find(c, &[&field("once_per")[..], &["0"]].concat(), name).map(OncePer::Field)
        }
    };
    let dedup = match dedup {
        Some(text) => {
            let at = field("dedup");
            let window = c.duration(&at, text)?;
            if window.is_zero() {
                let message = "a dedup window of 0 remembers nothing: every duplicate applies";
                let help = "give the window an idempotency key is kept for, e.g. \"24h\", or remove `dedup`";
                c.report(&at, message, Some(help.into()));
                return None;
            }
            Some(Some(window))
        }
        None => Some(None),
    };
    Some(Step::Effect(EffectStep { name: name.to_string(), once_per: once_per?, dedup: dedup? }))
}

/// The raw parts of an `Apply` step.
pub(super) struct ApplyRaw<'a> {
    pub(super) field: &'a str,
    pub(super) states: &'a BTreeMap<String, Vec<String>>,
    pub(super) initial: &'a str,
    pub(super) version: Option<&'a str>,
    pub(super) check: Option<&'a ApplyCheckRaw>,
    /// The service as written: it names the entity table.
    pub(super) service: &'a str,
}

/// `Apply(field: ..., states: {...}, initial: ..., version: ..., check: Version)`.
pub(super) fn check_apply(
    c: &mut Checker,
    at: &[&str],
    raw: ApplyRaw,
    fields: Fields,
) -> Option<Step> {
    let sub = |f: &'static str| [at, &[f]].concat();
    let field = fields.find(c, &sub("field"), raw.field);
    let states: Vec<String> = raw.states.keys().cloned().collect();
    if states.is_empty() || states.len() > MAX_STATES {
        let message = format!("{} states; an `Apply` step has 1 to {MAX_STATES}", states.len());
        c.report(&sub("states"), message, None);
        return None;
    }
    let state = |c: &mut Checker, at: &[&str], name: &str| -> Option<u16> {
        let found = states.iter().position(|s| s == name).map(|i| i as u16);
        if found.is_none() {
            let help = did_you_mean(name, states.iter().map(String::as_str))
                .unwrap_or_else(|| format!("declare it: `\"{name}\": []` for a final state"));
            let message = format!(
                "`{name}` is not a state; the states (the keys of `states`) are {}",
                list(&states)
            );
            c.report(at, message, Some(help));
        }
        found
    };
    let mut moves = Vec::with_capacity(states.len());
    let mut ok = true;
    for (from, targets) in raw.states {
        let mut to = Vec::new();
        for (i, target) in targets.iter().enumerate() {
            let index = i.to_string();
            let at = [&sub("states")[..], &[from.as_str(), &index]].concat();
            match state(c, &at, target) {
                Some(s) => to.push(s),
                None => ok = false,
            }
        }
        moves.push(to);
    }
    let initial = state(c, &sub("initial"), raw.initial);
    let version = match raw.version {
        Some(name) => Some(fields.find(c, &sub("version"), name)?),
        None => None,
    };
    let check_version = matches!(raw.check, Some(ApplyCheckRaw::Version));
    if check_version && version.is_none() {
        let message = "`check: Version` compares versions, and the step names no `version` field";
        c.report(
            &sub("check"),
            message,
            Some("add `version: \"version\"`, the field carrying each event's version".into()),
        );
        return None;
    }
    let (field, initial) = (field?, initial?);
    if !ok {
        return None;
    }
    let values =
        states.iter().map(|s| fields.symbols.field_value(raw.field, s).unwrap_or(0)).collect();
    Some(Step::Apply(Box::new(ApplyStep {
        entity: raw.service.to_string(),
        field,
        states,
        values,
        transitions: Transitions::new(&moves),
        initial,
        version,
        check_version,
    })))
}

/// A service's `Apply` steps write one entity table: they must agree on its states and
/// initial state.
pub(super) fn check_one_table(c: &mut Checker, service: &str, steps: &[Step]) {
    let mut applies = Vec::new();
    fn walk<'a>(steps: &'a [Step], out: &mut Vec<&'a ApplyStep>) {
        for step in steps {
            match step {
                Step::Apply(apply) => out.push(apply),
                Step::Fanout { steps, .. } => walk(steps, out),
                _ => {}
            }
        }
    }
    walk(steps, &mut applies);
    if let [first, rest @ ..] = applies.as_slice()
        && rest.iter().any(|a| a.states != first.states || a.initial != first.initial)
    {
        let message = format!(
            "the `Apply` steps of service `{service}` write one entity table, and declare different states or initial states"
        );
        let help = "give them the same `states` and `initial`, or move one to a service of its own";
        c.report(&["services", service, "steps"], message, Some(help.into()));
    }
}

/// The invariant `raw` names, its names left for [`name_invariants`] once instances are
/// expanded; a problem when the scenario has no step for it to watch.
pub(super) fn check_invariant(
    c: &mut Checker,
    at: &[&str],
    which: &str,
    raw: &ScenarioFile,
) -> Option<Invariant> {
    let (effects, applies) = steps_in(raw);
    let (needed, has) = if which == "ExactlyOnceEffects" {
        ("an `Effect` step", effects)
    } else {
        ("an `Apply` step", applies)
    };
    if !has {
        c.report(at, format!("`{which}` watches {needed}, and no handler has one"), None);
        return None;
    }
    let entities = EntityNames { tables: vec![] };
    Some(match which {
        "ExactlyOnceEffects" => {
            Invariant::ExactlyOnceEffects(EffectNames { effects: vec![], services: vec![] })
        }
        "ValidTransitions" => Invariant::ValidTransitions(entities),
        _ => Invariant::FinalStateMatchesLastEvent(entities),
    })
}

/// Whether some handler has an `Effect` step, and an `Apply` step.
fn steps_in(raw: &ScenarioFile) -> (bool, bool) {
    fn walk(steps: &[StepRaw], found: &mut (bool, bool)) {
        for step in steps {
            match step {
                StepRaw::Effect { .. } => found.0 = true,
                StepRaw::Apply { .. } => found.1 = true,
                StepRaw::Fanout { steps, .. } => walk(steps, found),
                _ => {}
            }
        }
    }
    let mut found = (false, false);
    for service in raw.services.values() {
        walk(service.steps.as_deref().unwrap_or(&[]), &mut found);
    }
    found
}

/// Gives the effect and entity invariants the names of the built world (services after
/// instances are expanded, effects and tables numbered as the model numbers them).
pub(super) fn name_invariants(world: &WorldConfig, invariants: &mut [Invariant]) {
    let services: Vec<String> = world.services.iter().map(|s| s.name.clone()).collect();
    let effects: Vec<(String, String)> = effect_names(world)
        .into_iter()
        .map(|name| {
            let per = once_per_word(world, &name);
            (name, per)
        })
        .collect();
    let tables = entity_tables(world)
        .into_iter()
        .map(|(name, states)| {
            let versioned = applies(world).any(|a| a.entity == name && a.version.is_some());
            EntityTable { name, states, versioned }
        })
        .collect();
    let entities = EntityNames { tables };
    for invariant in invariants {
        match invariant {
            Invariant::ExactlyOnceEffects(names) => {
                *names = EffectNames { effects: effects.clone(), services: services.clone() };
            }
            Invariant::ValidTransitions(names) | Invariant::FinalStateMatchesLastEvent(names) => {
                *names = entities.clone();
            }
            _ => {}
        }
    }
}

/// What names the operations of effect `name`: its first step's field, or `key`.
fn once_per_word(world: &WorldConfig, name: &str) -> String {
    let first = steps(world).find_map(|step| match step {
        Step::Effect(e) if e.name == name => Some(e.once_per),
        _ => None,
    });
    match first {
        Some(OncePer::Field(f)) => world.fields.get(f).cloned().unwrap_or_default(),
        _ => "key".into(),
    }
}

fn applies(world: &WorldConfig) -> impl Iterator<Item = &ApplyStep> {
    steps(world).filter_map(|step| match step {
        Step::Apply(a) => Some(&**a),
        _ => None,
    })
}

/// Every step of every handler, sub-task steps included.
fn steps(world: &WorldConfig) -> impl Iterator<Item = &Step> {
    fn flat<'a>(steps: &'a [Step], out: &mut Vec<&'a Step>) {
        for step in steps {
            out.push(step);
            if let Step::Fanout { steps, .. } = step {
                flat(steps, out);
            }
        }
    }
    let mut out = Vec::new();
    for service in &world.services {
        flat(&service.steps, &mut out);
    }
    out.into_iter()
}

#[cfg(test)]
mod tests {
    use faultline_engine::SimDuration;

    use super::super::testing::{refused, scenario, valid};
    use super::*;

    const ORDERS: &str = r#""orders": (workers: 2, steps: [Apply(field: "event", initial: "none",
        states: {"none": ["created"], "created": ["paid", "cancelled"], "paid": ["shipped", "cancelled"],
                 "shipped": [], "cancelled": []}, version: "version", check: Version)])"#;
    const SENDER: &str = r#""shop": (target: "orders", rate: "1/s", key: Repeat(3),
        fields: {"event": Cycle(["created", "paid", "shipped"]), "version": Sequence})"#;

    /// States sorted: cancelled 1, created 2, none 3, paid 4, shipped 5; the client's cycle
    /// resolves through the same numbers.
    #[test]
    fn states_become_field_values_that_clients_and_steps_share() {
        let s = valid(&scenario(ORDERS, SENDER, ""));
        let Step::Apply(apply) = &s.world.services[0].steps[0] else { panic!("an Apply step") };
        assert_eq!(apply.states, ["cancelled", "created", "none", "paid", "shipped"]);
        assert_eq!(apply.values, [1, 2, 3, 4, 5]);
        assert_eq!(
            (apply.initial, apply.field, apply.version, apply.check_version),
            (2, 0, Some(1), true)
        );
        assert!(apply.transitions.allows(1, 3) && !apply.transitions.allows(1, 4));
        let fields = &s.world.clients[0].fields;
        let mut cycle = [0; faultline_model::MAX_CYCLE];
        cycle[..3].copy_from_slice(&[2, 4, 5]);
        assert_eq!(fields[0], (0, faultline_model::Values::Cycle { values: cycle, len: 3 }));
    }

    #[test]
    fn field_value_reads_states_for_event_fields_and_numbers_for_others() {
        let raw = super::super::testing::raw::<ScenarioFile>(&scenario(ORDERS, SENDER, ""));
        let symbols = FieldSymbols::of(&raw);
        assert_eq!(symbols.field_value("event", "paid"), Ok(4));
        assert_eq!(symbols.field_value("version", "17"), Ok(17));
        let err = symbols.field_value("event", "payed").expect_err("not a state");
        assert_eq!(err.help().as_deref(), Some("did you mean `paid`?"));
        assert!(symbols.field_value("version", "x").is_err());
    }

    #[test]
    fn an_effect_step_resolves_its_field_and_window() {
        let pay = r#""pay": (workers: 1, steps: [Effect(name: "charge", once_per: Field("order"), dedup: "24h")])"#;
        let web = r#""web": (target: "pay", rate: "1/s", fields: {"order": Sequence})"#;
        let s = valid(&scenario(pay, web, "invariants: [ExactlyOnceEffects]"));
        let want = EffectStep {
            name: "charge".into(),
            once_per: OncePer::Field(0),
            dedup: Some(SimDuration::from_secs(86_400)),
        };
        assert_eq!(s.world.services[0].steps[0], Step::Effect(want));
        let Invariant::ExactlyOnceEffects(names) = &s.invariants[0] else { panic!() };
        assert_eq!(names.effects, [("charge".to_string(), "order".to_string())]);
    }

    #[test]
    fn unknown_states_fields_and_a_zero_window_are_refused() {
        let bad = ORDERS.replace(r#""paid": ["shipped", "cancelled"]"#, r#""paid": ["shiped"]"#);
        assert_eq!(
            refused(&scenario(&bad, SENDER, "")),
            [
                "services.orders.steps.0.states.paid.0: `shiped` is not a state; the states (the keys \
              of `states`) are `cancelled`, `created`, `none`, `paid` and `shipped`"
            ]
        );
        let zero =
            r#""pay": (workers: 1, steps: [Effect(name: "charge", once_per: Key, dedup: "0s")])"#;
        let web = r#""web": (target: "pay", rate: "1/s")"#;
        assert_eq!(
            refused(&scenario(zero, web, "")),
            [
                "services.pay.steps.0.dedup: a dedup window of 0 remembers nothing: every duplicate applies"
            ]
        );
        let nofield =
            r#""pay": (workers: 1, steps: [Effect(name: "charge", once_per: Field("order"))])"#;
        assert_eq!(
            refused(&scenario(nofield, web, "")),
            [
                "services.pay.steps.0.once_per.0: no client sets field `order`; the fields requests carry are (none)"
            ]
        );
        let two = r#""orders": (workers: 1, steps: [
            Apply(field: "event", initial: "none", states: {"none": ["done"], "done": []}),
            Apply(field: "event", initial: "done", states: {"none": ["done"], "done": []})])"#;
        let shop = r#""shop": (target: "orders", rate: "1/s", fields: {"event": Fixed("done")})"#;
        assert_eq!(
            refused(&scenario(two, shop, "")),
            [
                "services.orders.steps: the `Apply` steps of service `orders` write one entity table, \
              and declare different states or initial states"
            ]
        );
        let api = super::super::testing::API;
        let web = super::super::testing::WEB;
        let no_step = refused(&scenario(api, web, "invariants: [ValidTransitions]"));
        assert_eq!(
            no_step,
            ["invariants.0: `ValidTransitions` watches an `Apply` step, and no handler has one"]
        );
    }
}
