//! Which request classes reach which service, and calls that come back to where they started.
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

/// `from` and every service its handler calls, directly or not.
fn reachable<'a>(raw: &'a ScenarioFile, from: &'a str) -> BTreeSet<&'a str> {
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
        StepRaw::Work { .. } => vec![],
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
}
