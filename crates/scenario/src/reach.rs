//! Which request classes reach which service, calls that come back to where they started, and
//! how many calls and sub-tasks one request sets off.
//! A client's class rides on every call its request causes, so it reaches the client's target
//! and, through every step of every handler on the way (sub-tasks and batches included), each
//! service called from there. Handlers have no conditions, so a call cycle means every request
//! that enters it calls without end.
//!
//! Read from the raw file so validation can use it before anything is typed; names that refer
//! to no service are skipped here and reported by validation.

use std::collections::{BTreeMap, BTreeSet};

use crate::raw::{ScenarioFile, StepRaw};

/// Per service, the classes whose requests can reach it, each with one client that sends it.
pub(crate) type Reach<'a> = BTreeMap<&'a str, BTreeMap<&'a str, &'a str>>;

pub(crate) fn classes_reaching(raw: &ScenarioFile) -> Reach<'_> {
    let mut reach: Reach = BTreeMap::new();
    for (client, c) in &raw.clients {
        let class = c.class.as_deref().unwrap_or("default");
        for service in reachable(raw, &c.target) {
            reach.entry(service).or_default().entry(class).or_insert(client.as_str());
        }
    }
    reach
}

/// The call cycle through `service`, as the services along it (`service` first and last), if
/// its calls lead back to it; `None` otherwise. Breadth first, so the cycle is a shortest one.
pub(crate) fn call_cycle<'a>(raw: &'a ScenarioFile, service: &'a str) -> Option<Vec<&'a str>> {
    let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
    let mut next = std::collections::VecDeque::from([service]);
    while let Some(name) = next.pop_front() {
        let steps = raw.services.get(name).and_then(|s| s.steps.as_ref());
        for callee in steps.into_iter().flatten().flat_map(callees) {
            if callee == service {
                let mut path = vec![service, name];
                while let Some(&before) = came_from.get(path[path.len() - 1]) {
                    path.push(before);
                }
                path.reverse();
                return Some(path);
            }
            if !came_from.contains_key(callee) {
                came_from.insert(callee, name);
                next.push_back(callee);
            }
        }
    }
    None
}

/// How many calls and sub-tasks one request entering `service` sets off, all layers down: each
/// call, batch item and sub-task counts once (retries are not counted: each waits for an event
/// of its own). Saturates instead of overflowing. Only meaningful when there is no call cycle;
/// `memo` keeps each service's count, so shared callees are counted once per caller, not
/// walked again.
pub(crate) fn work_per_request<'a>(
    raw: &'a ScenarioFile,
    service: &'a str,
    memo: &mut BTreeMap<&'a str, u64>,
) -> u64 {
    if let Some(&known) = memo.get(service) {
        return known;
    }
    let steps = raw.services.get(service).and_then(|s| s.steps.as_ref());
    let work = steps
        .into_iter()
        .flatten()
        .fold(0u64, |sum, step| sum.saturating_add(step_work(raw, step, memo)));
    memo.insert(service, work);
    work
}

fn step_work<'a>(
    raw: &'a ScenarioFile,
    step: &'a StepRaw,
    memo: &mut BTreeMap<&'a str, u64>,
) -> u64 {
    let call = |to: &'a str, memo: &mut BTreeMap<&'a str, u64>| {
        work_per_request(raw, to, memo).saturating_add(1)
    };
    match step {
        StepRaw::Work { .. }
        | StepRaw::Wait { .. }
        | StepRaw::CheckToken { .. }
        | StepRaw::Require { .. }
        | StepRaw::Register { .. }
        | StepRaw::Effect { .. }
        | StepRaw::Apply { .. }
        | StepRaw::Database { .. } => 0,
        // A message for its broker, whose work is small beside what consumers do.
        StepRaw::Publish { .. } => 1,
        StepRaw::Call(c) => call(&c.to, memo),
        StepRaw::Batch { to, .. } => call(to, memo),
        StepRaw::Parallel(calls) => {
            calls.iter().fold(0, |sum, c| sum.saturating_add(call(&c.to, memo)))
        }
        StepRaw::Fanout { count, steps, .. } => {
            let each =
                steps.iter().fold(1u64, |sum, s| sum.saturating_add(step_work(raw, s, memo)));
            each.saturating_mul(u64::try_from(*count).unwrap_or(0))
        }
    }
}

