//! Turns service handlers into a flat plan: every step resolved, every call given its call site,
//! and every sub-handler (the sub-tasks of a fan-out) numbered after the services' own.

use std::collections::{BTreeMap, BTreeSet};

use faultline_engine::{RngStreams, SimDuration};

use crate::call::CallSite;
use crate::{CallConfig, Dist, Endpoint, Step, WorldConfig};

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
    /// Waits until the schedule next fires.
    Wait(Box<crate::Schedule>),
    /// Checks the request's token on the service's clock, allowing `leeway`.
    CheckToken {
        leeway: SimDuration,
    },
    /// A register operation's first half: refused unless this replica may serve.
    RegisterCheck,
    /// Its second half, after its work: the read or write, maybe waiting for a majority.
    RegisterAct,
    /// A database read or write (a read may wait for its replica to catch up).
    DataAct,
    /// Publishes through call site `site`, shaped by publisher `publisher`.
    Publish {
        site: u32,
        publisher: u32,
    },
    /// Fails the job unless the request carries these fields (a bit per field).
    Require {
        fields: u8,
    },
    /// The last step of a topic's handler at its broker: the message is appended.
    Append {
        topic: u32,
    },
    /// Records effect `effect` (its index in [`effect_names`](crate::effect_names)).
    Effect {
        effect: u32,
        once_per: crate::OncePer,
        dedup: Option<SimDuration>,
    },
    /// Applies the request's event with the world's `Apply` step number `step`.
    Apply {
        step: u32,
    },
}

