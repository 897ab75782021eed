//! Validation: the raw file becomes a typed [`Scenario`], or every problem found is reported.
//!
//! Problems are collected with the path of the offending value; the caller turns paths into
//! file positions. Checking never stops at the first problem.

use faultline_check::Invariant;
use faultline_engine::{SimDuration, SimTime};
use faultline_model::{
    ArrivalProcess, ClientConfig, Dist, LoadShape, Rate, ServiceConfig, WorldConfig,
};

use crate::Scenario;
use crate::error::{did_you_mean, list};
use crate::raw::{
    ArrivalsRaw, ClientRaw, DistRaw, InvariantRaw, ScenarioFile, ServiceRaw, ShapeRaw,
};
use crate::units::{parse_duration, parse_rate};

/// Used when a scenario sets no `limits.max_events`.
pub const DEFAULT_MAX_EVENTS: u64 = 500_000_000;
/// Used when a scenario sets no `limits.max_in_flight`.
pub const DEFAULT_MAX_IN_FLIGHT: u64 = 1_000_000;
/// The time series never has more windows than this, so its memory stays small.
pub const MAX_WINDOWS: u64 = 10_000;
/// Windows a run gets when the scenario does not choose a width.
const DEFAULT_WINDOWS: u64 = 200;
/// Events one request causes in the v1 model (an arrival and a departure).
const EVENTS_PER_REQUEST: f64 = 2.0;

/// A problem at a path in the (patched) scenario.
#[derive(Debug)]
pub struct PathProblem {
    pub path: Vec<String>,
    pub message: String,
    pub help: Option<String>,
}

/// Collects problems while reading values.
#[derive(Debug, Default)]
struct Checker {
    problems: Vec<PathProblem>,
}

fn path(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|p| p.to_string()).collect()
}

impl Checker {
    fn report(&mut self, at: &[&str], message: impl Into<String>, help: Option<String>) {
        self.problems.push(PathProblem { path: path(at), message: message.into(), help });
    }

    fn duration(&mut self, at: &[&str], text: &str) -> Option<SimDuration> {
        parse_duration(text).map_err(|e| self.report(at, e, None)).ok()
    }

    fn positive_duration(&mut self, at: &[&str], text: &str) -> Option<SimDuration> {
        let value = self.duration(at, text)?;
        if value.is_zero() {
            self.report(at, format!("`{}` must be longer than zero", at.join(".")), None);
            return None;
        }
        Some(value)
    }

    fn rate(&mut self, at: &[&str], text: &str) -> Option<f64> {
        parse_rate(text).map_err(|e| self.report(at, e, None)).ok()
    }

    fn count(&mut self, at: &[&str], value: i64, min: i64, max: i64) -> Option<u64> {
        if value < min || value > max {
            let what = at.join(".");
            self.report(
                at,
                format!("`{what}` is {value}; it must be between {min} and {max}"),
                None,
            );
            return None;
        }
        Some(value as u64)
    }
}

