//! Service instances: a service with `instances: N` (N > 1) becomes N services named
//! `name/0 … name/N-1`, each its own node with its own workers and queue; calls to it are
//! balanced over them by the caller, faults on it strike every instance, and invariants on it
//! hold for every instance. Never changes a scenario whose services have one instance each.

use faultline_check::Invariant;
use faultline_model::{
    CallConfig, Endpoint, Fault, ServiceConfig, ServiceGroup, Step, WorldConfig,
};

use crate::raw::ScenarioFile;

use super::Checker;

/// Instances a service may have.
pub const MAX_INSTANCES: i64 = 1_000;

/// How many instances each service has, in service order.
pub(super) fn instance_counts(c: &mut Checker, raw: &ScenarioFile) -> Option<Vec<usize>> {
    let counts: Vec<Option<usize>> = raw
        .services
        .iter()
        .map(|(name, s)| match s.instances {
            None => Some(1),
            Some(n) => c.count(&["services", name, "instances"], n, 1, MAX_INSTANCES),
        })
        .collect();
    counts.into_iter().collect()
}

/// The instance names of a service with `count` instances (its own name when it has one).
pub(super) fn instance_names(name: &str, count: usize) -> Vec<String> {
    match count {
        1 => vec![name.to_string()],
        _ => (0..count).map(|i| format!("{name}/{i}")).collect(),
    }
}

/// Where each service's instances are: the first instance's index and the endpoint calls to
/// the service get.
struct Layout {
    first: Vec<usize>,
    endpoints: Vec<Endpoint>,
}

impl Layout {
    fn of(counts: &[usize], names: &[String]) -> (Self, Vec<ServiceGroup>) {
        let mut layout = Layout { first: Vec::new(), endpoints: Vec::new() };
        let mut groups = Vec::new();
        let mut next = 0;
        for (&count, name) in counts.iter().zip(names) {
            layout.first.push(next);
            let endpoint = match count {
                1 => Endpoint::Service(next),
                _ => Endpoint::Balanced { group: groups.len() },
            };
            if count > 1 {
                groups.push(ServiceGroup { name: name.clone(), first: next, count });
            }
            layout.endpoints.push(endpoint);
            next += count;
        }
        (layout, groups)
    }

    fn retarget(&self, call: &mut CallConfig) {
        match call.target {
            Endpoint::Service(service) => call.target = self.endpoints[service],
            Endpoint::Topic { .. } => {} // a topic's broker is remapped with the topic
            Endpoint::Balanced { .. } => {
                unreachable!("validation targets services by their index before expanding")
            }
        }
    }
}

/// Expands every service into its instances (a no-op when each has one).
pub(super) fn expand(world: &mut WorldConfig, invariants: &mut Vec<Invariant>, counts: &[usize]) {
    if counts.iter().all(|&n| n == 1) {
        return;
    }
    let names: Vec<String> = world.services.iter().map(|s| s.name.clone()).collect();
    let (layout, groups) = Layout::of(counts, &names);
    let services = std::mem::take(&mut world.services);
    for (service, count) in services.into_iter().zip(counts) {
        for name in instance_names(&service.name, *count) {
            let mut instance = ServiceConfig { name: name.clone(), ..service.clone() };
            for_each_call(&mut instance.steps, &mut |call| {
                layout.retarget(call);
                if *count > 1 {
                    // Each instance's calls draw from streams of their own.
                    call.path = format!("{} ({name})", call.path);
                }
            });
            world.services.push(instance);
        }
    }
    world.groups = groups;
    for topic in &mut world.topics {
        topic.broker = layout.first[topic.broker];
        for sub in &mut topic.subscriptions {
            sub.count = counts[sub.first];
            sub.first = layout.first[sub.first];
        }
    }
    for client in &mut world.clients {
        layout.retarget(&mut client.call);
    }
    world.faults = world.faults.iter().flat_map(|f| per_instance(f, &layout, counts)).collect();
    // Node faults name nodes, which are instances already.
    *invariants = invariants
        .iter()
        .flat_map(|i| invariant_per_instance(i, &layout, counts, &world.services))
        .collect();
}

fn for_each_call(steps: &mut [Step], visit: &mut impl FnMut(&mut CallConfig)) {
    for step in steps {
        match step {
            Step::Work { .. }
            | Step::Wait { .. }
            | Step::CheckToken { .. }
            | Step::Register(_)
            | Step::Require { .. }
            | Step::Database(_) => {}
            Step::Effect(_) | Step::Apply(_) => {}
            Step::Call(call) | Step::Batch { call, .. } => visit(call),
            Step::Publish(publish) => visit(&mut publish.call),
            Step::Parallel(calls) => calls.iter_mut().for_each(&mut *visit),
            Step::Fanout { steps, .. } => for_each_call(steps, visit),
        }
    }
}

