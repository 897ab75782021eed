//! Names one part of a scenario uses to refer to another (services, request classes), and the
//! problem an unknown name gets; a name that refers to nothing is never skipped or guessed at.

use crate::error::{did_you_mean, list};
use crate::raw::ScenarioFile;
use crate::reach::Reach;

use super::Checker;

/// Names things can refer to: services and request classes, and which classes reach which
/// service.
pub(super) struct Names<'a> {
    pub(super) services: &'a [&'a str],
    pub(super) classes: &'a [&'a str],
    pub(super) reach: &'a Reach<'a>,
    /// The named fields requests carry.
    pub(super) fields: &'a [String],
    /// Topics, in name order.
    pub(super) topics: &'a [&'a str],
    /// The state names fields an `Apply` step reads take.
    pub(super) symbols: &'a super::effects::FieldSymbols,
}

/// Request classes: every class a client names, in name order; `default` for clients naming none.
pub(super) fn class_names(raw: &ScenarioFile) -> Vec<String> {
    let named = raw.clients.values().map(|c| c.class.clone().unwrap_or_else(|| "default".into()));
    let unique: std::collections::BTreeSet<String> = named.collect();
    if unique.is_empty() { vec!["default".into()] } else { unique.into_iter().collect() }
}

/// The index of a named service, or a problem naming the closest one.
pub(super) fn find_service(
    c: &mut Checker,
    at: &[&str],
    name: &str,
    services: &[&str],
) -> Option<usize> {
    find_named(c, at, ("service", "services are"), name, services)
}

/// The index of a client (clients are numbered in name order).
pub(super) fn find_client(
    c: &mut Checker,
    at: &[&str],
    name: &str,
    clients: &[&str],
) -> Option<usize> {
    find_named(c, at, ("client", "clients are"), name, clients)
}

/// The index of a request class (classes are the names clients give in `class`).
pub(super) fn find_class(
    c: &mut Checker,
    at: &[&str],
    name: &str,
    classes: &[&str],
) -> Option<usize> {
    find_named(c, at, ("request class", "classes (from the clients' `class`) are"), name, classes)
}

/// `name`'s index among `known`, or a problem suggesting the closest (or listing them all).
fn find_named(
    c: &mut Checker,
    at: &[&str],
    (what, listed): (&str, &str),
    name: &str,
    known: &[&str],
) -> Option<usize> {
    let index = known.iter().position(|k| *k == name);
    if index.is_none() {
        let help = did_you_mean(name, known.iter().copied())
            .or_else(|| Some(format!("{listed} {}", list(known))));
        c.report(at, format!("unknown {what} `{name}`"), help);
    }
    index
}

#[cfg(test)]
mod tests {
    use super::super::testing::{API, raw, scenario};
    use super::*;

    #[test]
    fn classes_are_the_clients_classes_in_name_order_with_default_for_none() {
        let clients = r#""a": (target: "api", rate: "1/s", class: "low"),
            "b": (target: "api", rate: "1/s", class: "high"),
            "c": (target: "api", rate: "1/s"),
            "d": (target: "api", rate: "1/s", class: "low")"#;
        assert_eq!(class_names(&raw(&scenario(API, clients, ""))), ["default", "high", "low"]);
        assert_eq!(class_names(&raw(&scenario(API, "", ""))), ["default"]);
    }

    #[test]
    fn an_unknown_name_gets_the_closest_known_one_or_the_whole_list() {
        let mut c = Checker::default();
        assert_eq!(find_service(&mut c, &["x"], "apii", &["api", "db"]), None);
        assert_eq!(find_class(&mut c, &["y"], "gold", &["high", "low"]), None);
        assert_eq!(find_service(&mut c, &["z"], "db", &["api", "db"]), Some(1));
        let said: Vec<(&str, &str)> = c
            .problems
            .iter()
            .map(|p| (p.message.as_str(), p.help.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            said,
            [
                ("unknown service `apii`", "did you mean `api`?"),
                (
                    "unknown request class `gold`",
                    "classes (from the clients' `class`) are `high` and `low`"
                ),
            ]
        );
    }
}
