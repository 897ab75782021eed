//! Invariants: each one's bounds, percentiles and the service or class it watches, and the
//! fault or spike it needs to measure from; never accepts an invariant that could not be
//! checked within the run (nothing to recover from, a check starting after the end).

use faultline_check::Invariant;
use faultline_engine::{SimDuration, SimTime};

use crate::raw::{InvariantRaw, ScenarioFile};

use super::Checker;
use super::effects;
use super::fault::Triggers;
use super::names::{Names, find_class, find_service};
use super::network::probability;
use super::scheduled_days::{Calendar, scheduled_once_per_local_day};
use super::token::any_checks;

pub(super) fn check_invariants(
    c: &mut Checker,
    raw: &ScenarioFile,
    names: &Names,
    calendar: Calendar,
    triggers: Triggers,
) -> Option<Vec<Invariant>> {
    let context = Context { calendar, triggers, token_checks: any_checks(raw), raw };
    let checked: Vec<Option<Invariant>> = raw
        .invariants
        .iter()
        .enumerate()
        .map(|(i, inv)| check_invariant(c, &i.to_string(), inv, names, context))
        .collect();
    checked.into_iter().collect()
}

/// What checking an invariant may need of the rest of the scenario.
#[derive(Clone, Copy)]
struct Context<'a> {
    /// The run's start, length and customers, when valid.
    calendar: Calendar<'a>,
    triggers: Triggers,
    /// Some handler has a `CheckToken` step.
    token_checks: bool,
    raw: &'a ScenarioFile,
}

/// The invariant at `invariants.INDEX`.
fn check_invariant(
    c: &mut Checker,
    index: &str,
    raw: &InvariantRaw,
    names: &Names,
    Context { calendar, triggers, token_checks, raw: file }: Context<'_>,
) -> Option<Invariant> {
    let at = |f: &'static str| ["invariants", index, f];
    let services = names.services;
    let duration = calendar.duration;
    match raw {
        InvariantRaw::NoSecondOutage => no_second_outage(c, index, triggers),
        InvariantRaw::Progress { stuck } => {
            let stuck = c.positive_duration(&at("stuck"), stuck);
            Some(Invariant::Progress { stuck: stuck? })
        }
        InvariantRaw::ClassMaxWait { class, bound } => {
            let index = find_class(c, &at("class"), class, names.classes);
            let bound = c.positive_duration(&at("bound"), bound);
            Some(Invariant::ClassMaxWait {
                class: u8::try_from(index?).ok()?,
                class_name: class.clone(),
                bound: bound?,
            })
        }
        InvariantRaw::LatencySlo { percentile, bound, after } => {
            latency_slo(c, index, *percentile, bound, after.as_deref(), duration)
        }
        InvariantRaw::QueueBounded { service, max } => {
            let index = find_service(c, &at("service"), service, services);
            let max = c.count(&at("max"), *max, 0, i64::from(u32::MAX));
            Some(Invariant::QueueBounded {
                service: index?,
                service_name: service.clone(),
                max: max?,
            })
        }
        InvariantRaw::NoLostRequests => Some(Invariant::NoLostRequests),
        InvariantRaw::ExactlyOnceEffects => {
            effects::check_invariant(c, &["invariants", index], "ExactlyOnceEffects", file)
        }
        InvariantRaw::ValidTransitions => {
            effects::check_invariant(c, &["invariants", index], "ValidTransitions", file)
        }
        InvariantRaw::FinalStateMatchesLastEvent => {
            effects::check_invariant(c, &["invariants", index], "FinalStateMatchesLastEvent", file)
        }
        InvariantRaw::NoValidTokenRejected => token_invariant(
            c,
            index,
            token_checks,
            "NoValidTokenRejected",
            Invariant::NoValidTokenRejected,
        ),
        InvariantRaw::NoExpiredTokenAccepted => token_invariant(
            c,
            index,
            token_checks,
            "NoExpiredTokenAccepted",
            Invariant::NoExpiredTokenAccepted,
        ),
        InvariantRaw::ServiceSlo { service, percentile, bound } => {
            let index = find_service(c, &at("service"), service, services);
            check_percentile(c, &at("percentile"), *percentile);
            let bound = c.positive_duration(&at("bound"), bound);
            Some(Invariant::ServiceSlo {
                service: index?,
                service_name: service.clone(),
                percentile: *percentile,
                bound: bound?,
            })
        }
        InvariantRaw::RetryAmplification { max } => retry_amplification(c, index, *max),
        InvariantRaw::Linearizable => Some(Invariant::Linearizable),
        InvariantRaw::ReadYourWrites => watches_a_database(c, index, file, "ReadYourWrites")
            .then_some(Invariant::ReadYourWrites),
        InvariantRaw::MonotonicReads => watches_a_database(c, index, file, "MonotonicReads")
            .then_some(Invariant::MonotonicReads),
        InvariantRaw::BoundedStaleness { max } => {
            let max = c.positive_duration(&at("max"), max);
            let watches = watches_a_database(c, index, file, "BoundedStaleness");
            max.filter(|_| watches).map(|max| Invariant::BoundedStaleness { max })
        }
        InvariantRaw::NoAcknowledgedWriteLost => Some(Invariant::NoAcknowledgedWriteLost),
        InvariantRaw::SuccessRate { min } => {
            let min = probability(c, &at("min"), *min)?;
            Some(Invariant::SuccessRate { min })
        }
        InvariantRaw::GoodputRecovers { share, within } => {
            goodput_recovers(c, index, *share, within, duration, triggers)
        }
        InvariantRaw::BreakerOpensWithin { within } => {
            breaker_opens_within(c, index, within, triggers)
        }
        InvariantRaw::ScheduledOncePerLocalDay { client, at } => {
            scheduled_once_per_local_day(c, index, client, at, calendar)
        }
        InvariantRaw::NoLostMessages => {
            watches_a_topic(c, index, file, "NoLostMessages").then_some(Invariant::NoLostMessages)
        }
        InvariantRaw::NoSilentFailures { within } => {
            let within = c.positive_duration(&at("within"), within);
            let watches = watches_a_topic(c, index, file, "NoSilentFailures");
            within.filter(|_| watches).map(|within| Invariant::NoSilentFailures { within })
        }
    }
}

