//! Validation: the raw file becomes a typed [`Scenario`], or every problem found is reported;
//! checking never stops at the first problem and never runs anything.
//!
//! Problems are collected with the path of the offending value; the caller turns paths into
//! file positions. This file holds the entry point, the [`Checker`] that collects problems and
//! reads the quantities every component uses (durations, rates, counts, percentages), and the
//! checks of the run as a whole (length, limits, metrics window, event budget; the `start` is
//! read in `schedule.rs`). Each component
//! of the scenario format is checked in a file of its own beside this one; a new component's
//! checks go in a new file.

mod breaker;
mod broker;
mod call;
mod client;
mod clock;
mod database;
mod dist;
pub mod effects;
mod fault;
mod handler;
mod instances;
mod invariant;
mod names;
mod network;
mod nodes;
mod payload;
mod queue;
mod register;
mod retry;
mod schedule;
mod scheduled_days;
mod service;
#[cfg(test)]
mod testing;
mod token;
mod zones;

use faultline_engine::{Limits, SimDuration, SimTime};
use faultline_model::{ClientConfig, WorldConfig};

use crate::Scenario;
use crate::raw::ScenarioFile;
use crate::reach::classes_reaching;
use crate::units::{parse_duration, parse_rate};

use self::fault::Triggers;
use self::names::{Names, class_names};
use self::nodes::NodeNames;

/// Used when a scenario sets no `limits.max_events`.
pub const DEFAULT_MAX_EVENTS: u64 = 500_000_000;
/// Used when a scenario sets no `limits.max_in_flight`.
pub const DEFAULT_MAX_IN_FLIGHT: u64 = 1_000_000;
/// Used when a scenario sets no `limits.max_work_per_instant`.
pub const DEFAULT_MAX_WORK_PER_INSTANT: u64 = Limits::DEFAULT_MAX_WORK_PER_INSTANT;
/// The time series never has more windows than this, so its memory stays small.
pub const MAX_WINDOWS: u64 = 10_000;
/// Windows a run gets when the scenario does not choose a width.
const DEFAULT_WINDOWS: u64 = 200;
/// Events one request causes at the least (its arrival and one piece of work); handlers with
/// several steps, calls and retries cause more, which the event limit still catches at run time.
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
            self.report(
                at,
                format!("`{}` must be longer than zero", crate::path::display(at)),
                None,
            );
            return None;
        }
        Some(value)
    }

    fn rate(&mut self, at: &[&str], text: &str) -> Option<f64> {
        parse_rate(text).map_err(|e| self.report(at, e, None)).ok()
    }

    /// `value` as the integer type the model keeps it in, if it lies in `min..=max` (a range
    /// the type holds, so the conversion is checked, never a truncating cast).
    fn count<T: TryFrom<i64>>(&mut self, at: &[&str], value: i64, min: i64, max: i64) -> Option<T> {
        let converted = (min..=max).contains(&value).then(|| T::try_from(value).ok()).flatten();
        if converted.is_none() {
            let what = crate::path::display(at);
            self.report(
                at,
                format!("`{what}` is {value}; it must be between {min} and {max}"),
                None,
            );
        }
        converted
    }

    /// `"10%"` as 0.1.
    fn percent(&mut self, at: &[&str], text: &str) -> Option<f64> {
        let value = text.trim().strip_suffix('%').and_then(|n| n.trim().parse::<f64>().ok());
        match value {
            Some(v) if (0.0..=1000.0).contains(&v) => Some(v / 100.0),
            _ => {
                self.report(
                    at,
                    format!("\"{text}\" is not a percentage"),
                    Some("write it like \"10%\"".into()),
                );
                None
            }
        }
    }
}

/// `Some(None)` when absent, `Some(Some(v))` when present and valid, `None` when invalid.
fn optional<T>(text: Option<&str>, check: impl FnOnce(&str) -> Option<T>) -> Option<Option<T>> {
    match text {
        Some(text) => check(text).map(Some),
        None => Some(None),
    }
}

