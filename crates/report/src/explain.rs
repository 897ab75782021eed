//! `run --explain`: the story behind each first violation, in plain words with times. For a
//! violation about one request (or register operation), everything that happened to it: where
//! it arrived, each attempt's wait and work at each service and how it ended, each side effect
//! it applied or had suppressed (so a job whose caller gave up is not called wasted work when
//! its effect stands), and the request's end; for every violation, the faults, breaker changes and leader changes before it; and the
//! values the invariant compared.
//!
//! Built from the model's observations of a second run of the same seed (the [`Witness`]
//! observer, watching only the requests the violations name) and from what the scenario and the
//! metrics know, as the trace export is. Never changes a run.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use faultline_engine::{SimDuration, SimTime};
use faultline_model::{Metrics, Observation, Observer, Outcome};
use faultline_scenario::Scenario;

use crate::BandKind;
use crate::trace::{Recorder, TraceOptions, export};

/// Context lines shown before a violation: the latest ones.
const CONTEXT_SHOWN: usize = 12;

/// What happened to one request, in order.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    Arrived {
        client: usize,
        key: u64,
    },
    Queued {
        service: usize,
        depth: usize,
    },
    Started {
        service: usize,
        wait: SimDuration,
    },
    Ended {
        service: usize,
        started: SimTime,
        outcome: Outcome,
        waited_for: bool,
        lost: bool,
    },
    TokenChecked {
        service: usize,
        accepted: bool,
        valid: bool,
    },
    Sent {
        attempt: u32,
        service: usize,
    },
    GaveUp {
        attempt: u32,
        service: usize,
    },
    Retry {
        attempt: u32,
        outcome: Outcome,
        after: SimDuration,
    },
    Done {
        arrived: SimTime,
        outcome: Outcome,
    },
    /// An `Effect` step applied effect `effect` for operation `op` (`first: None`), or skipped
    /// it as applied already at `first`.
    Effect {
        effect: u32,
        op: u64,
        service: usize,
        attempt: u32,
        first: Option<SimTime>,
    },
}

/// Watches the requests the violations name and, for violations that name none, finds an
/// example: the first request to fail from the earliest such violation on.
#[derive(Debug, Default)]
pub struct Witness {
    requests: BTreeSet<u64>,
    steps: BTreeMap<u64, Vec<(SimTime, Step)>>,
    /// From when a failed request makes an example; `None`: no example wanted (or found).
    example_from: Option<SimTime>,
    /// The example found, and the instant it was sought from.
    example: Option<(u64, SimTime)>,
    /// Requests in flight while an example is sought: memory follows what is in flight.
    candidates: BTreeMap<u64, Vec<(SimTime, Step)>>,
}

impl Witness {
    /// A witness of the requests `outcome`'s violations name, and of an example for those
    /// that name none.
    pub fn new(outcome: &faultline_scenario::Outcome) -> Self {
        let violations = outcome.verdicts.iter().filter_map(|v| v.violation.as_ref());
        let requests = violations.clone().filter_map(|v| v.request).collect();
        let example_from = violations.filter(|v| v.request.is_none()).map(|v| v.at).min();
        Witness { requests, example_from, ..Witness::default() }
    }

    fn note(&mut self, request: u64, now: SimTime, step: Step) {
        if self.requests.contains(&request) {
            self.steps.entry(request).or_default().push((now, step));
        } else if self.example_from.is_some() {
            let ended = matches!(step, Step::Done { .. });
            let failed = matches!(step, Step::Done { outcome, .. } if !outcome.is_success());
            let steps = self.candidates.entry(request).or_default();
            steps.push((now, step));
            if ended {
                let steps = self.candidates.remove(&request).unwrap_or_default();
                if let Some(from) = self.example_from.filter(|&from| failed && now >= from) {
                    self.steps.insert(request, steps);
                    self.example = Some((request, from));
                    self.example_from = None;
                    self.candidates.clear();
                }
            }
        }
    }
}