/// Every `Apply` step in the order the planner numbers them: services in order, each handler's
/// steps in order, a fan-out's sub-task steps at the fan-out.
pub(crate) fn apply_steps(config: &WorldConfig) -> Vec<&crate::ApplyStep> {
    fn walk<'a>(steps: &'a [Step], out: &mut Vec<&'a crate::ApplyStep>) {
        for step in steps {
            match step {
                Step::Apply(apply) => out.push(apply),
                Step::Fanout { steps, .. } => walk(steps, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    for service in &config.services {
        walk(&service.steps, &mut out);
    }
    out
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
    /// The node each site's calls leave from: its client's, or its handler's service's.
    pub(crate) site_nodes: Vec<u32>,
    /// The `Publish` steps, in the order their plans name them.
    pub(crate) publishers: Vec<crate::broker::PublishConfig>,
}

pub(crate) fn plan(config: &WorldConfig, streams: &RngStreams) -> Plan {
    let mut planner = Planner {
        config,
        streams,
        sites: Vec::new(),
        handlers: Vec::new(),
        batchers: Vec::new(),
        publishers: Vec::new(),
        names: Names::default(),
        effects: crate::effect_names(config),
        applies: 0,
    };
    let mut breaker_sites = vec![Vec::new(); config.services.len()];
    for client in &config.clients {
        let name = format!("{}→{}", client.name, config.endpoint_name(client.call.target));
        planner.names.taken.insert(name.clone());
        let instances = config.instances(client.call.target);
        let handler = topic_handler(config, client.call.target);
        planner.sites.push(CallSite::new(name, &client.call, instances, handler, streams));
    }
    let mut site_nodes: Vec<u32> =
        (0..config.clients.len()).map(|c| config.client_node(c)).collect();
    // Each topic's handler follows the services' own: its broker's steps, then the append.
    planner.handlers.resize_with(config.services.len() + config.topics.len(), Vec::new);
    for (index, service) in config.services.iter().enumerate() {
        let first = planner.sites.len() as u32;
        planner.handlers[index] = planner.steps(index, &service.steps);
        let sites = first..planner.sites.len() as u32;
        site_nodes.resize(planner.sites.len(), config.service_node(index));
        breaker_sites[index] =
            sites.filter(|&site| planner.sites[site as usize].has_breaker()).collect();
    }
    for (topic, config_topic) in config.topics.iter().enumerate() {
        let broker = config_topic.broker;
        let mut steps = planner.steps(broker, &config.services[broker].steps);
        steps.push(StepPlan::Append { topic: topic as u32 });
        planner.handlers[config.services.len() + topic] = steps;
        site_nodes.resize(planner.sites.len(), config.service_node(broker));
    }
    Plan {
        sites: planner.sites,
        handlers: planner.handlers,
        breaker_sites,
        batchers: planner.batchers,
        site_nodes,
        publishers: planner.publishers,
    }
}

/// The handler calls to `target` run: a topic's own (its broker's steps and the append);
/// `None` for a service's.
fn topic_handler(config: &WorldConfig, target: Endpoint) -> Option<u32> {
    match target {
        Endpoint::Topic { topic } => Some((config.services.len() + topic) as u32),
        Endpoint::Service(_) | Endpoint::Balanced { .. } => None,
    }
}

struct Planner<'a> {
    config: &'a WorldConfig,
    streams: &'a RngStreams,
    sites: Vec<CallSite>,
    handlers: Vec<Vec<StepPlan>>,
    batchers: Vec<BatcherPlan>,
    publishers: Vec<crate::broker::PublishConfig>,
    names: Names,
    /// Effect names, sorted: an `Effect` step's number.
    effects: Vec<String>,
    /// `Apply` steps planned so far (numbered in the order [`apply_steps`] lists them).
    applies: u32,
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
        let mut plan = Vec::with_capacity(steps.len());
        for step in steps {
            if let Step::Register(register) = step {
                // Check, work, act: the work is the gap a pause can fall into.
                let work = StepPlan::Work { time: register.apply, contention: SimDuration::ZERO };
                plan.extend([StepPlan::RegisterCheck, work, StepPlan::RegisterAct]);
            } else {
                plan.push(self.step(service, step));
            }
        }
        plan
    }

    fn step(&mut self, service: usize, step: &Step) -> StepPlan {
        match step {
            Step::Work { time, contention } => {
                StepPlan::Work { time: *time, contention: *contention }
            }
            Step::Wait { schedule } => StepPlan::Wait(Box::new(schedule.clone())),
            Step::Call(config) => self.calls(service, std::slice::from_ref(config), None),
            Step::Parallel(configs) => self.calls(service, configs, None),
            Step::Fanout { count, timeout, steps } => {
                let sub = self.handlers.len() as u32;
                self.handlers.push(Vec::new());
                let plan = self.steps(service, steps);
                self.handlers[sub as usize] = plan;
                let config = CallConfig::plain(Endpoint::Service(service), *timeout);
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
            Step::CheckToken { leeway } => StepPlan::CheckToken { leeway: *leeway },
            Step::Effect(e) => {
                let effect = self.effects.iter().position(|n| *n == e.name).unwrap_or(0) as u32;
                StepPlan::Effect { effect, once_per: e.once_per, dedup: e.dedup }
            }
            Step::Apply(_) => {
                self.applies += 1;
                StepPlan::Apply { step: self.applies - 1 }
            }
            Step::Register(_) => unreachable!("`steps` plans a register step"),
            Step::Publish(publish) => {
                let site = self.sites.len() as u32;
                self.calls(service, std::slice::from_ref(&publish.call), None);
                let publisher = self.publishers.len() as u32;
                self.publishers.push((**publish).clone());
                StepPlan::Publish { site, publisher }
            }
            Step::Require { fields } => StepPlan::Require { fields: *fields },
            Step::Database(_) => StepPlan::DataAct,
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
            let callee = self.config.endpoint_name(config.target);
            let name = self.unique_name(format!("{caller}→{callee}"));
            let instances = self.config.instances(config.target);
            let handler = handler.or(topic_handler(self.config, config.target));
            self.sites.push(CallSite::new(name, config, instances, handler, self.streams));
        }
        let count =
            u16::try_from(configs.len()).expect("a step makes at most MAX_CALLS_PER_STEP calls");
        StepPlan::Calls { first, count }
    }
}

#[cfg(test)]
mod tests {
    use faultline_engine::SimTime;

    use super::*;
    use crate::policy::{Backoff, Jitter};
    use crate::{Outcome, RetryConfig, RetryOn, ServiceConfig};

    fn jittered(path: &str) -> CallConfig {
        let retry = RetryConfig {
            max_attempts: 10,
            backoff: Backoff::Constant(SimDuration::from_secs(1)),
            jitter: Jitter::Full,
            budget: None,
            retry_on: RetryOn { timeout: true, error: true, rejected: true },
        };
        CallConfig {
            path: path.into(),
            retry: Some(retry),
            ..CallConfig::plain(Endpoint::Service(1), None)
        }
    }

    fn world(api_steps: Vec<Step>) -> WorldConfig {
        let work = Step::Work { time: Dist::Exp { mean: 0.001 }, contention: SimDuration::ZERO };
        let services =
            vec![ServiceConfig::new("api", 1, api_steps), ServiceConfig::new("db", 1, vec![work])];
        WorldConfig::new(vec![], services, SimTime::ZERO + SimDuration::from_secs(1))
    }

    /// The first five jittered retry delays of the call site named `name`.
    fn delays(config: &WorldConfig, name: &str) -> Vec<SimDuration> {
        let mut plan = plan(config, &RngStreams::new(7));
        let site = plan.sites.iter_mut().find(|s| s.name == name).expect("the site is planned");
        (1..=5).filter_map(|n| site.retry_delay(SimTime::ZERO, Outcome::Error, n, None)).collect()
    }

    /// A call's jitter depends on where it is written, not on how many calls to the same
    /// callee were planned before it: giving a fan-out's sub-tasks a call to `db` renames the
    /// later step's call site (`api→db` becomes `api→db#2`) but leaves its random stream alone.
    #[test]
    fn retry_jitter_follows_the_calls_path_not_its_planning_order() {
        let work = Step::Work { time: Dist::Exp { mean: 0.001 }, contention: SimDuration::ZERO };
        let fanout = |steps| Step::Fanout { count: 2, timeout: None, steps };
        let call = Step::Call(jittered("services.api.steps.1"));
        let sub_call = Step::Call(jittered("services.api.steps.0.steps.0"));
        let before = delays(&world(vec![fanout(vec![work]), call.clone()]), "api→db");
        let after = delays(&world(vec![fanout(vec![sub_call]), call]), "api→db#2");
        assert_eq!(before.len(), 5);
        assert_eq!(before, after);
        let other = delays(&world(vec![Step::Call(jittered("services.api.steps.0"))]), "api→db");
        assert_ne!(before, other, "another path draws from another stream");
    }
}