/// Checks `raw` and builds the typed scenario, or returns every problem found.
pub fn validate(raw: &ScenarioFile, variant: Option<&str>) -> Result<Scenario, Vec<PathProblem>> {
    let mut c = Checker::default();
    if raw.name.trim().is_empty() {
        c.report(&["name"], "the scenario needs a `name`", None);
    }
    let (duration, warmup) = check_length(&mut c, raw);
    let service_names: Vec<&str> = raw.services.keys().map(String::as_str).collect();
    let classes = class_names(raw);
    let class_refs: Vec<&str> = classes.iter().map(String::as_str).collect();
    let reach = classes_reaching(raw);
    let fields = payload::field_names(&mut c, raw);
    let field_list = fields.clone().unwrap_or_default();
    let topic_names = broker::topic_names(raw);
    let symbols = effects::FieldSymbols::of(raw);
    let names = Names {
        services: &service_names,
        classes: &class_refs,
        reach: &reach,
        fields: &field_list,
        topics: &topic_names,
        symbols: &symbols,
    };
    let services = service::check_services(&mut c, raw, &names);
    let instance_counts = instances::instance_counts(&mut c, raw);
    let nodes = NodeNames::of(raw);
    let faults = fault::check_faults(&mut c, raw, &service_names, &nodes);
    let deploys = faults.as_ref().map_or(&[][..], |f| &f.deploys[..]);
    let topics = broker::check_topics(&mut c, raw, &service_names, duration, deploys);
    let network_faults = faults.as_ref().map(|f| f.network.clone());
    let node_faults = faults.as_ref().map(|f| f.nodes.clone());
    let network = network::check_network(&mut c, raw.network.as_ref(), &nodes, network_faults);
    let clocks = clock::check_clocks(&mut c, &raw.clocks, &nodes, duration);
    let customers = zones::check_customers(&mut c, raw);
    let clients =
        client::check_clients(&mut c, raw, &names, customers.as_deref().unwrap_or(&[]), &nodes);
    token::check_tokens_reach(&mut c, raw);
    database::check_data_ops(&mut c, raw);
    let start = schedule::check_start(&mut c, raw.start.as_deref());
    let triggers = Triggers::of(clients.as_deref(), faults.as_ref());
    let calendar = scheduled_days::Calendar {
        start,
        duration,
        customers: customers.as_deref(),
        clients: &raw.clients,
    };
    let invariants = invariant::check_invariants(&mut c, raw, &names, calendar, triggers);
    let limits = check_limits(&mut c, raw);
    let window = duration.and_then(|d| check_window(&mut c, raw, d));
    if let (Some(d), Some(clients), Some(limits)) = (duration, &clients, limits) {
        check_event_budget(&mut c, clients, d, limits.max_events);
    }
    if !c.problems.is_empty() {
        return Err(c.problems);
    }
    let (duration, warmup, window) = (duration.unwrap(), warmup.unwrap(), window.unwrap());
    let RunLimits { max_events, max_in_flight, max_work_per_instant } = limits.unwrap();
    let mut invariants = invariants.unwrap();
    let mut world = WorldConfig {
        classes,
        fields: fields.unwrap(),
        clients: clients.unwrap(),
        services: services.unwrap(),
        groups: vec![],
        faults: faults.unwrap().services,
        warmup: SimTime::ZERO + warmup,
        end: SimTime::ZERO + duration,
        window,
        max_in_flight,
        network: network.unwrap(),
        node_faults: node_faults.unwrap(),
        clocks: clocks.unwrap(),
        start: start.unwrap(),
        topics: topics.unwrap(),
    };
    instances::expand(&mut world, &mut invariants, &instance_counts.unwrap());
    effects::name_invariants(&world, &mut invariants);
    Ok(Scenario {
        name: raw.name.clone(),
        lesson: raw.lesson.clone(),
        seed: raw.seed.unwrap_or(1),
        variant: variant.map(str::to_string),
        variants: raw.variants.iter().map(|(n, v)| (n.clone(), v.description.clone())).collect(),
        duration,
        warmup,
        max_events,
        max_work_per_instant,
        invariants,
        world,
    })
}

