//! Clients: the call each makes, its rate, arrival process, load shape and request class;
//! never accepts a client without a rate above zero or more request classes than requests carry.

use faultline_engine::{SimDuration, SimTime};
use faultline_model::{ArrivalProcess, ClientConfig, LoadShape, MAX_CLASSES, Rate};

use crate::raw::{ArrivalsRaw, ClientRaw, ScenarioFile, ShapeRaw};

use super::Checker;
use super::call::{CallSpec, check_call};
use super::names::Names;

pub(super) fn check_clients(
    c: &mut Checker,
    raw: &ScenarioFile,
    names: &Names,
) -> Option<Vec<ClientConfig>> {
    if raw.clients.is_empty() {
        c.report(
            &["clients"],
            "the scenario has no clients, so nothing would happen",
            Some("add one under `clients: { \"name\": (target: ..., rate: \"10/s\") }`".into()),
        );
        return None;
    }
    let checked: Vec<Option<ClientConfig>> =
        raw.clients.iter().map(|(name, client)| check_client(c, name, client, names)).collect();
    checked.into_iter().collect()
}

fn check_client(
    c: &mut Checker,
    name: &str,
    raw: &ClientRaw,
    names: &Names,
) -> Option<ClientConfig> {
    let call = check_call(c, &["clients", name], &call_spec(raw), names.services);
    let rate = c.rate(&["clients", name, "rate"], &raw.rate);
    if rate.is_some_and(|r| r <= 0.0) {
        c.report(
            &["clients", name, "rate"],
            format!("client `{name}` has rate {}; it must be above zero", raw.rate),
            None,
        );
        return None;
    }
    let shape = check_shape(c, &["clients", name, "shape"], &raw.shape);
    let process = match raw.arrivals {
        ArrivalsRaw::Poisson => ArrivalProcess::Poisson,
        ArrivalsRaw::Fixed => ArrivalProcess::Fixed,
    };
    let class = raw.class.as_deref().unwrap_or("default");
    let class = check_class_count(c, name, names.classes.iter().position(|k| *k == class));
    Some(ClientConfig {
        key: None,
        fields: Vec::new(),
        class: class?,
        name: name.to_string(),
        process,
        rate: Rate(rate?),
        shape: shape?,
        call: call?,
    })
}

/// The call a client makes, written on the client itself (`target: ...`).
fn call_spec(raw: &ClientRaw) -> CallSpec<'_> {
    CallSpec {
        target: &raw.target,
        target_field: "target",
        timeout: raw.timeout.as_deref(),
        retry: raw.retry.as_ref(),
        breaker: raw.breaker.as_ref(),
        cancel_on_timeout: raw.cancel_on_timeout,
        max_concurrent: raw.max_concurrent,
        weight: None,
    }
}

/// A client's class index, which requests carry as a `u8`: at most [`MAX_CLASSES`] classes.
fn check_class_count(c: &mut Checker, client: &str, index: Option<usize>) -> Option<u8> {
    let index = index.expect("classes are collected from the clients");
    let class = u8::try_from(index).ok(); // MAX_CLASSES is the `u8` range
    if class.is_none() {
        c.report(
            &["clients", client, "class"],
            format!(
                "this is request class number {}; a scenario has at most {MAX_CLASSES}",
                index + 1
            ),
            Some("clients may share a class: give several the same `class`".into()),
        );
    }
    class
}

/// The load shape at path `at` (`clients.NAME.shape`).
fn check_shape(c: &mut Checker, at: &[&str], raw: &ShapeRaw) -> Option<LoadShape> {
    let field = |f: &'static str| [at, &[f]].concat();
    match raw {
        ShapeRaw::Const => Some(LoadShape::Const),
        ShapeRaw::Ramp { to, start, end } => check_ramp(c, at, to, start, end),
        ShapeRaw::Step { at: when, to } => {
            let (when, to) = (c.duration(&field("at"), when), c.rate(&field("to"), to));
            Some(LoadShape::Step { at: instant(when?), to: Rate(to?) })
        }
        ShapeRaw::Spike { at: when, length, factor } => check_spike(c, at, when, length, *factor),
    }
}

/// The instant `d` after the start of the run.
fn instant(d: SimDuration) -> SimTime {
    SimTime::ZERO + d
}

/// `Ramp(to: ..., start: ..., end: ...)`: the end after the start.
fn check_ramp(c: &mut Checker, at: &[&str], to: &str, start: &str, end: &str) -> Option<LoadShape> {
    let field = |f: &'static str| [at, &[f]].concat();
    let to = c.rate(&field("to"), to);
    let (s, e) = (c.duration(&field("start"), start), c.duration(&field("end"), end));
    let (s, e) = (s?, e?);
    if e <= s {
        c.report(&field("end"), format!("Ramp end ({e}) must be after its start ({s})"), None);
    }
    Some(LoadShape::Ramp { to: Rate(to?), start: instant(s), end: instant(e) })
}

/// `Spike(at: ..., length: ..., factor: ...)`: a factor of zero or more.
fn check_spike(
    c: &mut Checker,
    at: &[&str],
    when: &str,
    length: &str,
    factor: f64,
) -> Option<LoadShape> {
    let field = |f: &'static str| [at, &[f]].concat();
    let (when, length) =
        (c.duration(&field("at"), when), c.positive_duration(&field("length"), length));
    if !(factor.is_finite() && factor >= 0.0) {
        c.report(
            &field("factor"),
            format!("Spike factor is {factor}; it must be zero or more"),
            None,
        );
        return None;
    }
    let at = instant(when?);
    Some(LoadShape::Spike { at, until: at + length?, factor })
}