/// A messaging invariant watches topics: the scenario must have one (a vacuous pass would say
/// nothing).
fn watches_a_topic(c: &mut Checker, index: &str, file: &ScenarioFile, name: &str) -> bool {
    if file.topics.is_empty() {
        c.report(
            &["invariants", index],
            format!("{name} needs a topic to watch, and the scenario has none"),
            Some("add `topics: { \"orders\": (on: \"broker\") }` and a service with `consumer: (topic: \"orders\")`".into()),
        );
    }
    !file.topics.is_empty()
}

/// A session invariant watches a database's reads: some service must hold one.
fn watches_a_database(c: &mut Checker, index: &str, file: &ScenarioFile, name: &str) -> bool {
    let holds = file.services.values().any(|s| {
        s.steps.iter().flatten().any(|step| matches!(step, crate::raw::StepRaw::Database { .. }))
    });
    if !holds {
        c.report(
            &["invariants", index],
            format!("{name} needs a `Database` step to watch, and the scenario has none"),
            Some("give the database service `instances: 3` and `steps: [Database(apply: Exp(mean: \"1s\"), read: Any)]`".into()),
        );
    }
    holds
}

/// A token invariant: it watches `CheckToken` steps, so there must be one.
fn token_invariant(
    c: &mut Checker,
    index: &str,
    token_checks: bool,
    name: &str,
    invariant: Invariant,
) -> Option<Invariant> {
    if !token_checks {
        c.report(
            &["invariants", index],
            format!("{name} needs a `CheckToken` step to watch"),
            Some(
                "add `CheckToken(leeway: \"1s\")` to the steps of the services that check tokens"
                    .into(),
            ),
        );
        return None;
    }
    Some(invariant)
}

/// `NoSecondOutage`: measured from the end of the last fault, so there must be one.
fn no_second_outage(c: &mut Checker, index: &str, triggers: Triggers) -> Option<Invariant> {
    let Some(fault_end) = triggers.last_fault_end else {
        c.report(
            &["invariants", index],
            "NoSecondOutage needs a fault to recover from",
            Some(
                "add a `faults` entry, e.g. `Down(service: ..., at: \"30s\", length: \"30s\")`"
                    .into(),
            ),
        );
        return None;
    };
    Some(Invariant::NoSecondOutage { fault_end })
}

/// `LatencySlo(percentile: ..., bound: ..., after: ...)`: `after` before the end of the run.
fn latency_slo(
    c: &mut Checker,
    index: &str,
    percentile: f64,
    bound: &str,
    after: Option<&str>,
    duration: Option<SimDuration>,
) -> Option<Invariant> {
    let at = |f: &'static str| ["invariants", index, f];
    check_percentile(c, &at("percentile"), percentile);
    let bound = c.positive_duration(&at("bound"), bound);
    let after = match after {
        Some(text) => c.duration(&at("after"), text),
        None => Some(SimDuration::ZERO),
    };
    if let (Some(a), Some(d)) = (after, duration)
        && a >= d
    {
        c.report(
            &at("after"),
            format!("`after` ({a}) is not before the end of the run ({d})"),
            None,
        );
    }
    Some(Invariant::LatencySlo { percentile, bound: bound?, after: SimTime::ZERO + after? })
}

