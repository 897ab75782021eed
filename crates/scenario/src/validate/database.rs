//! The `Database` step: a read or write of the database a service's instances hold (instance 0
//! the primary, the others read replicas), its replicas' apply delay, the share of reads, the
//! read strategy, what a session is and the resend period; and a call's `op`. Never accepts a
//! read strategy on a database without replicas, a session field requests do not carry, a
//! database step inside a fan-out or beside a register, or an `op` on a call to anything but a
//! database.

use faultline_engine::SimDuration;
use faultline_model::{DatabaseStep, ReadStrategy, SessionBy};

use crate::error::did_you_mean;
use crate::raw::{DistRaw, ReadStrategyRaw, ScenarioFile, ServiceRaw, StepRaw};

use super::dist::check_dist;
use super::{Checker, optional};

/// How often a primary resends to a replica stuck behind, unless the step says.
const DEFAULT_RESEND: SimDuration = SimDuration::from_millis(500);

/// The fields of a `Database(...)` step as written.
pub(super) struct DatabaseRaw<'a> {
    pub(super) apply: &'a DistRaw,
    pub(super) reads: Option<&'a str>,
    pub(super) read: Option<&'a ReadStrategyRaw>,
    pub(super) session: Option<&'a str>,
    pub(super) resend: Option<&'a str>,
}

/// `Database(apply: ..., reads: "80%", read: ..., session: "user", resend: "500ms")` at `at`;
/// `fields` are the named fields requests carry.
pub(super) fn check_database(
    c: &mut Checker,
    at: &[&str],
    raw: &DatabaseRaw,
    fields: &[String],
) -> Option<DatabaseStep> {
    let field = |f: &'static str| [at, &[f]].concat();
    let apply = check_dist(c, &field("apply"), raw.apply);
    let reads = optional(raw.reads, |text| {
        let share = c.percent(&field("reads"), text)?;
        if share > 1.0 {
            c.report(&field("reads"), format!("reads is {}%; at most 100%", share * 100.0), None);
            return None;
        }
        Some(share)
    });
    let read = match raw.read {
        Some(strategy) => check_strategy(c, &field("read"), strategy).map(Some),
        None => Some(None),
    };
    let session = check_session(c, &field("session"), raw.session, fields);
    let resend = optional(raw.resend, |t| c.positive_duration(&field("resend"), t));
    Some(DatabaseStep {
        apply: apply?,
        reads: reads?.unwrap_or(0.0),
        read: read?,
        session: session?,
        resend: resend?.unwrap_or(DEFAULT_RESEND),
    })
}

fn check_strategy(c: &mut Checker, at: &[&str], raw: &ReadStrategyRaw) -> Option<ReadStrategy> {
    let inner = [at, &["0"]].concat();
    Some(match raw {
        ReadStrategyRaw::Any => ReadStrategy::Any,
        ReadStrategyRaw::Sticky => ReadStrategy::Sticky,
        ReadStrategyRaw::PrimaryAfterWrite(w) => {
            ReadStrategy::PrimaryAfterWrite(c.positive_duration(&inner, w)?)
        }
        ReadStrategyRaw::WaitForPosition(t) => {
            ReadStrategy::WaitForPosition(c.positive_duration(&inner, t)?)
        }
    })
}

fn check_session(
    c: &mut Checker,
    at: &[&str],
    name: Option<&str>,
    fields: &[String],
) -> Option<SessionBy> {
    let Some(name) = name else { return Some(SessionBy::Key) };
    if let Some(index) = fields.iter().position(|f| f == name) {
        return Some(SessionBy::Field(index));
    }
    let help = match did_you_mean(name, fields.iter().map(String::as_str)) {
        Some(close) => close,
        None if fields.is_empty() => {
            "no client sends named fields; add `fields: {\"NAME\": Uniform(N)}` to a client, or leave `session` out to use the key".into()
        }
        None => format!("requests carry the fields {}", crate::error::list(fields)),
    };
    c.report(at, format!("no request carries a field `{name}`"), Some(help));
    None
}

/// Where database steps may be: at most one, at the top of a service's handler, not beside a
/// register; and a read strategy only with replicas to read from.
pub(super) fn check_database_placement(c: &mut Checker, name: &str, s: &ServiceRaw) {
    let Some(steps) = &s.steps else { return };
    let at = ["services", name, "steps"];
    let is_database = |st: &StepRaw| matches!(st, StepRaw::Database { .. });
    let count = steps.iter().filter(|st| is_database(st)).count();
    if count > 1 {
        let help = "one database per service: its instances are the primary and the replicas";
        c.report(
            &at,
            format!("service `{name}` has more than one `Database` step"),
            Some(help.into()),
        );
    }
    if count > 0 && steps.iter().any(|st| matches!(st, StepRaw::Register { .. })) {
        let help = "a service's instances replicate one thing: split them into two services";
        c.report(
            &at,
            format!("service `{name}` has a `Database` and a `Register` step"),
            Some(help.into()),
        );
    }
    let replicas = s.instances.unwrap_or(1) - 1;
    for (i, step) in steps.iter().enumerate() {
        let index = i.to_string();
        if let StepRaw::Fanout { steps: inner, .. } = step
            && inner.iter().any(is_database)
        {
            let help =
                "a sub-task runs on no copy of its own; move `Database` to the handler's own steps"
                    .into();
            c.report(
                &["services", name, "steps", &index],
                "a `Database` step inside a `Fanout`",
                Some(help),
            );
        }
        if let StepRaw::Database { read: Some(_), .. } = step
            && replicas < 1
        {
            let help = format!(
                "instance 0 is the primary and the others are read replicas: set `instances: 2` or more on `{name}`, or leave `read` out to read from the primary"
            );
            let message = format!("a read strategy on database `{name}`, which has no replicas");
            c.report(&["services", name, "steps", &index, "read"], message, Some(help));
        }
    }
}