/// Checks `raw` and builds the typed scenario, or returns every problem found.
pub fn validate(raw: &ScenarioFile, variant: Option<&str>) -> Result<Scenario, Vec<PathProblem>> {
    let mut c = Checker::default();
    if raw.name.trim().is_empty() {
        c.report(&["name"], "the scenario needs a `name`", None);
    }
    let duration = c.positive_duration(&["duration"], &raw.duration);
    let warmup = match &raw.warmup {
        Some(text) => c.duration(&["warmup"], text),
        None => Some(SimDuration::ZERO),
    };
    if let (Some(d), Some(w)) = (duration, warmup)
        && w >= d
    {
        c.report(
            &["warmup"],
            format!("warm-up ({w}) must be shorter than the duration ({d})"),
            None,
        );
    }
    let service_names: Vec<&str> = raw.services.keys().map(String::as_str).collect();
    let services = check_services(&mut c, raw);
    let clients = check_clients(&mut c, raw, &service_names);
    let invariants = check_invariants(&mut c, raw, &service_names, duration);
    let limits = check_limits(&mut c, raw);
    let window = duration.and_then(|d| check_window(&mut c, raw, d));
    if let (Some(d), Some(clients), Some((max_events, _))) = (duration, &clients, limits) {
        check_event_budget(&mut c, clients, d, max_events);
    }
    if !c.problems.is_empty() {
        return Err(c.problems);
    }
    let (duration, warmup, window) = (duration.unwrap(), warmup.unwrap(), window.unwrap());
    let (max_events, max_in_flight) = limits.unwrap();
    Ok(Scenario {
        name: raw.name.clone(),
        lesson: raw.lesson.clone(),
        seed: raw.seed.unwrap_or(1),
        variant: variant.map(str::to_string),
        variants: raw.variants.iter().map(|(n, v)| (n.clone(), v.description.clone())).collect(),
        duration,
        warmup,
        max_events,
        invariants: invariants.unwrap(),
        world: WorldConfig {
            clients: clients.unwrap(),
            services: services.unwrap(),
            warmup: SimTime::ZERO + warmup,
            end: SimTime::ZERO + duration,
            window,
            max_in_flight: max_in_flight as u32,
        },
    })
}

fn check_services(c: &mut Checker, raw: &ScenarioFile) -> Option<Vec<ServiceConfig>> {
    if raw.services.is_empty() {
        c.report(
            &["services"],
            "the scenario has no services",
            Some("add one under `services: { \"name\": (...) }`".into()),
        );
        return None;
    }
    let checked: Vec<Option<ServiceConfig>> =
        raw.services.iter().map(|(name, s)| check_service(c, name, s)).collect();
    checked.into_iter().collect()
}

fn check_service(c: &mut Checker, name: &str, s: &ServiceRaw) -> Option<ServiceConfig> {
    let workers = c.count(&["services", name, "workers"], s.workers, 1, 1_000_000);
    let capacity = match s.queue_capacity {
        Some(cap) => {
            c.count(&["services", name, "queue_capacity"], cap, 0, i64::from(u32::MAX)).map(Some)
        }
        None => Some(None),
    };
    let service_time = check_dist(c, &["services", name, "service_time"], &s.service_time);
    Some(ServiceConfig {
        name: name.to_string(),
        workers: workers? as u32,
        queue_capacity: capacity?.map(|cap| cap as u32),
        service_time: service_time?,
    })
}

fn check_dist(c: &mut Checker, at: &[&str], raw: &DistRaw) -> Option<Dist> {
    let field = |f: &'static str| [at, &[f]].concat();
    match raw {
        DistRaw::Const(value) => {
            let d = c.duration(at, value)?;
            Some(Dist::Const { secs: d.as_secs_f64() })
        }
        DistRaw::Exp { mean } => {
            let mean = c.positive_duration(&field("mean"), mean)?;
            Some(Dist::Exp { mean: mean.as_secs_f64() })
        }
        DistRaw::Uniform { min, max } => {
            let (lo, hi) = (c.duration(&field("min"), min), c.duration(&field("max"), max));
            let (lo, hi) = (lo?, hi?);
            if lo > hi {
                c.report(&field("max"), format!("Uniform max ({hi}) is below min ({lo})"), None);
                return None;
            }
            Some(Dist::Uniform { min: lo.as_secs_f64(), max: hi.as_secs_f64() })
        }
        DistRaw::LogNormal { median, p99 } => {
            let (m, p) =
                (c.positive_duration(&field("median"), median), c.duration(&field("p99"), p99));
            let (m, p) = (m?, p?);
            if p <= m {
                c.report(
                    &field("p99"),
                    format!("LogNormal p99 ({p}) must be above the median ({m})"),
                    None,
                );
                return None;
            }
            Some(Dist::log_normal(m.as_secs_f64(), p.as_secs_f64()))
        }
        DistRaw::Pareto { scale, shape } => {
            let scale = c.positive_duration(&field("scale"), scale);
            if !(shape.is_finite() && *shape > 0.0) {
                c.report(
                    &field("shape"),
                    format!("Pareto shape is {shape}; it must be above zero"),
                    None,
                );
                return None;
            }
            Some(Dist::Pareto { scale: scale?.as_secs_f64(), shape: *shape })
        }
    }
}