/// `RetryAmplification(max: ...)`: at least 1, the attempts every request makes.
fn retry_amplification(c: &mut Checker, index: &str, max: f64) -> Option<Invariant> {
    if !(max.is_finite() && max >= 1.0) {
        c.report(
            &["invariants", index, "max"],
            format!("max is {max}; attempts per request are at least 1"),
            None,
        );
        return None;
    }
    Some(Invariant::RetryAmplification { max })
}

/// `GoodputRecovers(share: ..., within: ...)`: measured from the end of the last fault or
/// spike, and checked before the run ends.
fn goodput_recovers(
    c: &mut Checker,
    index: &str,
    share: f64,
    within: &str,
    duration: Option<SimDuration>,
    triggers: Triggers,
) -> Option<Invariant> {
    let at = |f: &'static str| ["invariants", index, f];
    if !(share > 0.0 && share <= 1.0) {
        c.report(
            &at("share"),
            format!("share is {share}; it must be above 0.0 and at most 1.0"),
            None,
        );
    }
    let within = c.duration(&at("within"), within);
    let Some(trigger_end) = triggers.last_end else {
        c.report(
            &["invariants", index],
            "GoodputRecovers needs a trigger to recover from",
            Some("add a `faults` entry or a client `shape: Spike(...)`".into()),
        );
        return None;
    };
    if let (Some(w), Some(d)) = (within, duration)
        && trigger_end + w >= SimTime::ZERO + d
    {
        c.report(
            &at("within"),
            format!("recovery is checked from {} on, after the run ends", trigger_end + w),
            Some("lengthen `duration` or shorten `within`".into()),
        );
    }
    Some(Invariant::GoodputRecovers { share, within: within?, trigger_end })
}

/// `BreakerOpensWithin(within: ...)`: measured from the start of the first fault.
fn breaker_opens_within(
    c: &mut Checker,
    index: &str,
    within: &str,
    triggers: Triggers,
) -> Option<Invariant> {
    let within = c.positive_duration(&["invariants", index, "within"], within);
    let Some(degraded_at) = triggers.first_fault else {
        c.report(&["invariants", index], "BreakerOpensWithin needs a fault to react to", Some("add a `faults` entry, e.g. `Slowdown(service: ..., factor: 20.0, at: \"30s\", length: \"60s\")`".into()));
        return None;
    };
    Some(Invariant::BreakerOpensWithin { within: within?, degraded_at })
}

