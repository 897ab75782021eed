//! The `Register` step: a read or write of the register a service's instances replicate, its
//! mode (`Failover`, `Lease`, `Quorum`) with heartbeat, lease and election timeout, the share
//! of reads and the work before serving. Never accepts a register step inside a fan-out, two in
//! one handler, more replicas than acknowledgements can count, or timings under which
//! followers would take over while a healthy leader still leads.

use faultline_model::{MAX_REPLICAS, RegisterMode, RegisterStep};

use crate::raw::{DistRaw, RegisterModeRaw, ServiceRaw, StepRaw};

use super::Checker;
use super::dist::check_dist;

/// `Register(mode: ..., reads: "50%", apply: ...)` at path `at`.
pub(super) fn check_register(
    c: &mut Checker,
    at: &[&str],
    mode: &RegisterModeRaw,
    reads: &str,
    apply: &DistRaw,
) -> Option<RegisterStep> {
    let mode = check_mode(c, &[at, &["mode"]].concat(), mode);
    let reads_at = [at, &["reads"]].concat();
    let reads = c.percent(&reads_at, reads).and_then(|share| {
        if share > 1.0 {
            c.report(&reads_at, format!("reads is {}%; at most 100%", share * 100.0), None);
            return None;
        }
        Some(share)
    });
    let apply = check_dist(c, &[at, &["apply"]].concat(), apply);
    Some(RegisterStep { mode: mode?, reads: reads?, apply: apply? })
}

fn check_mode(c: &mut Checker, at: &[&str], raw: &RegisterModeRaw) -> Option<RegisterMode> {
    let field = |f: &'static str| [at, &[f]].concat();
    let (heartbeat, timeout, lease) = match raw {
        RegisterModeRaw::Failover { heartbeat, timeout }
        | RegisterModeRaw::Quorum { heartbeat, timeout } => (heartbeat, timeout, None),
        RegisterModeRaw::Lease { heartbeat, lease, timeout } => (heartbeat, timeout, Some(lease)),
    };
    let heartbeat = c.positive_duration(&field("heartbeat"), heartbeat);
    let timeout = c.positive_duration(&field("timeout"), timeout);
    let lease = lease.map(|l| c.positive_duration(&field("lease"), l));
    let (heartbeat, timeout) = (heartbeat?, timeout?);
    if heartbeat >= timeout {
        let help = "heartbeats must come more often than followers give up on a leader".into();
        c.report(
            &field("timeout"),
            format!("timeout {timeout} is not longer than the heartbeat {heartbeat}"),
            Some(help),
        );
        return None;
    }
    Some(match (raw, lease) {
        (RegisterModeRaw::Failover { .. }, _) => RegisterMode::Failover { heartbeat, timeout },
        (RegisterModeRaw::Quorum { .. }, _) => RegisterMode::Quorum { heartbeat, timeout },
        (RegisterModeRaw::Lease { .. }, lease) => {
            let lease = lease.flatten()?;
            if lease >= timeout || lease <= heartbeat {
                let help = "a lease outlasts heartbeats (so it is renewed) and ends before followers give up (so two leaders never serve at once)";
                let message = format!(
                    "lease {lease} must lie between the heartbeat {heartbeat} and the timeout {timeout}"
                );
                c.report(&field("lease"), message, Some(help.into()));
                return None;
            }
            RegisterMode::Lease { heartbeat, lease, timeout }
        }
    })
}

/// Where register steps may be: at most one, at the top of a service's handler, over at most
/// [`MAX_REPLICAS`] instances.
pub(super) fn check_register_placement(c: &mut Checker, name: &str, s: &ServiceRaw) {
    let Some(steps) = &s.steps else { return };
    let at = ["services", name, "steps"];
    let is_register = |st: &StepRaw| matches!(st, StepRaw::Register { .. });
    if steps.iter().filter(|st| is_register(st)).count() > 1 {
        let help = "one register per service: its instances are the replicas".into();
        c.report(&at, format!("service `{name}` has more than one `Register` step"), Some(help));
    }
    for (i, step) in steps.iter().enumerate() {
        if let StepRaw::Fanout { steps: inner, .. } = step
            && inner.iter().any(is_register)
        {
            let index = i.to_string();
            let help = "a sub-task runs on no replica of its own; move `Register` to the handler's own steps".into();
            c.report(
                &["services", name, "steps", &index],
                "a `Register` step inside a `Fanout`",
                Some(help),
            );
        }
    }
    let replicas = s.instances.unwrap_or(1);
    if steps.iter().any(is_register) && replicas > MAX_REPLICAS as i64 {
        let message = format!("a register over {replicas} instances; at most {MAX_REPLICAS}");
        c.report(&["services", name, "instances"], message, None);
    }
}

#[cfg(test)]
mod tests {
    use faultline_engine::SimDuration;
    use faultline_model::{Dist, Step};

    use super::super::testing::{refused, scenario, valid};
    use super::*;

    const WEB: &str = r#""web": (target: "store", rate: "10/s", key: Uniform(5))"#;

    fn store(mode: &str, extra: &str) -> String {
        format!(
            r#""store": (instances: 3, workers: 4, steps: [Register(mode: {mode}, reads: "50%", apply: Const("1ms"))]{extra})"#
        )
    }

    #[test]
    fn a_register_step_becomes_its_config_on_every_instance() {
        let s = valid(&scenario(
            &store(r#"Lease(heartbeat: "50ms", lease: "1s", timeout: "1.2s")"#, ""),
            WEB,
            "",
        ));
        let ms = SimDuration::from_millis;
        let expected = Step::Register(RegisterStep {
            mode: RegisterMode::Lease { heartbeat: ms(50), lease: ms(1000), timeout: ms(1200) },
            reads: 0.5,
            apply: Dist::Const { secs: 0.001 },
        });
        assert_eq!(s.world.services.len(), 3);
        assert!(s.world.services.iter().all(|svc| svc.steps == vec![expected.clone()]));
        assert_eq!(s.world.replicas_of(1), (0, 3, "store".to_string()));
    }

    #[test]
    fn timings_under_which_followers_take_over_from_a_healthy_leader_are_refused() {
        let slow =
            refused(&scenario(&store(r#"Quorum(heartbeat: "1s", timeout: "500ms")"#, ""), WEB, ""));
        assert!(
            slow.iter().any(|p| p.contains("timeout 500ms is not longer than the heartbeat 1s")),
            "{slow:?}"
        );
        let long = refused(&scenario(
            &store(r#"Lease(heartbeat: "50ms", lease: "2s", timeout: "1s")"#, ""),
            WEB,
            "",
        ));
        assert!(
            long.iter()
                .any(|p| p
                    .contains("lease 2s must lie between the heartbeat 50ms and the timeout 1s")),
            "{long:?}"
        );
    }

    #[test]
    fn shares_over_100_percent_and_registers_in_sub_tasks_are_refused() {
        let text = scenario(
            r#""store": (workers: 4, steps: [Register(mode: Failover(heartbeat: "50ms", timeout: "1s"), reads: "150%", apply: Const("1ms"))])"#,
            WEB,
            "",
        );
        assert!(refused(&text).iter().any(|p| p.contains("reads is 150%; at most 100%")));
        let nested = scenario(
            r#""store": (workers: 4, steps: [Fanout(count: 2, steps: [Register(mode: Failover(heartbeat: "50ms", timeout: "1s"), reads: "50%", apply: Const("1ms"))])])"#,
            WEB,
            "",
        );
        assert!(refused(&nested).iter().any(|p| p.contains("a `Register` step inside a `Fanout`")));
    }
}
