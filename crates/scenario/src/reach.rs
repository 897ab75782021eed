//! Which request classes reach which service. A client's class rides on every call its request
//! causes, so it reaches the client's target and, through every step of every handler on the
//! way (sub-tasks and batches included), each service called from there.
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
    }
}