/// The run's `duration` and `warmup` (zero when left out), the warm-up shorter than the run.
fn check_length(c: &mut Checker, raw: &ScenarioFile) -> (Option<SimDuration>, Option<SimDuration>) {
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
    (duration, warmup)
}

/// The run's bounds from `limits: (...)`, each defaulted when left out.
#[derive(Clone, Copy, Debug)]
struct RunLimits {
    max_events: u64,
    max_in_flight: u32,
    max_work_per_instant: u64,
}

fn check_limits(c: &mut Checker, raw: &ScenarioFile) -> Option<RunLimits> {
    let mut limit = |name: &'static str, value: Option<i64>, max: i64, default: u64| match value {
        Some(n) => c.count::<u64>(&["limits", name], n, 1, max),
        None => Some(default),
    };
    let events = limit("max_events", raw.limits.max_events, i64::MAX, DEFAULT_MAX_EVENTS);
    let in_flight = limit(
        "max_in_flight",
        raw.limits.max_in_flight,
        i64::from(u32::MAX),
        DEFAULT_MAX_IN_FLIGHT,
    );
    let work = limit(
        "max_work_per_instant",
        raw.limits.max_work_per_instant,
        i64::MAX,
        DEFAULT_MAX_WORK_PER_INSTANT,
    );
    Some(RunLimits {
        max_events: events?,
        max_in_flight: u32::try_from(in_flight?).ok()?,
        max_work_per_instant: work?,
    })
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
    // A schedule fires at most once a minute (for each customer, one request each).
    let per_minute = (duration.as_secs_f64() / 60.0).ceil() + 1.0;
    let expected = |cl: &ClientConfig| match cl.schedule {
        Some(_) => per_minute * cl.for_each.requests_per_firing() as f64,
        None => cl.shape.expected_arrivals(cl.rate, end),
    };
    let requests: f64 = clients.iter().map(expected).sum();
    let events = requests * EVENTS_PER_REQUEST;
    if events > max_events as f64 {
        c.report(
            &["duration"],
            format!("this load means about {events:.3e} events, above the limit of {max_events}"),
            Some("shorten `duration`, lower the rates, or raise `limits.max_events`".into()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{API, WEB, first_help, refused, scenario, valid};
    use super::*;

    #[test]
    fn a_minimal_scenario_gets_every_default() {
        let s = valid(&scenario(API, WEB, ""));
        assert_eq!((s.name.as_str(), s.seed, s.variant), ("t", 1, None));
        assert_eq!((s.duration, s.warmup), (SimDuration::from_secs(60), SimDuration::ZERO));
        assert_eq!(s.max_events, DEFAULT_MAX_EVENTS);
        assert_eq!(s.max_work_per_instant, DEFAULT_MAX_WORK_PER_INSTANT);
        assert_eq!(u64::from(s.world.max_in_flight), DEFAULT_MAX_IN_FLIGHT);
        assert_eq!(s.world.window, default_window(SimDuration::from_secs(60)));
        assert_eq!(s.world.classes, ["default"]);
        assert_eq!(s.world.end, SimTime::ZERO + SimDuration::from_secs(60));
        assert!(s.invariants.is_empty());
    }

    #[test]
    fn a_nameless_run_of_no_length_is_refused_at_both() {
        let text = format!(
            "Scenario(name: \" \", duration: \"0s\", services: {{ {API} }}, clients: {{ {WEB} }})"
        );
        assert_eq!(
            refused(&text),
            ["name: the scenario needs a `name`", "duration: `duration` must be longer than zero"]
        );
    }

    #[test]
    fn the_warmup_must_end_before_the_run() {
        assert_eq!(
            refused(&scenario(API, WEB, "warmup: \"60s\"")),
            ["warmup: warm-up (60s) must be shorter than the duration (60s)"]
        );
        let s = valid(&scenario(API, WEB, "warmup: \"10s\""));
        assert_eq!(s.world.warmup, SimTime::ZERO + SimDuration::from_secs(10));
    }

    #[test]
    fn limits_are_taken_when_in_range_and_refused_otherwise() {
        let limits = "limits: (max_events: 5000, max_in_flight: 7, max_work_per_instant: 9)";
        let s = valid(&scenario(API, WEB, limits));
        assert_eq!((s.max_events, s.world.max_in_flight, s.max_work_per_instant), (5000, 7, 9));
        assert_eq!(
            refused(&scenario(API, WEB, "limits: (max_in_flight: 0, max_work_per_instant: -1)")),
            [
                "limits.max_in_flight: `limits.max_in_flight` is 0; it must be between 1 and \
                 4294967295",
                "limits.max_work_per_instant: `limits.max_work_per_instant` is -1; it must be \
                 between 1 and 9223372036854775807",
            ]
        );
    }

    #[test]
    fn a_window_cutting_the_run_too_fine_is_refused_with_the_narrowest_allowed() {
        let text = scenario(API, WEB, "metrics: (window: \"1ms\")");
        assert_eq!(
            refused(&text),
            [
                "metrics.window: a 1ms window cuts the run into 60000 windows; at most 10000 are kept"
            ]
        );
        assert_eq!(first_help(&text).as_deref(), Some("use a window of at least 6ms"));
        let s = valid(&scenario(API, WEB, "metrics: (window: \"6ms\")"));
        assert_eq!(s.world.window, SimDuration::from_millis(6));
    }

    #[test]
    fn the_default_window_is_a_1_2_5_step_near_a_200th_of_the_run() {
        assert_eq!(default_window(SimDuration::from_secs(60)), SimDuration::from_millis(500));
        assert_eq!(default_window(SimDuration::from_secs(20)), SimDuration::from_millis(100));
        assert_eq!(default_window(SimDuration::from_secs(30)), SimDuration::from_millis(200));
        assert_eq!(default_window(SimDuration::ZERO), SimDuration::from_nanos(1));
    }

    #[test]
    fn a_load_beyond_the_event_limit_is_refused_at_the_duration() {
        // 10 requests a second for 60 s, two events each.
        let text = scenario(API, WEB, "limits: (max_events: 1199)");
        assert_eq!(
            refused(&text),
            ["duration: this load means about 1.200e3 events, above the limit of 1199"]
        );
        assert!(first_help(&text).is_some_and(|h| h.contains("limits.max_events")));
        valid(&scenario(API, WEB, "limits: (max_events: 1200)"));
    }

    /// A schedule fires at most once a minute: a 60 s run counts 2 requests (the minute and
    /// its end), 4 events.
    #[test]
    fn a_scheduled_client_counts_one_request_a_minute_against_the_event_limit() {
        let client = r#""cron": (target: "api", schedule: (cron: "* * * * *", zone: "UTC"))"#;
        assert_eq!(
            refused(&scenario(API, client, "limits: (max_events: 3)")),
            ["duration: this load means about 4.000e0 events, above the limit of 3"]
        );
        valid(&scenario(API, client, "limits: (max_events: 4)"));
    }

    #[test]
    fn problems_are_reported_part_by_part_in_a_fixed_order() {
        let services = r#""api": (workers: 0, service_time: Const("10ms"))"#;
        let clients = r#""web": (target: "api", rate: "0/s")"#;
        let rest = r#"limits: (max_events: 0),
            invariants: [RetryAmplification(max: 0.5)],
            faults: [Down(service: "api", at: "1s", length: "0s")]"#;
        assert_eq!(
            refused(&scenario(services, clients, rest)),
            [
                "services.api.workers: `services.api.workers` is 0; it must be between 1 and \
                 1000000",
                "faults.0.length: `faults.0.length` must be longer than zero",
                "clients.web.rate: client `web` has rate 0/s; it must be above zero",
                "invariants.0.max: max is 0.5; attempts per request are at least 1",
                "limits.max_events: `limits.max_events` is 0; it must be between 1 and \
                 9223372036854775807",
            ]
        );
    }
}
