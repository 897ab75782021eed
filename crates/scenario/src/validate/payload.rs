//! What requests carry: a client's `key` and named `fields`, each drawn per request
//! (`Uniform(count)` or `Sequence`). Every field name any client uses is one of the world's
//! fields (at most `MAX_FIELDS`, in name order); never accepts a count below one.

use std::collections::BTreeSet;

use faultline_model::{MAX_CYCLE, MAX_FIELDS, Values};

use crate::raw::{ClientRaw, ScenarioFile, StepRaw, ValuesRaw};

use super::Checker;
use super::effects::FieldSymbols;

/// Every field name the clients use, in name order; a name past the limit is refused where it
/// first appears.
pub(super) fn field_names(c: &mut Checker, raw: &ScenarioFile) -> Option<Vec<String>> {
    let mut names = BTreeSet::new();
    for (client, raw) in &raw.clients {
        for field in raw.fields.keys() {
            if names.insert(field.clone()) && names.len() > MAX_FIELDS {
                let message = format!("more than {MAX_FIELDS} named fields across the clients");
                c.report(&["clients", client, "fields", field], message, None);
                return None;
            }
        }
    }
    for (service, s) in &raw.services {
        let mut named = Vec::new();
        steps_fields(s.steps.as_deref().unwrap_or_default(), &mut named);
        for field in named {
            if names.insert(field.to_string()) && names.len() > MAX_FIELDS {
                let message = format!("more than {MAX_FIELDS} named fields across the scenario");
                c.report(&["services", service, "steps"], message, None);
                return None;
            }
        }
    }
    Some(names.into_iter().collect())
}

/// The fields `Publish` steps set, in the order written. (A field a step only reads, a key or a
/// `Require`, must be set somewhere: that is checked where it is read.)
fn steps_fields<'a>(steps: &'a [StepRaw], out: &mut Vec<&'a str>) {
    for step in steps {
        match step {
            StepRaw::Publish { fields, .. } => out.extend(fields.keys().map(String::as_str)),
            StepRaw::Fanout { steps, .. } => steps_fields(steps, out),
            _ => {}
        }
    }
}

/// A client's key and fields, the fields by their index among `fields`.
pub(super) type Payload = (Option<Values>, Vec<(usize, Values)>);

pub(super) fn check_payload(
    c: &mut Checker,
    client: &str,
    raw: &ClientRaw,
    fields: &[String],
    symbols: &FieldSymbols,
) -> Option<Payload> {
    let key = match &raw.key {
        Some(values) => Some(check_values(c, &["clients", client, "key"], values, None)?),
        None => None,
    };
    let mut checked = Vec::new();
    for (name, values) in &raw.fields {
        let at = ["clients", client, "fields", name];
        let values = check_values(c, &at, values, Some((name, symbols)))?;
        // Missing only when there are too many fields, which is reported already.
        let index = fields.iter().position(|f| f == name)?;
        checked.push((index, values));
    }
    Some((key, checked))
}

/// `field` is the field's name and symbols; `None` for the key, which takes numbers.
fn check_values(
    c: &mut Checker,
    at: &[&str],
    raw: &ValuesRaw,
    field: Option<(&str, &FieldSymbols)>,
) -> Option<Values> {
    match raw {
        ValuesRaw::Sequence => Some(Values::Sequence),
        ValuesRaw::Uniform(count) => {
            let count = c.count(at, *count, 1, i64::MAX)?;
            Some(Values::Uniform { count })
        }
        ValuesRaw::Repeat(each) => {
            let each = c.count(at, *each, 1, i64::MAX)?;
            Some(Values::Repeat { each })
        }
        ValuesRaw::Fixed(text) => cycle(c, at, std::slice::from_ref(text), field),
        ValuesRaw::Cycle(texts) => cycle(c, at, texts, field),
    }
}

/// `Cycle([...])` or `Fixed(...)`: each text through [`FieldSymbols::field_value`].
fn cycle(
    c: &mut Checker,
    at: &[&str],
    texts: &[String],
    field: Option<(&str, &FieldSymbols)>,
) -> Option<Values> {
    if texts.is_empty() || texts.len() > MAX_CYCLE {
        let message = format!("{} values; a cycle has 1 to {MAX_CYCLE}", texts.len());
        c.report(at, message, None);
        return None;
    }
    let (name, symbols) = field.unwrap_or(("key", &NO_SYMBOLS));
    let mut values = [0; MAX_CYCLE];
    let mut ok = true;
    for (i, text) in texts.iter().enumerate() {
        match symbols.field_value(name, text) {
            Ok(value) => values[i] = value,
            Err(e) => {
                let index = i.to_string();
                let at = [at, &["0", &index]].concat();
                c.report(&at, e.to_string(), e.help());
                ok = false;
            }
        }
    }
    ok.then_some(Values::Cycle { values, len: texts.len() as u8 })
}

static NO_SYMBOLS: std::sync::LazyLock<FieldSymbols> =
    std::sync::LazyLock::new(FieldSymbols::default);

#[cfg(test)]
mod tests {
    use super::super::testing::{API, refused, scenario, valid};
    use super::*;

    #[test]
    fn keys_and_fields_become_the_clients_payload_and_the_worlds_field_names() {
        let clients = r#""a": (target: "api", rate: "1/s", key: Uniform(100), fields: {"session": Sequence}),
            "b": (target: "api", rate: "1/s", fields: {"entity": Uniform(5)})"#;
        let s = valid(&scenario(API, clients, ""));
        assert_eq!(s.world.fields, ["entity", "session"]);
        let a = &s.world.clients[0];
        assert_eq!(a.key, Some(Values::Uniform { count: 100 }));
        assert_eq!(a.fields, [(1, Values::Sequence)]);
        assert_eq!(s.world.clients[1].fields, [(0, Values::Uniform { count: 5 })]);
    }

    #[test]
    fn an_empty_range_and_too_many_fields_are_refused() {
        let empty = r#""a": (target: "api", rate: "1/s", key: Uniform(0))"#;
        assert_eq!(
            refused(&scenario(API, empty, "")),
            ["clients.a.key: `clients.a.key` is 0; it must be between 1 and 9223372036854775807"]
        );
        let five = r#""a": (target: "api", rate: "1/s", fields: {"a": Sequence, "b": Sequence,
            "c": Sequence, "d": Sequence, "e": Sequence})"#;
        assert_eq!(
            refused(&scenario(API, five, "")),
            ["clients.a.fields.e: more than 4 named fields across the clients"]
        );
    }
}
