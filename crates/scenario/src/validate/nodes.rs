//! Node names: every client and service runs on a node of its name, clients first, then
//! services (the order `WorldConfig::node_names` gives). Network sections and network faults
//! refer to nodes by these names; a name that matches no node is refused, never skipped.

use crate::error::{did_you_mean, list};
use crate::raw::ScenarioFile;

use super::Checker;
use super::instances::{MAX_INSTANCES, instance_names};

/// The nodes of a scenario, by index.
pub(super) struct NodeNames {
    names: Vec<String>,
    /// Clients come first: nodes below this are clients'.
    clients: usize,
    /// The service each node is an instance of, for services with several instances.
    groups: Vec<Option<String>>,
}

impl NodeNames {
    /// Clients, then every instance of every service (`api/0`, `api/1`, … for a service with
    /// several; a count that is out of range, reported elsewhere, counts as one).
    pub(super) fn of(raw: &ScenarioFile) -> Self {
        let clients = raw.clients.len();
        let mut nodes = NodeNames { names: Vec::new(), clients, groups: Vec::new() };
        for client in raw.clients.keys() {
            nodes.names.push(client.clone());
            nodes.groups.push(None);
        }
        for (name, service) in &raw.services {
            let count = service.instances.filter(|n| (1..=MAX_INSTANCES).contains(n)).unwrap_or(1);
            let group = (count > 1).then(|| name.clone());
            for instance in instance_names(name, count as usize) {
                nodes.names.push(instance);
                nodes.groups.push(group.clone());
            }
        }
        nodes
    }

    pub(super) fn name(&self, node: u32) -> &str {
        &self.names[node as usize]
    }

    pub(super) fn len(&self) -> usize {
        self.names.len()
    }

    /// The nodes called `name`: a client, a service or one instance (`api/1`), or every
    /// instance of a service (`api`); a client and a service may share a name: both.
    pub(super) fn find(&self, c: &mut Checker, at: &[&str], name: &str) -> Option<Vec<u32>> {
        let named = |i: &usize| self.names[*i] == name || self.groups[*i].as_deref() == Some(name);
        let found: Vec<u32> = (0..self.names.len()).filter(named).map(|i| i as u32).collect();
        if found.is_empty() {
            let known: Vec<&str> = self.names.iter().map(String::as_str).collect();
            let help = did_you_mean(name, known.iter().copied())
                .or_else(|| Some(format!("nodes (clients and services) are {}", list(&known))));
            c.report(at, format!("unknown node `{name}`"), help);
            return None;
        }
        Some(found)
    }

    /// The services (by index among the instances) whose nodes `name` names; a client is
    /// refused: only services crash or pause.
    pub(super) fn services(&self, c: &mut Checker, at: &[&str], name: &str) -> Option<Vec<usize>> {
        let nodes = self.find(c, at, name)?;
        if nodes.iter().any(|&n| (n as usize) < self.clients) {
            let help = "crash or pause a service, or one of its instances (`api/1`)".to_string();
            c.report(at, format!("`{name}` is a client; only services crash or pause"), Some(help));
            return None;
        }
        Some(nodes.into_iter().map(|n| n as usize - self.clients).collect())
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