fn check_clients(
    c: &mut Checker,
    raw: &ScenarioFile,
    services: &[&str],
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
        raw.clients.iter().map(|(name, client)| check_client(c, name, client, services)).collect();
    checked.into_iter().collect()
}

fn check_client(
    c: &mut Checker,
    name: &str,
    raw: &ClientRaw,
    services: &[&str],
) -> Option<ClientConfig> {
    let target = services.iter().position(|s| *s == raw.target);
    if target.is_none() {
        let help = did_you_mean(&raw.target, services.iter().copied())
            .or_else(|| Some(format!("services are {}", list(services))));
        c.report(
            &["clients", name, "target"],
            format!("client `{name}` targets unknown service `{}`", raw.target),
            help,
        );
    }
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
    Some(ClientConfig {
        name: name.to_string(),
        target: target?,
        process,
        rate: Rate(rate?),
        shape: shape?,
    })
}

fn check_shape(c: &mut Checker, at: &[&str], raw: &ShapeRaw) -> Option<LoadShape> {
    let field = |f: &'static str| [at, &[f]].concat();
    let instant = |d: SimDuration| SimTime::ZERO + d;
    match raw {
        ShapeRaw::Const => Some(LoadShape::Const),
        ShapeRaw::Ramp { to, start, end } => {
            let to = c.rate(&field("to"), to);
            let (s, e) = (c.duration(&field("start"), start), c.duration(&field("end"), end));
            let (s, e) = (s?, e?);
            if e <= s {
                c.report(
                    &field("end"),
                    format!("Ramp end ({e}) must be after its start ({s})"),
                    None,
                );
            }
            Some(LoadShape::Ramp { to: Rate(to?), start: instant(s), end: instant(e) })
        }
        ShapeRaw::Step { at: when, to } => {
            let (when, to) = (c.duration(&field("at"), when), c.rate(&field("to"), to));
            Some(LoadShape::Step { at: instant(when?), to: Rate(to?) })
        }
        ShapeRaw::Spike { at: when, length, factor } => {
            let (when, length) =
                (c.duration(&field("at"), when), c.positive_duration(&field("length"), length));
            if !(factor.is_finite() && *factor >= 0.0) {
                c.report(
                    &field("factor"),
                    format!("Spike factor is {factor}; it must be zero or more"),
                    None,
                );
                return None;
            }
            let at = instant(when?);
            Some(LoadShape::Spike { at, until: at + length?, factor: *factor })
        }
    }
}

fn check_invariants(
    c: &mut Checker,
    raw: &ScenarioFile,
    services: &[&str],
    duration: Option<SimDuration>,
) -> Option<Vec<Invariant>> {
    let checked: Vec<Option<Invariant>> = raw
        .invariants
        .iter()
        .enumerate()
        .map(|(i, inv)| check_invariant(c, &i.to_string(), inv, services, duration))
        .collect();
    checked.into_iter().collect()
}