impl Observer for Witness {
    fn observe(&mut self, now: SimTime, what: &Observation) {
        let (request, step) = match *what {
            Observation::RequestArrived { client, request, key } => {
                (request, Step::Arrived { client, key })
            }
            Observation::AttemptQueued { service, request, depth } => {
                (request, Step::Queued { service, depth })
            }
            Observation::JobStarted { service, request, wait, .. } => {
                (request, Step::Started { service, wait })
            }
            Observation::JobEnded { service, request, started, outcome, waited_for, lost } => {
                (request, Step::Ended { service, started, outcome, waited_for, lost })
            }
            Observation::TokenChecked { service, request, check, .. } => (
                request,
                Step::TokenChecked { service, accepted: check.accepted, valid: check.valid },
            ),
            Observation::RequestEnded { request, arrived, outcome } => {
                (request, Step::Done { arrived, outcome })
            }
            Observation::AttemptSent { request, attempt, service } => {
                (request, Step::Sent { attempt, service })
            }
            Observation::AttemptTimedOut { request, attempt, service } => {
                (request, Step::GaveUp { attempt, service })
            }
            Observation::RetryScheduled { request, attempt, outcome, after } => {
                (request, Step::Retry { attempt, outcome, after })
            }
            Observation::EffectApplied { effect, op, request, service, attempt } => {
                (request, Step::Effect { effect, op, service, attempt, first: None })
            }
            Observation::EffectSuppressed { effect, op, request, service, attempt, first } => {
                (request, Step::Effect { effect, op, service, attempt, first: Some(first) })
            }
            _ => return,
        };
        self.note(request, now, step);
    }
}

/// The explanation of every violated invariant of `outcome`, with what `witness` saw of the
/// requests they name on a second run of the same seed.
pub fn explain(
    scenario: &Scenario,
    outcome: &faultline_scenario::Outcome,
    witness: &Witness,
) -> String {
    let m = &outcome.metrics;
    let context = Context::of(scenario, m);
    let mut out = String::new();
    for verdict in outcome.verdicts.iter().filter(|v| !v.holds) {
        let Some(v) = &verdict.violation else { continue };
        let _ = writeln!(
            out,
            "Why {} failed ({}), first at {}:",
            verdict.name, verdict.description, v.at
        );
        let _ = writeln!(out, "  what it compared:");
        for line in v.detail.lines() {
            let _ = writeln!(out, "    {}", line.trim_start());
        }
        let shown = match v.request {
            Some(request) => Some((request, format!("request {request}, step by step:"))),
            None => witness.example.map(|(r, from)| {
                (r, format!("an example, request {r}, the first to fail from {from} on:"))
            }),
        };
        if let Some((request, title)) = shown
            && let Some(steps) = witness.steps.get(&request)
        {
            let _ = writeln!(out, "  {title}");
            let mut effects = Effects::default();
            for (at, step) in steps {
                let at_text = at.to_string();
                let line = match step {
                    Step::Effect { .. } => effects.words(step, *at, scenario, m),
                    Step::Ended { service, .. } => {
                        // A job ending as its effect applies did not waste its work.
                        let applied = effects.last == Some((*at, *service));
                        ended_words(step, *at, m, applied)
                    }
                    _ => words(step, *at, scenario, m),
                };
                let _ = writeln!(out, "    {at_text:>9}  {line}");
            }
        }
        context.before(&mut out, v.at);
        out.push('\n');
    }
    out
}

/// One step in words.
fn words(step: &Step, at: SimTime, scenario: &Scenario, m: &Metrics) -> String {
    let service = |s: usize| m.services[s].name.as_str();
    match *step {
        Step::Arrived { client, key } => {
            let client = &scenario.world.clients[client].name;
            format!("sent by client `{client}` (key {key})")
        }
        Step::Queued { service: s, depth } => {
            format!("an attempt reached {} and joined its queue ({depth} waiting)", service(s))
        }
        Step::Started { service: s, wait } => {
            format!("a worker at {} took it after {wait} in the queue", service(s))
        }
        Step::Ended { .. } => ended_words(step, at, m, false),
        Step::Effect { .. } => Effects::default().words(step, at, scenario, m),
        Step::TokenChecked { service: s, accepted, valid } => {
            let verdict = if accepted { "accepted" } else { "refused" };
            let truth = if valid { "valid" } else { "expired (or not yet valid)" };
            format!("{} {verdict} its token, which was {truth} in true time", service(s))
        }
        Step::Sent { attempt, service: s } => {
            format!("attempt {attempt} sent to {}", service(s))
        }
        Step::GaveUp { attempt, service: s } => {
            format!("the caller stopped waiting for attempt {attempt} at {} (timeout)", service(s))
        }
        Step::Retry { attempt, outcome, after } => {
            format!("attempt {attempt} ended with {}: retry in {after}", outcome_words(outcome))
        }
        Step::Done { arrived, outcome } => {
            format!("the client's request ended: {} after {}", outcome_words(outcome), at - arrived)
        }
    }
}

