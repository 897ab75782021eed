//! Clients: the call each makes, its rate (or calendar schedule), arrival process, load shape
//! and request class; never accepts a client without exactly one of a rate above zero and a
//! schedule, or more request classes than requests carry.

use faultline_engine::{SimDuration, SimTime};
use faultline_model::{
    ArrivalProcess, ClientConfig, Endpoint, ForEach, LoadShape, MAX_CLASSES, Rate, Schedule,
    TokenHolding, Zone,
};

use crate::raw::{ArrivalsRaw, ClientRaw, ScenarioFile, ShapeRaw};

use super::Checker;
use super::call::{CallSpec, check_call, check_call_to};
use super::names::Names;
use super::nodes::NodeNames;
use super::payload::check_payload;
use super::schedule::check_schedule;
use super::token::check_token;
use super::zones::{Customer, check_node_zone};

pub(super) fn check_clients(
    c: &mut Checker,
    raw: &ScenarioFile,
    names: &Names,
    customers: &[Customer],
    nodes: &NodeNames,
) -> Option<Vec<ClientConfig>> {
    if raw.clients.is_empty() {
        c.report(
            &["clients"],
            "the scenario has no clients, so nothing would happen",
            Some("add one under `clients: { \"name\": (target: ..., rate: \"10/s\") }`".into()),
        );
        return None;
    }
    let checked: Vec<Option<ClientConfig>> = raw
        .clients
        .iter()
        .map(|(name, client)| check_client(c, name, client, names, customers, nodes))
        .collect();
    checked.into_iter().collect()
}

fn check_client(
    c: &mut Checker,
    name: &str,
    raw: &ClientRaw,
    names: &Names,
    customers: &[Customer],
    nodes: &NodeNames,
) -> Option<ClientConfig> {
    let call = match names.topics.iter().position(|t| *t == raw.target) {
        Some(topic) => {
            check_call_to(c, &["clients", name], &call_spec(raw), Endpoint::Topic { topic })
        }
        None => check_call(c, &["clients", name], &call_spec(raw), names.services),
    };
    let zone = check_node_zone(c, name, raw);
    let (rate, schedule) = check_rate_or_schedule(c, name, raw, zone.as_ref(), customers)?;
    let (schedule, for_each) = schedule.map_or((None, ForEach::Once), |(s, f)| (Some(s), f));
    if for_each != ForEach::Once && raw.key.is_some() {
        c.report(
            &["clients", name, "key"],
            format!("client `{name}` sends for each customer: each request's key is its customer's number"),
            Some("remove `key`".into()),
        );
    }
    let shape = check_shape(c, &["clients", name, "shape"], &raw.shape);
    if schedule.is_some() && !matches!(raw.shape, ShapeRaw::Const) {
        c.report(
            &["clients", name, "shape"],
            format!("client `{name}` sends one request each time its schedule fires; a load shape does not apply"),
            Some("remove `shape`, or give the client a `rate` instead of a `schedule`".into()),
        );
    }
    let process = match raw.arrivals {
        ArrivalsRaw::Poisson => ArrivalProcess::Poisson,
        ArrivalsRaw::Fixed => ArrivalProcess::Fixed,
    };
    let class = raw.class.as_deref().unwrap_or("default");
    let class = check_class_count(c, name, names.classes.iter().position(|k| *k == class));
    let payload = check_payload(c, name, raw, names.fields, names.symbols);
    let token = optional_token(c, name, raw, nodes);
    let (key, fields) = payload?;
    Some(ClientConfig {
        key,
        fields,
        class: class?,
        name: name.to_string(),
        process,
        rate: Rate(rate),
        shape: shape?,
        call: call?,
        schedule,
        for_each,
        token: token?,
    })
}

/// The client's token, if it holds one: `Some(None)` when it holds none.
fn optional_token(
    c: &mut Checker,
    name: &str,
    raw: &ClientRaw,
    nodes: &NodeNames,
) -> Option<Option<TokenHolding>> {
    match &raw.token {
        Some(token) => check_token(c, name, token, nodes).map(Some),
        None => Some(None),
    }
}