fn check_invariant(
    c: &mut Checker,
    index: &str,
    raw: &InvariantRaw,
    services: &[&str],
    duration: Option<SimDuration>,
) -> Option<Invariant> {
    let at = |f: &'static str| ["invariants", index, f];
    match raw {
        InvariantRaw::LatencySlo { percentile, bound, after } => {
            if !(*percentile > 0.0 && *percentile < 100.0) {
                c.report(
                    &at("percentile"),
                    format!("percentile is {percentile}; it must be above 0 and below 100"),
                    Some("p99 is written `percentile: 99.0`".into()),
                );
            }
            let bound = c.positive_duration(&at("bound"), bound);
            let after = match after {
                Some(text) => c.duration(&at("after"), text),
                None => Some(SimDuration::ZERO),
            };
            if let (Some(a), Some(d)) = (after, duration)
                && a >= d
            {
                c.report(
                    &at("after"),
                    format!("`after` ({a}) is not before the end of the run ({d})"),
                    None,
                );
            }
            Some(Invariant::LatencySlo {
                percentile: *percentile,
                bound: bound?,
                after: SimTime::ZERO + after?,
            })
        }
        InvariantRaw::QueueBounded { service, max } => {
            let index = services.iter().position(|s| s == service);
            if index.is_none() {
                let help = did_you_mean(service, services.iter().copied())
                    .or_else(|| Some(format!("services are {}", list(services))));
                c.report(
                    &at("service"),
                    format!("QueueBounded names unknown service `{service}`"),
                    help,
                );
            }
            let max = c.count(&at("max"), *max, 0, i64::from(u32::MAX));
            Some(Invariant::QueueBounded {
                service: index?,
                service_name: service.clone(),
                max: max? as usize,
            })
        }
        InvariantRaw::NoLostRequests => Some(Invariant::NoLostRequests),
    }
}

fn check_limits(c: &mut Checker, raw: &ScenarioFile) -> Option<(u64, u64)> {
    let events = match raw.limits.max_events {
        Some(n) => c.count(&["limits", "max_events"], n, 1, i64::MAX),
        None => Some(DEFAULT_MAX_EVENTS),
    };
    let in_flight = match raw.limits.max_in_flight {
        Some(n) => c.count(&["limits", "max_in_flight"], n, 1, i64::from(u32::MAX)),
        None => Some(DEFAULT_MAX_IN_FLIGHT),
    };
    Some((events?, in_flight?))
}

fn check_window(c: &mut Checker, raw: &ScenarioFile, duration: SimDuration) -> Option<SimDuration> {
    let Some(text) = &raw.metrics.window else {
        return Some(default_window(duration));
    };
    let window = c.positive_duration(&["metrics", "window"], text)?;
    let windows = duration.as_nanos().div_ceil(window.as_nanos());
    if windows > MAX_WINDOWS {
        c.report(
            &["metrics", "window"],
            format!("a {window} window cuts the run into {windows} windows; at most {MAX_WINDOWS} are kept"),
            Some(format!("use a window of at least {}", SimDuration::from_nanos(duration.as_nanos().div_ceil(MAX_WINDOWS)))),
        );
        return None;
    }
    Some(window)
}

/// About [`DEFAULT_WINDOWS`] windows, rounded up to a 1-2-5 step so the axis reads well.
pub fn default_window(duration: SimDuration) -> SimDuration {
    let target = (duration.as_nanos() / DEFAULT_WINDOWS).max(1);
    let mut step: u64 = 1;
    loop {
        for factor in [1, 2, 5] {
            if step.saturating_mul(factor) >= target {
                return SimDuration::from_nanos(step.saturating_mul(factor));
            }
        }
        step = step.saturating_mul(10);
    }
}

fn check_event_budget(
    c: &mut Checker,
    clients: &[ClientConfig],
    duration: SimDuration,
    max_events: u64,
) {
    let end = SimTime::ZERO + duration;
    let requests: f64 = clients.iter().map(|cl| cl.shape.expected_arrivals(cl.rate, end)).sum();
    let events = requests * EVENTS_PER_REQUEST;
    if events > max_events as f64 {
        c.report(
            &["duration"],
            format!("this load means about {events:.3e} events, above the limit of {max_events}"),
            Some("shorten `duration`, lower the rates, or raise `limits.max_events`".into()),
        );
    }
}
