//! Node names: every client and service runs on a node of its name, clients first, then
//! services (the order `WorldConfig::node_names` gives). Network sections and network faults
//! refer to nodes by these names; a name that matches no node is refused, never skipped.

use crate::error::{did_you_mean, list};
use crate::raw::ScenarioFile;

use super::Checker;

/// The nodes of a scenario, by index.
pub(super) struct NodeNames {
    names: Vec<String>,
}

impl NodeNames {
    pub(super) fn of(raw: &ScenarioFile) -> Self {
        let clients = raw.clients.keys().cloned();
        NodeNames { names: clients.chain(raw.services.keys().cloned()).collect() }
    }

    pub(super) fn name(&self, node: u32) -> &str {
        &self.names[node as usize]
    }

    pub(super) fn len(&self) -> usize {
        self.names.len()
    }

    /// The nodes called `name` (a client and a service may share a name: both).
    fn find(&self, c: &mut Checker, at: &[&str], name: &str) -> Option<Vec<u32>> {
        let found: Vec<u32> =
            (0..self.names.len() as u32).filter(|&i| self.names[i as usize] == name).collect();
        if found.is_empty() {
            let known: Vec<&str> = self.names.iter().map(String::as_str).collect();
            let help = did_you_mean(name, known.iter().copied())
                .or_else(|| Some(format!("nodes (clients and services) are {}", list(&known))));
            c.report(at, format!("unknown node `{name}`"), help);
            return None;
        }
        Some(found)
    }

    /// The nodes named in the list at `at`, sorted; a name listed twice is a problem.
    pub(super) fn set(&self, c: &mut Checker, at: &[&str], names: &[String]) -> Option<Vec<u32>> {
        let mut nodes = Vec::new();
        let mut ok = true;
        for (i, name) in names.iter().enumerate() {
            let index = i.to_string();
            let here = [at, &[index.as_str()]].concat();
            if names[..i].contains(name) {
                c.report(&here, format!("node `{name}` is named twice"), None);
                ok = false;
                continue;
            }
            match self.find(c, &here, name) {
                Some(found) => nodes.extend(found),
                None => ok = false,
            }
        }
        nodes.sort_unstable();
        ok.then_some(nodes)
    }
}