/// A call with an `op` must go to a database.
pub(super) fn check_data_ops(c: &mut Checker, raw: &ScenarioFile) {
    let is_database = |target: &str| {
        raw.services
            .get(target)
            .and_then(|s| s.steps.as_ref())
            .is_some_and(|steps| steps.iter().any(|st| matches!(st, StepRaw::Database { .. })))
    };
    for (name, s) in &raw.services {
        for (i, step) in s.steps.iter().flatten().enumerate() {
            let index = i.to_string();
            let calls: Vec<(Vec<&str>, &crate::raw::CallRaw)> = match step {
                StepRaw::Call(call) => vec![(vec!["services", name, "steps", &index], call)],
                StepRaw::Parallel(calls) => calls
                    .iter()
                    .map(|call| (vec!["services", name, "steps", &index], call))
                    .collect(),
                _ => vec![],
            };
            for (at, call) in calls {
                if call.op.is_some()
                    && raw.services.contains_key(&call.to)
                    && !is_database(&call.to)
                {
                    let help = "`op` says whether a call to a database reads or writes; leave it out for other services";
                    let message =
                        format!("`op` on a call to `{}`, which has no `Database` step", call.to);
                    c.report(&[&at[..], &["op"]].concat(), message, Some(help.into()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use faultline_model::{DataOp, Dist, Step};

    use super::super::testing::{first_help, refused, scenario, valid};
    use super::*;

    const WEB: &str =
        r#""web": (target: "db", rate: "10/s", key: Uniform(5), fields: {"user": Uniform(3)})"#;

    fn db(instances: u32, extra: &str) -> String {
        format!(
            r#""db": (instances: {instances}, workers: 4, steps: [Database(apply: Const("1ms"), reads: "80%"{extra})])"#
        )
    }

    #[test]
    fn a_database_step_becomes_its_config_on_every_instance() {
        let s = valid(&scenario(
            &db(3, r#", read: PrimaryAfterWrite("2s"), session: "user""#),
            WEB,
            "",
        ));
        let expected = Step::Database(DatabaseStep {
            apply: Dist::Const { secs: 0.001 },
            reads: 0.8,
            read: Some(ReadStrategy::PrimaryAfterWrite(SimDuration::from_secs(2))),
            session: SessionBy::Field(0),
            resend: DEFAULT_RESEND,
        });
        assert_eq!(s.world.services.len(), 3);
        assert!(s.world.services.iter().all(|svc| svc.steps == vec![expected.clone()]));
    }

    #[test]
    fn a_read_strategy_without_replicas_is_refused_at_its_field() {
        let text = scenario(&db(1, ", read: Sticky"), WEB, "");
        let problems = refused(&text);
        let want =
            "services.db.steps.0.read: a read strategy on database `db`, which has no replicas";
        assert_eq!(problems, vec![want.to_string()]);
        assert!(first_help(&text).is_some_and(|h| h.contains("set `instances: 2` or more")));
    }

    #[test]
    fn an_unknown_session_field_is_refused_with_the_closest_name() {
        let text = scenario(&db(2, r#", session: "usr""#), WEB, "");
        let want = "services.db.steps.0.session: no request carries a field `usr`";
        assert_eq!(refused(&text), vec![want.to_string()]);
        assert_eq!(first_help(&text).as_deref(), Some("did you mean `user`?"));
    }

    #[test]
    fn an_op_on_a_call_to_a_service_without_a_database_is_refused() {
        let api = r#""api": (workers: 1, steps: [Call(to: "other", op: Read)]), "other": (workers: 1, service_time: Const("1ms"))"#;
        let web = r#""web": (target: "api", rate: "1/s")"#;
        let problems = refused(&scenario(api, web, ""));
        assert!(problems.iter().any(|p| p.contains("services.api.steps.0.op")), "{problems:?}");
        let api =
            format!(r#""api": (workers: 1, steps: [Call(to: "db", op: Write)]), {}"#, db(2, ""));
        let s = valid(&scenario(&api, web, ""));
        let Step::Call(call) = &s.world.services[0].steps[0] else { panic!("a call") };
        assert_eq!(call.op, Some(DataOp::Write));
    }
}