/// A job's end in words; `applied`: it applied an effect as it ended, so its work stands even
/// when nobody waits for the answer.
fn ended_words(step: &Step, at: SimTime, m: &Metrics, applied: bool) -> String {
    let Step::Ended { service, started, outcome, waited_for, lost } = *step else {
        return String::new();
    };
    let (service, took, outcome) =
        (&m.services[service].name, at - started, outcome_words(outcome));
    if lost {
        format!("{service} crashed while working on it ({took} in): nobody was told")
    } else if waited_for {
        format!("{service} answered {outcome} after {took} of work")
    } else if applied {
        format!(
            "{service} finished it ({outcome}) after {took}, but its caller had stopped waiting: the answer is dropped, the effect stays applied"
        )
    } else {
        format!(
            "{service} finished it ({outcome}) after {took}, but its caller had stopped waiting: wasted work"
        )
    }
}

/// Effects in a request's story: how many times each (effect, operation) was applied so far,
/// and the last application's instant and service.
#[derive(Default)]
struct Effects {
    applied: BTreeMap<(u32, u64), u32>,
    last: Option<(SimTime, usize)>,
}

impl Effects {
    fn words(&mut self, step: &Step, at: SimTime, scenario: &Scenario, m: &Metrics) -> String {
        let Step::Effect { effect, op, service, attempt, first } = *step else {
            return String::new();
        };
        let (name, per) = effect_name(scenario, effect);
        let service_name = &m.services[service].name;
        if let Some(first) = first {
            return format!(
                "{service_name} skipped `{name}` for {per} {op} (attempt {attempt}): applied already at {first}, a duplicate suppressed"
            );
        }
        let times = self.applied.entry((effect, op)).or_default();
        *times += 1;
        self.last = Some((at, service));
        match *times {
            1 => format!(
                "{service_name} applied `{name}` for {per} {op} (attempt {attempt}): done, whether or not its caller still waits"
            ),
            n => format!(
                "{service_name} applied `{name}` for {per} {op} again (attempt {attempt}): {n} times for one {per}"
            ),
        }
    }
}

/// Effect `effect`'s name and what names its operations (`order`, `key`), as
/// `ExactlyOnceEffects` words them; `operation` when no such invariant names them.
fn effect_name(scenario: &Scenario, effect: u32) -> (String, String) {
    let named = scenario.invariants.iter().find_map(|i| match i {
        faultline_check::Invariant::ExactlyOnceEffects(names) => {
            names.effects.get(effect as usize).cloned()
        }
        _ => None,
    });
    named.unwrap_or_else(|| {
        let names = faultline_model::effect_names(&scenario.world);
        let name =
            names.get(effect as usize).cloned().unwrap_or_else(|| format!("effect {effect}"));
        (name, "operation".into())
    })
}

fn outcome_words(outcome: Outcome) -> String {
    match outcome {
        Outcome::Success => "success".into(),
        Outcome::Error => "an error".into(),
        Outcome::Timeout => "a timeout (the caller gave up)".into(),
        Outcome::Rejected(reason) => format!("rejected ({reason:?})"),
    }
}

/// The run's faults, breaker changes and leader changes, in time order.
struct Context {
    events: Vec<(SimTime, String)>,
}

impl Context {
    fn of(scenario: &Scenario, m: &Metrics) -> Self {
        // The trace export knows where faults, breakers and leaders come from; a recorder that
        // saw nothing gives just those.
        let export = export(scenario, m, Recorder::new(TraceOptions::default()));
        let mut events: Vec<(SimTime, String)> = export
            .events
            .iter()
            .filter(|e| matches!(e.kind, "fault" | "breaker" | "leader"))
            .map(|e| {
                let on = &export.process(e).name;
                (e.at, format!("{} ({})", e.name, on))
            })
            .collect();
        // Load changes are no faults, but often the trigger: a spike, a step, a ramp.
        let load =
            crate::summary::bands(scenario).into_iter().filter(|b| b.kind == BandKind::LoadChange);
        for band in load {
            let seconds = |s: f64| SimTime::ZERO + SimDuration::from_secs_f64(s);
            events.push((seconds(band.start_s), format!("{} begins", band.label)));
            events.push((seconds(band.end_s), format!("{} ends", band.label)));
        }
        events.sort();
        events.dedup();
        Context { events }
    }

    /// What happened up to `at`: the latest few, and how many before them.
    fn before(&self, out: &mut String, at: SimTime) {
        let until = self.events.partition_point(|(t, _)| *t <= at);
        if until == 0 {
            let _ =
                writeln!(out, "  before it: no fault, load change, breaker change or new leader");
            return;
        }
        let from = until.saturating_sub(CONTEXT_SHOWN);
        let _ = writeln!(out, "  before it (faults, load changes, breakers, leaders):");
        if from > 0 {
            let _ = writeln!(out, "    … {from} earlier");
        }
        for (t, what) in &self.events[from..until] {
            let t = t.to_string();
            let _ = writeln!(out, "    {t:>9}  {what}");
        }
    }
}
