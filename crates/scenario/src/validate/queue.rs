//! A service's queue discipline (FIFO, strict priority with ageing, weighted fair), its class
//! names resolved to class indices; never accepts a priority order that would leave a class
//! that reaches the service waiting forever.

use std::collections::BTreeMap;

use faultline_engine::SimDuration;
use faultline_model::Discipline;

use crate::error::list;
use crate::raw::QueueRaw;

use super::names::{Names, find_class};
use super::{Checker, optional};

/// The queue discipline, with class names resolved to class indices.
pub(super) fn check_queue(
    c: &mut Checker,
    service: &str,
    raw: Option<&QueueRaw>,
    names: &Names,
) -> Option<(Discipline, Option<SimDuration>)> {
    match raw {
        None | Some(QueueRaw::Fifo) => Some((Discipline::Fifo, None)),
        Some(QueueRaw::Priority { order, ageing }) => {
            check_priority(c, service, order, ageing.as_deref(), names)
        }
        Some(QueueRaw::WeightedFair { weights }) => {
            let weights = check_weights(c, service, weights, names.classes)?;
            Some((Discipline::Weighted { weights }, None))
        }
    }
}

/// The index of class `name`, which requests carry as a `u8`; unknown names are reported at
/// the service's `queue`.
fn class_index(c: &mut Checker, service: &str, name: &str, classes: &[&str]) -> Option<u8> {
    find_class(c, &["services", service, "queue"], name, classes).and_then(|i| u8::try_from(i).ok())
}

/// `Priority(order: [...], ageing: ...)`: strict priority, most important class first.
fn check_priority(
    c: &mut Checker,
    service: &str,
    order: &[String],
    ageing: Option<&str>,
    names: &Names,
) -> Option<(Discipline, Option<SimDuration>)> {
    let complete = check_priority_order(c, service, order, names);
    let order: Vec<Option<u8>> =
        order.iter().map(|n| class_index(c, service, n, names.classes)).collect();
    let ageing =
        optional(ageing, |t| c.positive_duration(&["services", service, "queue", "ageing"], t));
    let order = order.into_iter().collect::<Option<_>>().filter(|_| complete)?;
    Some((Discipline::Strict { order }, ageing?))
}

/// `WeightedFair(weights: {...})`: one weight per class, 1 for classes left out.
fn check_weights(
    c: &mut Checker,
    service: &str,
    weights: &BTreeMap<String, i64>,
    classes: &[&str],
) -> Option<Vec<u32>> {
    let mut per_class = vec![1u32; classes.len()];
    for (name, weight) in weights {
        let index = class_index(c, service, name, classes);
        let at = ["services", service, "queue", "weights", name.as_str()];
        let weight = c.count(&at, *weight, 1, 1_000_000);
        per_class[index? as usize] = weight?;
    }
    Some(per_class)
}

/// A strict priority order must name each class that reaches the service exactly once: a
/// class left out could never be taken from the queue, so its requests would wait forever
/// while workers sit idle. Returns whether the order is complete and has no repeats.
fn check_priority_order(c: &mut Checker, service: &str, order: &[String], names: &Names) -> bool {
    let at = ["services", service, "queue", "order"];
    let unique = check_no_repeats(c, &at, order);
    let reaching = names.reach.get(service).into_iter().flatten();
    let missing: Vec<(&str, &str)> = reaching
        .filter(|(class, _)| !order.contains(&class.to_string()))
        .map(|(k, v)| (*k, *v))
        .collect();
    let Some(&(class, client)) = missing.first() else { return unique };
    let left_out: Vec<&str> = missing.iter().map(|(class, _)| *class).collect();
    let full: Vec<&str> =
        order.iter().map(String::as_str).chain(left_out.iter().copied()).collect();
    c.report(
        &at,
        format!(
            "the priority order of service `{service}` leaves out {}; requests of class \
             `{class}` (from client `{client}`) could never leave its queue",
            list(&left_out)
        ),
        Some(format!("name every class that reaches `{service}`: `order: {full:?}`")),
    );
    false
}

/// Reports each name that repeats an earlier one; true when there is none.
fn check_no_repeats(c: &mut Checker, at: &[&str], order: &[String]) -> bool {
    let mut unique = true;
    for (i, class) in order.iter().enumerate().filter(|(i, class)| order[..*i].contains(class)) {
        let index = i.to_string();
        let message = format!("class `{class}` is named twice in the priority order");
        c.report(&[at, &[index.as_str()]].concat(), message, None);
        unique = false;
    }
    unique
}

#[cfg(test)]
mod tests {
    use faultline_engine::SimDuration;
    use faultline_model::Discipline;

    use super::super::testing::{first_help, refused, scenario, valid};

    /// Clients `web` (class `low`) and `vip` (class `high`), so the classes are `high` (0) and
    /// `low` (1).
    const TWO_CLASSES: &str = r#""web": (target: "api", rate: "10/s", class: "low"),
        "vip": (target: "api", rate: "1/s", class: "high")"#;

    /// Service `api` with this queue, and the two classes reaching it.
    fn with_queue(queue: &str) -> String {
        let api = format!("\"api\": (workers: 2, service_time: Const(\"10ms\"), queue: {queue})");
        scenario(&api, TWO_CLASSES, "")
    }

    #[test]
    fn a_priority_order_becomes_class_indices_most_important_first() {
        let s = valid(&with_queue(r#"Priority(order: ["low", "high"], ageing: "1s")"#));
        let api = &s.world.services[0];
        assert_eq!(api.discipline, Discipline::Strict { order: vec![1, 0] });
        assert_eq!(api.ageing, Some(SimDuration::from_secs(1)));
    }

    #[test]
    fn a_priority_order_leaving_out_a_class_that_reaches_the_service_is_refused() {
        let text = with_queue(r#"Priority(order: ["high"])"#);
        assert_eq!(
            refused(&text),
            ["services.api.queue.order: the priority order of service `api` leaves out `low`; \
                 requests of class `low` (from client `web`) could never leave its queue"]
        );
        let help = "name every class that reaches `api`: `order: [\"high\", \"low\"]`";
        assert_eq!(first_help(&text).as_deref(), Some(help));
    }

    #[test]
    fn a_class_named_twice_is_refused_at_its_second_place() {
        assert_eq!(
            refused(&with_queue(r#"Priority(order: ["high", "low", "high"], ageing: "0s")"#)),
            [
                "services.api.queue.order.2: class `high` is named twice in the priority order",
                "services.api.queue.ageing: `services.api.queue.ageing` must be longer than zero",
            ]
        );
    }

    #[test]
    fn an_unknown_class_in_a_queue_is_refused_at_the_queue() {
        assert_eq!(
            refused(&with_queue(r#"Priority(order: ["high", "low", "gold"])"#)),
            ["services.api.queue: unknown request class `gold`"]
        );
        assert_eq!(
            refused(&with_queue(r#"WeightedFair(weights: {"hihg": 2})"#)),
            ["services.api.queue: unknown request class `hihg`"]
        );
    }

    #[test]
    fn weights_default_to_one_and_must_be_at_least_one() {
        let s = valid(&with_queue(r#"WeightedFair(weights: {"high": 5})"#));
        assert_eq!(s.world.services[0].discipline, Discipline::Weighted { weights: vec![5, 1] });
        assert_eq!(s.world.services[0].ageing, None);
        assert_eq!(
            refused(&with_queue(r#"WeightedFair(weights: {"high": 0})"#)),
            ["services.api.queue.weights.high: `services.api.queue.weights.high` is 0; it must \
                 be between 1 and 1000000"]
        );
    }
}
