//! Tokens: a client's `token: (issuer: ..., lifetime: ..., renew_before: ...)` and a handler's
//! `CheckToken(leeway: ...)`. Never accepts an issuer that is not exactly one node, a lifetime
//! of zero, a renewal no earlier than the token's own issue, or a client without a token whose
//! requests reach a service that checks one (each such request would be refused for nothing).

use faultline_engine::SimDuration;
use faultline_model::{TokenHolding, TokenPolicy};

use crate::raw::{ScenarioFile, StepRaw, TokenRaw};
use crate::reach::reachable;

use super::Checker;
use super::nodes::NodeNames;

/// The token client `client` holds, from `clients.CLIENT.token`.
pub(super) fn check_token(
    c: &mut Checker,
    client: &str,
    raw: &TokenRaw,
    nodes: &NodeNames,
) -> Option<TokenHolding> {
    let at = |field: &'static str| ["clients", client, "token", field];
    let issuer = issuer_node(c, &at("issuer"), &raw.issuer, nodes);
    let lifetime = c.positive_duration(&at("lifetime"), &raw.lifetime);
    let renew_before = match &raw.renew_before {
        Some(text) => c.duration(&at("renew_before"), text),
        None => Some(SimDuration::ZERO),
    };
    let (lifetime, renew_before) = (lifetime?, renew_before?);
    if renew_before >= lifetime {
        c.report(
            &at("renew_before"),
            format!(
                "renewing {renew_before} before the expiry of a token that lives {lifetime} \
                 means renewing it as soon as it is issued: every request would get a new one"
            ),
            Some(format!("renew less than {lifetime} before the expiry, e.g. a tenth of it")),
        );
        return None;
    }
    Some(TokenHolding { issuer: issuer?, policy: TokenPolicy { lifetime }, renew_before })
}

/// The one node named `name`: a client, a service, or one instance of a service with several.
fn issuer_node(c: &mut Checker, at: &[&str], name: &str, nodes: &NodeNames) -> Option<u32> {
    let found = nodes.find(c, at, name)?;
    match found[..] {
        [node] => Some(node),
        [first, ..] => {
            c.report(
                at,
                format!("`{name}` names {} nodes; a token is stamped by one clock", found.len()),
                Some(format!("name one of them, e.g. `{}`", nodes.name(first))),
            );
            None
        }
        [] => None,
    }
}

/// `CheckToken(leeway: ...)`: zero when left out.
pub(super) fn check_leeway(
    c: &mut Checker,
    at: &[&str],
    text: Option<&str>,
) -> Option<SimDuration> {
    match text {
        Some(text) => c.duration(at, text),
        None => Some(SimDuration::ZERO),
    }
}

/// Every client whose requests reach a service that checks tokens holds one.
pub(super) fn check_tokens_reach(c: &mut Checker, raw: &ScenarioFile) {
    for (name, client) in &raw.clients {
        if client.token.is_some() {
            continue;
        }
        let checking = reachable(raw, &client.target).into_iter().find(|service| {
            raw.services.get(*service).and_then(|s| s.steps.as_deref()).is_some_and(checks_token)
        });
        if let Some(service) = checking {
            c.report(
                &["clients", name],
                format!(
                    "client `{name}` sends no token, but its requests reach `{service}`, whose \
                     handler checks one: every one of them would be refused"
                ),
                Some(
                    "give the client `token: (issuer: \"auth\", lifetime: \"10m\")`, or remove \
                     the `CheckToken` step"
                        .into(),
                ),
            );
        }
    }
}

/// Whether any service's handler checks tokens: the token invariants need one to watch.
pub(super) fn any_checks(raw: &ScenarioFile) -> bool {
    raw.services.values().filter_map(|s| s.steps.as_deref()).any(checks_token)
}

