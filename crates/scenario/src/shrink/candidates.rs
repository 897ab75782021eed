//! The reductions one pass tries, biggest first, each a candidate scenario text: remove a fault,
//! remove a client (while another remains), shorten the run (never to before the first violation
//! and a margin), halve a service's instances, keep the first or the later half of a fault's or
//! a spike's window, halve a client's rate, one instance fewer. It must never produce a text
//! that is not the current one with exactly one edit.

use faultline_engine::{SimDuration, SimTime};

use super::{Change, State};
use crate::doc::{self, DocIndex, quote};
use crate::patch;
use crate::units::{parse_duration, parse_rate, write_duration};

/// One edit of the current text.
#[derive(Clone, Debug)]
pub(super) struct Candidate {
    pub(super) text: String,
    pub(super) change: Change,
    /// The position of the fault it removes, if it removes one.
    pub(super) removes_fault: Option<usize>,
}

/// Each fault of `text` as written, on one line.
pub(super) fn fault_texts(text: &str) -> Vec<String> {
    let index = DocIndex::new(text);
    (0..)
        .map_while(|i: usize| index.find(&["faults", &i.to_string()]))
        .map(|at| one_line(&text[at.start..at.end]))
        .collect()
}

/// Whitespace runs (newlines too) as one space, and no space just inside brackets.
fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    joined
        .replace("( ", "(")
        .replace(" )", ")")
        .replace("[ ", "[")
        .replace(" ]", "]")
        .replace(",)", ")")
}

/// Every candidate of one pass, in the order they are tried.
pub(super) fn of(state: &State) -> Vec<Candidate> {
    let Ok(raw) = patch::parse(&state.text) else { return Vec::new() };
    let clients: Vec<&String> = raw.clients.keys().collect();
    let services: Vec<(&String, i64)> =
        raw.services.iter().filter_map(|(n, s)| s.instances.map(|i| (n, i))).collect();
    let mut out = Vec::new();
    for position in 0..raw.faults.len() {
        out.extend(remove_fault(state, position));
    }
    if clients.len() > 1 {
        out.extend(clients.iter().filter_map(|name| remove_client(&state.text, name)));
    }
    out.extend(shorten_run(&state.text, &raw.duration, state.first_at));
    for &(name, count) in &services {
        out.extend(instances(&state.text, name, count, count / 2));
    }
    for (path, subject) in windows(state, raw.faults.len(), &clients) {
        out.extend(halve_window(&state.text, &path, &subject));
    }
    for (name, client) in &raw.clients {
        if let Some(rate) = &client.rate {
            out.extend(halve_rate(&state.text, name, rate));
        }
    }
    for &(name, count) in &services {
        if count - 1 > count / 2 {
            out.extend(instances(&state.text, name, count, count - 1));
        }
    }
    out
}

/// Removes fault `position`; the last one goes with its `faults:` field.
fn remove_fault(state: &State, position: usize) -> Option<Candidate> {
    let text = if state.fault_ids.len() == 1 {
        doc::remove(&state.text, &["faults"]).ok()?
    } else {
        doc::remove(&state.text, &["faults", &position.to_string()]).ok()?
    };
    let id = *state.fault_ids.get(position)?;
    let from = state.fault_texts.get(id).cloned().unwrap_or_default();
    let change = Change { subject: format!("faults.{id}"), from, to: None };
    Some(Candidate { text, change, removes_fault: Some(position) })
}

fn remove_client(text: &str, name: &str) -> Option<Candidate> {
    let edited = doc::remove(text, &["clients", name]).ok()?;
    let at = DocIndex::new(text).find(&["clients", name])?;
    let change = Change {
        subject: crate::path::display(&["clients".to_string(), name.to_string()]),
        from: one_line(&text[at.start..at.end]),
        to: None,
    };
    Some(Candidate { text: edited, change, removes_fault: None })
}

/// Half the run, but never ending before the first violation plus a margin (a twentieth of the
/// time to it, at least a second), rounded up to a whole second.
fn shorten_run(text: &str, written: &str, first_at: SimTime) -> Option<Candidate> {
    let duration = parse_duration(written).ok()?;
    let to_violation = first_at.saturating_since(SimTime::ZERO).as_nanos();
    let floor = to_violation + (to_violation / 20).max(SECOND);
    let floor = floor.div_ceil(SECOND) * SECOND;
    let shorter = half(duration).as_nanos().max(floor);
    if shorter >= duration.as_nanos() {
        return None;
    }
    let to = write_duration(SimDuration::from_nanos(shorter));
    let edited = doc::patch(text, &["duration"], &quote(&to)).ok()?.0;
    let change = Change { subject: "duration".into(), from: written.to_string(), to: Some(to) };
    Some(Candidate { text: edited, change, removes_fault: None })
}