fn per_instance(fault: &Fault, layout: &Layout, counts: &[usize]) -> Vec<Fault> {
    let first = layout.first[fault.service];
    (first..first + counts[fault.service]).map(|service| Fault { service, ..*fault }).collect()
}

fn invariant_per_instance(
    invariant: &Invariant,
    layout: &Layout,
    counts: &[usize],
    services: &[ServiceConfig],
) -> Vec<Invariant> {
    let instances = |service: usize| {
        let first = layout.first[service];
        (first..first + counts[service]).map(|s| (s, services[s].name.clone()))
    };
    match invariant {
        Invariant::QueueBounded { service, max, .. } => instances(*service)
            .map(|(service, service_name)| Invariant::QueueBounded {
                service,
                service_name,
                max: *max,
            })
            .collect(),
        Invariant::ServiceSlo { service, percentile, bound, .. } => instances(*service)
            .map(|(service, service_name)| Invariant::ServiceSlo {
                service,
                service_name,
                percentile: *percentile,
                bound: *bound,
            })
            .collect(),
        other => vec![other.clone()],
    }
}

#[cfg(test)]
mod tests {
    use faultline_model::{Balance, Ejection};

    use super::super::testing::{WEB, refused, scenario, valid};
    use super::*;

    const THREE: &str = r#""api": (instances: 3, workers: 2, steps: [Call(to: "db", retry: (max_attempts: 2))]),
        "db": (workers: 1, service_time: Const("1ms"))"#;

    #[test]
    fn a_service_with_instances_becomes_one_service_and_node_per_instance() {
        let s = valid(&scenario(THREE, WEB, ""));
        let names: Vec<&str> = s.world.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["api/0", "api/1", "api/2", "db"]);
        assert_eq!(s.world.groups, [ServiceGroup { name: "api".into(), first: 0, count: 3 }]);
        assert_eq!(s.world.node_names(), ["web", "api/0", "api/1", "api/2", "db"]);
        assert_eq!(s.world.clients[0].call.target, Endpoint::Balanced { group: 0 });
        let Step::Call(call) = &s.world.services[1].steps[0] else { panic!("a call") };
        // Instances call the database directly, each from a stream of its own.
        assert_eq!(call.target, Endpoint::Service(3));
        assert_eq!(call.path, "services.api.steps.0 (api/1)");
    }

    #[test]
    fn faults_and_invariants_on_a_service_apply_to_every_instance() {
        let rest = r#"faults: [Down(service: "api", at: "1s", length: "1s")],
            invariants: [QueueBounded(service: "api", max: 5)]"#;
        let s = valid(&scenario(THREE, WEB, rest));
        let struck: Vec<usize> = s.world.faults.iter().map(|f| f.service).collect();
        assert_eq!(struck, [0, 1, 2]);
        let bounded: Vec<String> = s
            .invariants
            .iter()
            .map(|i| match i {
                Invariant::QueueBounded { service, service_name, .. } => {
                    format!("{service} {service_name}")
                }
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(bounded, ["0 api/0", "1 api/1", "2 api/2"]);
    }

    #[test]
    fn one_instance_changes_nothing() {
        let one = r#""api": (instances: 1, workers: 2, service_time: Const("1ms"))"#;
        let plain = r#""api": (workers: 2, service_time: Const("1ms"))"#;
        assert_eq!(valid(&scenario(one, WEB, "")).world, valid(&scenario(plain, WEB, "")).world);
    }

    #[test]
    fn balancing_and_ejection_are_read_with_envoy_s_defaults() {
        let client =
            r#""web": (target: "api", rate: "1/s", balance: PowerOfTwo, outlier_ejection: ())"#;
        let call = valid(&scenario(THREE, client, "")).world.clients[0].call.clone();
        assert_eq!(call.balance, Balance::PowerOfTwo);
        let envoy = Ejection {
            consecutive_failures: 5,
            base_time: faultline_engine::SimDuration::from_secs(30),
            max_share: 0.1,
        };
        assert_eq!(call.ejection, Some(envoy));
    }

    #[test]
    fn instance_counts_and_ejection_limits_out_of_range_are_refused() {
        let zero = r#""api": (instances: 0, workers: 2, service_time: Const("1ms"))"#;
        assert_eq!(
            refused(&scenario(zero, WEB, "")),
            [
                "services.api.instances: `services.api.instances` is 0; it must be between 1 and 1000"
            ]
        );
        let client = r#""web": (target: "api", rate: "1/s",
            outlier_ejection: (consecutive_failures: 0, max_ejected: "150%"))"#;
        let api = r#""api": (workers: 2, service_time: Const("1ms"))"#;
        assert_eq!(
            refused(&scenario(api, client, "")),
            [
                "clients.web.outlier_ejection.consecutive_failures: \
                 `clients.web.outlier_ejection.consecutive_failures` is 0; \
                 it must be between 1 and 1000000",
                "clients.web.outlier_ejection.max_ejected: at most 100% of instances can be ejected",
            ]
        );
    }
}