/// Whether these steps (a fan-out's sub-tasks included) check a token.
fn checks_token(steps: &[StepRaw]) -> bool {
    steps.iter().any(|step| match step {
        StepRaw::CheckToken { .. } => true,
        StepRaw::Fanout { steps, .. } => checks_token(steps),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use faultline_model::Step;

    use super::super::testing::{first_help, refused, scenario, valid};
    use super::*;

    /// `auth` (three instances) and `api`, which checks tokens with `leeway`.
    fn services(leeway: &str) -> String {
        format!(
            r#""api": (workers: 2, steps: [CheckToken(leeway: {leeway}), Work(time: Const("1ms"))]),
               "auth": (workers: 1, instances: 3, service_time: Const("1ms"))"#
        )
    }

    /// Client `web` calling `api` with `token: TOKEN`.
    fn web(token: &str) -> String {
        scenario(
            &services("\"1s\""),
            &format!(r#""web": (target: "api", rate: "10/s", token: {token})"#),
            "",
        )
    }

    #[test]
    fn a_token_and_a_check_become_their_configs() {
        let s = valid(&web(r#"(issuer: "auth/1", lifetime: "10m", renew_before: "30s")"#));
        let holding = s.world.clients[0].token.expect("a token");
        // Nodes: web (0), api (1), auth/0..2 (2..4).
        assert_eq!(holding.issuer, 3);
        assert_eq!(holding.policy.lifetime, SimDuration::from_secs(600));
        assert_eq!(holding.renew_before, SimDuration::from_secs(30));
        assert_eq!(
            s.world.services[0].steps[0],
            Step::CheckToken { leeway: SimDuration::from_secs(1) }
        );
        let plain = valid(&web(r#"(issuer: "web", lifetime: "1m")"#));
        let holding = plain.world.clients[0].token.expect("a token");
        assert_eq!((holding.issuer, holding.renew_before), (0, SimDuration::ZERO));
    }

    #[test]
    fn an_unknown_issuer_is_refused_with_the_closest_node() {
        let text = web(r#"(issuer: "apj", lifetime: "10m")"#);
        assert_eq!(refused(&text), ["clients.web.token.issuer: unknown node `apj`"]);
        assert_eq!(first_help(&text).as_deref(), Some("did you mean `api`?"));
    }

    #[test]
    fn an_issuer_of_several_instances_is_refused_with_one_of_them() {
        let text = web(r#"(issuer: "auth", lifetime: "10m")"#);
        assert_eq!(
            refused(&text),
            ["clients.web.token.issuer: `auth` names 3 nodes; a token is stamped by one clock"]
        );
        assert_eq!(first_help(&text).as_deref(), Some("name one of them, e.g. `auth/0`"));
    }

    #[test]
    fn a_negative_or_empty_lifetime_and_a_renewal_too_early_are_refused() {
        let said = refused(&web(r#"(issuer: "web", lifetime: "-10m")"#));
        assert_eq!(said.len(), 1);
        assert!(said[0].starts_with("clients.web.token.lifetime: duration \"-10m\" is negative"));
        assert_eq!(
            refused(&web(r#"(issuer: "web", lifetime: "0s")"#)),
            ["clients.web.token.lifetime: `clients.web.token.lifetime` must be longer than zero"]
        );
        let text = web(r#"(issuer: "web", lifetime: "1m", renew_before: "1m")"#);
        assert_eq!(
            refused(&text),
            ["clients.web.token.renew_before: renewing 60s before the expiry of a token that \
                 lives 60s means renewing it as soon as it is issued: every request would get a \
                 new one"]
        );
    }

    #[test]
    fn a_leeway_that_is_not_a_duration_is_refused() {
        let text = scenario(
            &services("\"soon\""),
            r#""web": (target: "api", rate: "10/s", token: (issuer: "web", lifetime: "1m"))"#,
            "",
        );
        let said = refused(&text);
        assert_eq!(said.len(), 1);
        assert!(said[0].starts_with("services.api.steps.0.leeway: "), "{said:?}");
        assert!(said[0].contains("\"soon\""), "{said:?}");
    }

    #[test]
    fn a_client_without_a_token_reaching_a_check_is_refused() {
        let services = r#""edge": (workers: 1, steps: [Call(to: "api")]),
            "api": (workers: 1, steps: [Fanout(count: 2, steps: [CheckToken()])])"#;
        let clients = r#""web": (target: "edge", rate: "1/s"),
            "ok": (target: "edge", rate: "1/s", token: (issuer: "ok", lifetime: "1m"))"#;
        let text = scenario(services, clients, "");
        assert_eq!(
            refused(&text),
            ["clients.web: client `web` sends no token, but its requests reach `api`, whose \
                 handler checks one: every one of them would be refused"]
        );
        assert!(first_help(&text).is_some_and(|h| h.contains("token: (issuer:")));
    }

    #[test]
    fn the_token_invariants_need_a_check_to_watch() {
        let text = scenario(
            r#""api": (workers: 1, service_time: Const("1ms"))"#,
            r#""web": (target: "api", rate: "1/s")"#,
            "invariants: [NoValidTokenRejected, NoExpiredTokenAccepted]",
        );
        assert_eq!(
            refused(&text),
            [
                "invariants.0: NoValidTokenRejected needs a `CheckToken` step to watch",
                "invariants.1: NoExpiredTokenAccepted needs a `CheckToken` step to watch",
            ]
        );
    }
}