const SECOND: u64 = 1_000_000_000;

/// Half a duration, in whole milliseconds once it is a few of them.
fn half(d: SimDuration) -> SimDuration {
    let ns = d.as_nanos() / 2;
    let ms = 1_000_000;
    SimDuration::from_nanos(if ns >= 2 * ms { ns / ms * ms } else { ns })
}

fn instances(text: &str, service: &str, from: i64, to: i64) -> Option<Candidate> {
    if to < 1 || to >= from {
        return None;
    }
    let path = ["services", service, "instances"];
    let edited = doc::patch(text, &path, &to.to_string()).ok()?.0;
    let subject = crate::path::display(&path.map(String::from));
    let change = Change { subject, from: from.to_string(), to: Some(to.to_string()) };
    Some(Candidate { text: edited, change, removes_fault: None })
}

/// The windows a pass may shorten: each fault's and each client's load shape's with an `at`
/// and a `length` (or a crash's `restart_after`), as (path, subject of the change).
fn windows(state: &State, faults: usize, clients: &[&String]) -> Vec<(Vec<String>, String)> {
    let index = DocIndex::new(&state.text);
    let mut paths: Vec<(Vec<String>, String)> = (0..faults)
        .map(|i| {
            let id = state.fault_ids.get(i).copied().unwrap_or(i);
            (vec!["faults".into(), i.to_string()], format!("faults.{id}.window"))
        })
        .collect();
    for name in clients {
        let path = vec!["clients".to_string(), name.to_string(), "shape".to_string()];
        let subject = format!("{}.window", crate::path::display(&path));
        paths.push((path, subject));
    }
    paths.retain(|(path, _)| window_field(&index, path).is_some());
    paths
}

/// The field holding the window's length under `path`, when there is a window there.
fn window_field(index: &DocIndex, path: &[String]) -> Option<&'static str> {
    let parts: Vec<&str> = path.iter().map(String::as_str).collect();
    let keys = index.keys(&parts);
    let has = |k: &str| keys.iter().any(|key| key == k);
    ["length", "restart_after"].into_iter().find(|k| has(k) && has("at"))
}

/// The duration written as a string at `path`.
fn duration_at(text: &str, index: &DocIndex, path: &[&str]) -> Option<SimDuration> {
    let at = index.find(path)?;
    let written: String = patch::ron_options().from_str(&text[at.start..at.end]).ok()?;
    parse_duration(&written).ok()
}

/// Two candidates: the window's first half, and its later half (a later start).
fn halve_window(text: &str, path: &[String], subject: &str) -> Vec<Candidate> {
    let index = DocIndex::new(text);
    let Some(field) = window_field(&index, path) else { return Vec::new() };
    let parts: Vec<&str> = path.iter().map(String::as_str).collect();
    let at_path = [parts.as_slice(), &["at"]].concat();
    let length_path = [parts.as_slice(), &[field]].concat();
    let (Some(at), Some(length)) =
        (duration_at(text, &index, &at_path), duration_at(text, &index, &length_path))
    else {
        return Vec::new();
    };
    let short = half(length);
    if short.as_nanos() == 0 {
        return Vec::new();
    }
    let later = SimDuration::from_nanos(at.as_nanos() + length.as_nanos() - short.as_nanos());
    let describe = |at: SimDuration, length: SimDuration| {
        format!("at {}, {field} {}", write_duration(at), write_duration(length))
    };
    let mut out = Vec::new();
    for start in [at, later] {
        let Ok((edited, _)) = doc::patch(text, &length_path, &quote(&write_duration(short))) else {
            continue;
        };
        let Ok((edited, _)) = doc::patch(&edited, &at_path, &quote(&write_duration(start))) else {
            continue;
        };
        let change = Change {
            subject: subject.to_string(),
            from: describe(at, length),
            to: Some(describe(start, short)),
        };
        out.push(Candidate { text: edited, change, removes_fault: None });
    }
    out
}

fn halve_rate(text: &str, client: &str, written: &str) -> Option<Candidate> {
    let rate = parse_rate(written).ok()?;
    if rate <= 0.0 {
        return None;
    }
    let to = format!("{}/s", rate / 2.0);
    let path = ["clients", client, "rate"];
    let edited = doc::patch(text, &path, &quote(&to)).ok()?.0;
    let subject = crate::path::display(&path.map(String::from));
    let change = Change { subject, from: written.to_string(), to: Some(to) };
    Some(Candidate { text: edited, change, removes_fault: None })
}
