//! Turns service handlers into a flat plan: every step resolved, every call given its call site,
//! and every sub-handler (the sub-tasks of a fan-out) numbered after the services' own.

use std::collections::{BTreeMap, BTreeSet};

use faultline_engine::{RngStreams, SimDuration};

use crate::call::CallSite;
use crate::{CallConfig, Dist, Step, WorldConfig};

/// A handler step with its calls resolved to call-site indices.
#[derive(Debug)]
pub(crate) enum StepPlan {
    Work {
        time: Dist,
        contention: SimDuration,
    },
    /// Calls from the sites `first .. first + count` (a step's sites are numbered in order).
    Calls {
        first: u32,
        count: u16,
    },
    /// Joins batcher `batcher`.
    Batch {
        batcher: u32,
    },
}

/// A batching step: where its one call goes from, and when a batch is sent.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BatcherPlan {
    pub(crate) site: u32,
    pub(crate) max: u16,
    pub(crate) wait: SimDuration,
    pub(crate) per_item: f64,
}

/// Call sites and handlers. Handler `i` for `i < services` is service `i`'s own; sub-handlers
/// follow. Site `i` for `i < clients` is client `i`'s.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) sites: Vec<CallSite>,
    pub(crate) handlers: Vec<Vec<StepPlan>>,
    /// For each service, the call sites with a breaker that its handlers call from: the ones
    /// that can hold its queue. (Only these: a fan-out's 1,000 sites would be scanned on every
    /// start.)
    pub(crate) breaker_sites: Vec<Vec<u32>>,
    pub(crate) batchers: Vec<BatcherPlan>,
}

pub(crate) fn plan(config: &WorldConfig, streams: &RngStreams) -> Plan {
    let mut planner = Planner {
        config,
        streams,
        sites: Vec::new(),
        handlers: Vec::new(),
        batchers: Vec::new(),
        names: Names::default(),
    };
    let mut breaker_sites = vec![Vec::new(); config.services.len()];
    for client in &config.clients {
        let name = format!("{}→{}", client.name, config.services[client.call.target].name);
        planner.names.taken.insert(name.clone());
        let target = client.call.target as u32;
        planner.sites.push(CallSite::new(name, &client.call, target, streams));
    }
    planner.handlers.resize_with(config.services.len(), Vec::new);
    for (index, service) in config.services.iter().enumerate() {
        let first = planner.sites.len() as u32;
        planner.handlers[index] = planner.steps(index, &service.steps);
        let sites = first..planner.sites.len() as u32;
        breaker_sites[index] =
            sites.filter(|&site| planner.sites[site as usize].has_breaker()).collect();
    }
    Plan {
        sites: planner.sites,
        handlers: planner.handlers,
        breaker_sites,
        batchers: planner.batchers,
    }
}

struct Planner<'a> {
    config: &'a WorldConfig,
    streams: &'a RngStreams,
    sites: Vec<CallSite>,
    handlers: Vec<Vec<StepPlan>>,
    batchers: Vec<BatcherPlan>,
    names: Names,
}

/// Call-site names given so far. A fan-out of 1,000 names 1,000 sites after one caller and
/// callee, so finding a free name must not scan the sites (that made building such a world take
/// seconds).
#[derive(Default)]
struct Names {
    taken: BTreeSet<String>,
    /// For each base name, the suffix last given: the lowest free one is never below it, as
    /// names are only ever added.
    last_suffix: BTreeMap<String, u32>,
}

impl Planner<'_> {
    fn steps(&mut self, service: usize, steps: &[Step]) -> Vec<StepPlan> {
        steps.iter().map(|step| self.step(service, step)).collect()
    }

    fn step(&mut self, service: usize, step: &Step) -> StepPlan {
        match step {
            Step::Work { time, contention } => {
                StepPlan::Work { time: *time, contention: *contention }
            }
            Step::Call(config) => self.calls(service, std::slice::from_ref(config), None),
            Step::Parallel(configs) => self.calls(service, configs, None),
            Step::Fanout { count, timeout, steps } => {
                let sub = self.handlers.len() as u32;
                self.handlers.push(Vec::new());
                let plan = self.steps(service, steps);
                self.handlers[sub as usize] = plan;
                let config = CallConfig::plain(service, *timeout);
                let configs = vec![config; usize::from(*count)];
                self.calls(service, &configs, Some(sub))
            }
            Step::Batch { call, max, wait, per_item } => {
                let site = self.sites.len() as u32;
                self.calls(service, std::slice::from_ref(call), None);
                let batcher = self.batchers.len() as u32;
                self.batchers.push(BatcherPlan {
                    site,
                    max: *max,
                    wait: *wait,
                    per_item: *per_item,
                });
                StepPlan::Batch { batcher }
            }
        }
    }

    /// `base`, or the first free of `base#2`, `base#3`… when a handler calls the same service
    /// from several steps.
    fn unique_name(&mut self, base: String) -> String {
        let names = &mut self.names;
        if names.taken.insert(base.clone()) {
            return base;
        }
        let last = names.last_suffix.entry(base.clone()).or_insert(1);
        loop {
            *last += 1;
            let name = format!("{base}#{last}");
            if names.taken.insert(name.clone()) {
                return name;
            }
        }
    }

    /// One call site per call; `handler` overrides the callee's own handler (sub-tasks).
    fn calls(&mut self, service: usize, configs: &[CallConfig], handler: Option<u32>) -> StepPlan {
        let first = self.sites.len() as u32;
        let caller = &self.config.services[service].name;
        for config in configs {
            let callee = &self.config.services[config.target].name;
            let name = self.unique_name(format!("{caller}→{callee}"));
            let handler = handler.unwrap_or(config.target as u32);
            self.sites.push(CallSite::new(name, config, handler, self.streams));
        }
        let count =
            u16::try_from(configs.len()).expect("a step makes at most MAX_CALLS_PER_STEP calls");
        StepPlan::Calls { first, count }
    }
}