/// A client's `rate`, above zero, or its `schedule` and whom it fires for (with a rate of 0):
/// exactly one of them.
fn check_rate_or_schedule(
    c: &mut Checker,
    name: &str,
    raw: &ClientRaw,
    zone: Option<&Zone>,
    customers: &[Customer],
) -> Option<(f64, Option<(Schedule, ForEach)>)> {
    match (&raw.rate, &raw.schedule) {
        (Some(text), None) => {
            let rate = c.rate(&["clients", name, "rate"], text)?;
            if rate <= 0.0 {
                c.report(
                    &["clients", name, "rate"],
                    format!("client `{name}` has rate {text}; it must be above zero"),
                    None,
                );
                return None;
            }
            Some((rate, None))
        }
        (None, Some(schedule)) => {
            Some((0.0, Some(check_schedule(c, name, schedule, zone, customers)?)))
        }
        (None, None) => {
            c.report(
                &["clients", name],
                format!("client `{name}` has neither a `rate` nor a `schedule`"),
                Some(
                    "add `rate: \"10/s\"`, or `schedule: (cron: \"0 9 * * *\", zone: \"Europe/London\")`"
                        .into(),
                ),
            );
            None
        }
        (Some(_), Some(_)) => {
            c.report(
                &["clients", name, "schedule"],
                format!("client `{name}` has both a `rate` and a `schedule`; it sends on one of them"),
                Some("remove `rate` to send each time the schedule fires, or `schedule` to send at the rate".into()),
            );
            None
        }
    }
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
        balance: raw.balance,
        ejection: raw.outlier_ejection.as_ref(),
        op: None,
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

#[cfg(test)]
mod tests {
    use super::super::testing::{API, first_help, instant_s, refused, scenario, valid};
    use super::*;

    /// Client `web` sending to `api` with these extra `fields`.
    fn web(fields: &str) -> String {
        scenario(API, &format!("\"web\": (target: \"api\", rate: \"20/s\", {fields})"), "")
    }

    /// The load shape of client `web` with `shape: SHAPE`.
    fn shape(text: &str) -> LoadShape {
        valid(&web(&format!("shape: {text}"))).world.clients[0].shape
    }

    #[test]
    fn a_client_becomes_its_config_with_its_class_index_in_name_order() {
        let clients = r#""web": (target: "api", rate: "20/s", arrivals: Fixed, class: "low"),
            "vip": (target: "api", rate: "1/min", class: "high")"#;
        let s = valid(&scenario(API, clients, ""));
        assert_eq!(s.world.classes, ["high", "low"]);
        let [vip, web] = &s.world.clients[..] else { panic!("{:?}", s.world.clients) };
        assert_eq!((vip.name.as_str(), vip.class, vip.rate), ("vip", 0, Rate(1.0 / 60.0)));
        assert_eq!(vip.process, ArrivalProcess::Poisson);
        assert_eq!((web.name.as_str(), web.class, web.rate), ("web", 1, Rate(20.0)));
        assert_eq!((web.process, web.shape), (ArrivalProcess::Fixed, LoadShape::Const));
        assert_eq!(
            (web.call.path.as_str(), web.call.target),
            ("clients.web", faultline_model::Endpoint::Service(0))
        );
    }

    #[test]
    fn a_scenario_without_clients_is_refused() {
        let text = scenario(API, "", "");
        assert_eq!(
            refused(&text),
            ["clients: the scenario has no clients, so nothing would happen"]
        );
        assert!(first_help(&text).is_some_and(|h| h.contains("clients: {")));
    }

    #[test]
    fn a_client_s_rate_must_be_above_zero() {
        let text = scenario(API, r#""web": (target: "api", rate: "0/s")"#, "");
        assert_eq!(
            refused(&text),
            ["clients.web.rate: client `web` has rate 0/s; it must be above zero"]
        );
        let said = refused(&scenario(API, r#""web": (target: "api", rate: "-1/s")"#, ""));
        assert_eq!(said.len(), 1);
        assert!(said[0].starts_with("clients.web.rate: rate \"-1/s\" is negative"), "{said:?}");
    }

    #[test]
    fn load_shapes_become_instants_from_the_start_of_the_run() {
        let ramp = LoadShape::Ramp { to: Rate(40.0), start: instant_s(10), end: instant_s(20) };
        assert_eq!(shape(r#"Ramp(to: "40/s", start: "10s", end: "20s")"#), ramp);
        let step = LoadShape::Step { at: instant_s(5), to: Rate(1.0) };
        assert_eq!(shape(r#"Step(at: "5s", to: "1/s")"#), step);
        let spike = LoadShape::Spike { at: instant_s(10), until: instant_s(15), factor: 3.0 };
        assert_eq!(shape(r#"Spike(at: "10s", length: "5s", factor: 3.0)"#), spike);
    }

    #[test]
    fn a_ramp_ending_before_it_starts_or_a_negative_spike_is_refused() {
        assert_eq!(
            refused(&web(r#"shape: Ramp(to: "40/s", start: "10s", end: "5s")"#)),
            ["clients.web.shape.end: Ramp end (5s) must be after its start (10s)"]
        );
        assert_eq!(
            refused(&web(r#"shape: Spike(at: "10s", length: "0s", factor: -1.0)"#)),
            [
                "clients.web.shape.length: `clients.web.shape.length` must be longer than zero",
                "clients.web.shape.factor: Spike factor is -1; it must be zero or more",
            ]
        );
    }

    #[test]
    fn more_request_classes_than_requests_can_carry_are_refused_at_the_first_too_many() {
        let clients: Vec<String> = (0..=MAX_CLASSES)
            .map(|i| format!("\"c{i:03}\": (target: \"api\", rate: \"1/s\", class: \"k{i:03}\")"))
            .collect();
        let text = scenario(API, &clients.join(", "), "");
        assert_eq!(
            refused(&text),
            ["clients.c256.class: this is request class number 257; a scenario has at most 256"]
        );
        assert!(first_help(&text).is_some_and(|h| h.contains("share a class")));
        valid(&scenario(API, &clients[..MAX_CLASSES].join(", "), ""));
    }
}
