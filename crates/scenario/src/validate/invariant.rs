//! Invariants: each one's bounds, percentiles and the service or class it watches, and the
//! fault or spike it needs to measure from; never accepts an invariant that could not be
//! checked within the run (nothing to recover from, a check starting after the end).

use faultline_check::Invariant;
use faultline_engine::{SimDuration, SimTime};

use crate::raw::{InvariantRaw, ScenarioFile};

use super::Checker;
use super::fault::Triggers;
use super::names::{Names, find_class, find_service};

pub(super) fn check_invariants(
    c: &mut Checker,
    raw: &ScenarioFile,
    names: &Names,
    duration: Option<SimDuration>,
    triggers: Triggers,
) -> Option<Vec<Invariant>> {
    let checked: Vec<Option<Invariant>> = raw
        .invariants
        .iter()
        .enumerate()
        .map(|(i, inv)| check_invariant(c, &i.to_string(), inv, names, duration, triggers))
        .collect();
    checked.into_iter().collect()
}

/// The invariant at `invariants.INDEX`.
fn check_invariant(
    c: &mut Checker,
    index: &str,
    raw: &InvariantRaw,
    names: &Names,
    duration: Option<SimDuration>,
    triggers: Triggers,
) -> Option<Invariant> {
    let at = |f: &'static str| ["invariants", index, f];
    let services = names.services;
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
        InvariantRaw::GoodputRecovers { share, within } => {
            goodput_recovers(c, index, *share, within, duration, triggers)
        }
        InvariantRaw::BreakerOpensWithin { within } => {
            breaker_opens_within(c, index, within, triggers)
        }
    }
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