/// `from` and every service its handler calls, directly or not.
pub(crate) fn reachable<'a>(raw: &'a ScenarioFile, from: &'a str) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::new();
    let mut next = vec![from];
    while let Some(name) = next.pop() {
        let Some((name, service)) = raw.services.get_key_value(name) else { continue };
        if seen.insert(name.as_str()) {
            next.extend(service.steps.iter().flatten().flat_map(callees));
        }
    }
    seen
}

/// The services a step calls.
fn callees(step: &StepRaw) -> Vec<&str> {
    match step {
        StepRaw::Work { .. }
        | StepRaw::Wait { .. }
        | StepRaw::CheckToken { .. }
        | StepRaw::Require { .. }
        | StepRaw::Publish { .. }
        | StepRaw::Register { .. }
        | StepRaw::Effect { .. }
        | StepRaw::Apply { .. }
        | StepRaw::Database { .. } => vec![],
        StepRaw::Call(call) => vec![call.to.as_str()],
        StepRaw::Parallel(calls) => calls.iter().map(|c| c.to.as_str()).collect(),
        StepRaw::Batch { to, .. } => vec![to.as_str()],
        StepRaw::Fanout { steps, .. } => steps.iter().flat_map(callees).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_calls_through_sub_tasks_and_batches() {
        let text = r#"Scenario(name: "r", duration: "1s",
            clients: {"a": (target: "api", rate: "1/s", class: "gold"), "b": (target: "db", rate: "1/s")},
            services: {
                "api": (workers: 1, steps: [Fanout(count: 2, steps: [Call(to: "cache")]), Batch(to: "db", max: 2, wait: "1ms")]),
                "cache": (workers: 1, service_time: Const("1ms")),
                "db": (workers: 1, service_time: Const("1ms")),
                "idle": (workers: 1, service_time: Const("1ms")),
            })"#;
        let raw = crate::patch::parse(text).unwrap();
        let reach = classes_reaching(&raw);
        let classes = |s: &str| reach.get(s).map(|m| m.keys().copied().collect::<Vec<_>>());
        assert_eq!(classes("api"), Some(vec!["gold"]));
        assert_eq!(classes("cache"), Some(vec!["gold"]));
        assert_eq!(classes("db"), Some(vec!["default", "gold"]));
        assert_eq!(classes("idle"), None);
        assert_eq!(reach["db"]["default"], "b");
        assert_eq!(call_cycle(&raw, "api"), None);
    }

    #[test]
    fn a_call_cycle_is_found_with_its_path() {
        let text = r#"Scenario(name: "r", duration: "1s",
            services: {
                "a": (workers: 1, steps: [Call(to: "b")]),
                "b": (workers: 1, steps: [Parallel([(to: "c"), (to: "a")])]),
                "c": (workers: 1, steps: [Fanout(count: 2, steps: [Call(to: "c")])]),
            })"#;
        let raw = crate::patch::parse(text).unwrap();
        assert_eq!(call_cycle(&raw, "a"), Some(vec!["a", "b", "a"]));
        assert_eq!(call_cycle(&raw, "c"), Some(vec!["c", "c"]));
    }

    #[test]
    fn work_per_request_multiplies_down_the_layers() {
        let text = r#"Scenario(name: "r", duration: "1s",
            services: {
                "api": (workers: 1, steps: [Fanout(count: 3, steps: [Call(to: "db"), Work(time: Const("1ms"))]), Batch(to: "db", max: 2, wait: "1ms")]),
                "db": (workers: 1, steps: [Parallel([(to: "disk"), (to: "disk")])]),
                "disk": (workers: 1, service_time: Const("1ms")),
                "huge": (workers: 1, steps: [Fanout(count: 4000000000, steps: [Fanout(count: 4000000000, steps: [Fanout(count: 4000000000, steps: [Call(to: "disk")])])])]),
            })"#;
        let raw = crate::patch::parse(text).unwrap();
        let mut memo = BTreeMap::new();
        // db: two calls to disk. api: 3 sub-tasks × (itself + a call to db and db's 2) + a
        // batch item to db and db's 2.
        assert_eq!(work_per_request(&raw, "db", &mut memo), 2);
        assert_eq!(work_per_request(&raw, "api", &mut memo), 3 * (1 + 3) + 3);
        assert_eq!(work_per_request(&raw, "huge", &mut memo), u64::MAX, "saturates");
    }
}