fn check_percentile(c: &mut Checker, at: &[&str], percentile: f64) {
    if !(percentile > 0.0 && percentile < 100.0) {
        c.report(
            at,
            format!("percentile is {percentile}; it must be above 0 and below 100"),
            Some("p99 is written `percentile: 99.0`".into()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{API, WEB, first_help, instant_s, refused, scenario, valid};
    use super::*;

    /// The `api`/`web` scenario of 60 s with `invariants: [INVARIANTS]` and more fields.
    fn with_invariants(invariants: &str, rest: &str) -> String {
        scenario(API, WEB, &format!("invariants: [{invariants}], {rest}"))
    }

    #[test]
    fn invariants_without_triggers_become_their_checks() {
        let invariants = r#"LatencySlo(percentile: 99.0, bound: "100ms", after: "10s"),
            QueueBounded(service: "api", max: 50),
            NoLostRequests,
            ServiceSlo(service: "api", percentile: 50.0, bound: "20ms"),
            RetryAmplification(max: 1.5),
            ClassMaxWait(class: "default", bound: "1s"),
            Progress(stuck: "5s")"#;
        let ms = SimDuration::from_millis;
        let expected = [
            Invariant::LatencySlo { percentile: 99.0, bound: ms(100), after: instant_s(10) },
            Invariant::QueueBounded { service: 0, service_name: "api".into(), max: 50 },
            Invariant::NoLostRequests,
            Invariant::ServiceSlo {
                service: 0,
                service_name: "api".into(),
                percentile: 50.0,
                bound: ms(20),
            },
            Invariant::RetryAmplification { max: 1.5 },
            Invariant::ClassMaxWait { class: 0, class_name: "default".into(), bound: ms(1000) },
            Invariant::Progress { stuck: SimDuration::from_secs(5) },
        ];
        assert_eq!(valid(&with_invariants(invariants, "")).invariants, expected);
    }

    #[test]
    fn a_percentile_is_above_0_and_below_100() {
        let text = with_invariants(r#"LatencySlo(percentile: 100.0, bound: "1s")"#, "");
        assert_eq!(
            refused(&text),
            ["invariants.0.percentile: percentile is 100; it must be above 0 and below 100"]
        );
        assert_eq!(first_help(&text).as_deref(), Some("p99 is written `percentile: 99.0`"));
        let text =
            with_invariants(r#"ServiceSlo(service: "api", percentile: 0.0, bound: "0s")"#, "");
        assert_eq!(
            refused(&text),
            [
                "invariants.0.percentile: percentile is 0; it must be above 0 and below 100",
                "invariants.0.bound: `invariants.0.bound` must be longer than zero",
            ]
        );
    }

    #[test]
    fn a_latency_slo_must_start_before_the_run_ends() {
        let text =
            with_invariants(r#"LatencySlo(percentile: 50.0, bound: "1s", after: "60s")"#, "");
        assert_eq!(
            refused(&text),
            ["invariants.0.after: `after` (60s) is not before the end of the run (60s)"]
        );
    }

    #[test]
    fn an_unknown_service_or_class_and_a_bad_bound_are_refused_at_their_fields() {
        let invariants = r#"QueueBounded(service: "db", max: -1), ClassMaxWait(class: "gold", bound: "1s"),
            RetryAmplification(max: 0.5)"#;
        let text = with_invariants(invariants, "");
        assert_eq!(
            refused(&text),
            [
                "invariants.0.service: unknown service `db`",
                "invariants.0.max: `invariants.0.max` is -1; it must be between 0 and 4294967295",
                "invariants.1.class: unknown request class `gold`",
                "invariants.2.max: max is 0.5; attempts per request are at least 1",
            ]
        );
        assert_eq!(first_help(&text).as_deref(), Some("services are `api`"));
    }

    #[test]
    fn invariants_about_recovering_need_a_fault_or_spike() {
        let invariants = r#"NoSecondOutage, BreakerOpensWithin(within: "1s"),
            GoodputRecovers(share: 0.9, within: "5s")"#;
        let text = with_invariants(invariants, "");
        assert_eq!(
            refused(&text),
            [
                "invariants.0: NoSecondOutage needs a fault to recover from",
                "invariants.1: BreakerOpensWithin needs a fault to react to",
                "invariants.2: GoodputRecovers needs a trigger to recover from",
            ]
        );
        assert!(first_help(&text).is_some_and(|h| h.contains("add a `faults` entry")));
    }

    /// An invariant with nothing to watch would hold without saying anything: refused.
    #[test]
    fn messaging_and_session_invariants_need_a_topic_or_a_database() {
        let invariants = r#"NoLostMessages, NoSilentFailures(within: "1m"), ReadYourWrites,
            MonotonicReads, BoundedStaleness(max: "1s")"#;
        let text = with_invariants(invariants, "");
        let said = refused(&text);
        assert_eq!(
            said,
            [
                "invariants.0: NoLostMessages needs a topic to watch, and the scenario has none",
                "invariants.1: NoSilentFailures needs a topic to watch, and the scenario has none",
                "invariants.2: ReadYourWrites needs a `Database` step to watch, and the scenario has none",
                "invariants.3: MonotonicReads needs a `Database` step to watch, and the scenario has none",
                "invariants.4: BoundedStaleness needs a `Database` step to watch, and the scenario has none",
            ]
        );
        assert!(first_help(&text).is_some_and(|h| h.contains("topics:")));
    }

    #[test]
    fn invariants_about_recovering_measure_from_the_faults_and_spikes() {
        let invariants = r#"NoSecondOutage, BreakerOpensWithin(within: "1s"),
            GoodputRecovers(share: 0.9, within: "5s")"#;
        let faults = r#"faults: [Down(service: "api", at: "20s", length: "5s"),
            Down(service: "api", at: "10s", length: "5s")]"#;
        let client = r#""web": (target: "api", rate: "1/s",
            shape: Spike(at: "30s", length: "10s", factor: 2.0))"#;
        let text = scenario(API, client, &format!("invariants: [{invariants}], {faults}"));
        let expected = [
            Invariant::NoSecondOutage { fault_end: instant_s(25) },
            Invariant::BreakerOpensWithin {
                within: SimDuration::from_secs(1),
                degraded_at: instant_s(10),
            },
            Invariant::GoodputRecovers {
                share: 0.9,
                within: SimDuration::from_secs(5),
                trigger_end: instant_s(40),
            },
        ];
        assert_eq!(valid(&text).invariants, expected);
    }

    #[test]
    fn goodput_must_recover_to_a_share_up_to_one_before_the_run_ends() {
        let fault = r#"faults: [Down(service: "api", at: "45s", length: "5s")]"#;
        let text = with_invariants(r#"GoodputRecovers(share: 0.0, within: "10s")"#, fault);
        assert_eq!(
            refused(&text),
            [
                "invariants.0.share: share is 0; it must be above 0.0 and at most 1.0",
                "invariants.0.within: recovery is checked from 60s on, after the run ends",
            ]
        );
        valid(&with_invariants(r#"GoodputRecovers(share: 1.0, within: "9s")"#, fault));
    }
}
