//! Faults (`Slowdown`, `Fail`, `Down` of a service over a stretch of the run), and the
//! triggers (faults and load spikes) that invariants measure reactions from; never accepts a
//! fault on an unknown service or one that lasts no time.

use faultline_engine::SimTime;
use faultline_model::{ClientConfig, Fault, FaultKind, LoadShape};

use crate::raw::{FaultRaw, ScenarioFile};

use super::Checker;
use super::names::find_service;

pub(super) fn check_faults(
    c: &mut Checker,
    raw: &ScenarioFile,
    names: &[&str],
) -> Option<Vec<Fault>> {
    let checked: Vec<Option<Fault>> = raw
        .faults
        .iter()
        .enumerate()
        .map(|(i, f)| check_fault(c, &i.to_string(), f, names))
        .collect();
    checked.into_iter().collect()
}

fn check_fault(c: &mut Checker, index: &str, raw: &FaultRaw, names: &[&str]) -> Option<Fault> {
    let at = |f: &'static str| ["faults", index, f];
    let (service, at_text, length, kind) = match raw {
        FaultRaw::Slowdown { service, factor, at, length } => {
            if !(factor.is_finite() && *factor > 0.0) {
                c.report(
                    &["faults", index, "factor"],
                    format!("slowdown factor is {factor}; it must be above zero"),
                    None,
                );
            }
            (service, at, length, FaultKind::Slowdown { factor: *factor })
        }
        FaultRaw::Fail { service, share, at, length } => {
            if !(0.0..=1.0).contains(share) {
                c.report(
                    &["faults", index, "share"],
                    format!("share is {share}; it must be between 0.0 and 1.0"),
                    None,
                );
            }
            (service, at, length, FaultKind::Fail { share: *share })
        }
        FaultRaw::Down { service, at, length } => (service, at, length, FaultKind::Down),
    };
    let index_of = find_service(c, &at("service"), service, names);
    let start = c.duration(&at("at"), at_text);
    let length = c.positive_duration(&at("length"), length);
    let start = SimTime::ZERO + start?;
    Some(Fault { service: index_of?, kind, start, end: start + length? })
}

/// When trouble starts and ends, for invariants about reacting and recovering.
#[derive(Clone, Copy, Debug)]
pub(super) struct Triggers {
    /// The start of the first fault: what `BreakerOpensWithin` measures from.
    pub(super) first_fault: Option<SimTime>,
    /// The end of the last fault or load spike: what `GoodputRecovers` measures from.
    pub(super) last_end: Option<SimTime>,
    /// The end of the last fault.
    pub(super) last_fault_end: Option<SimTime>,
}

impl Triggers {
    pub(super) fn of(clients: Option<&[ClientConfig]>, faults: Option<&[Fault]>) -> Self {
        let faults = faults.unwrap_or(&[]);
        let spikes = clients.unwrap_or(&[]).iter().filter_map(|c| match c.shape {
            LoadShape::Spike { until, .. } => Some(until),
            _ => None,
        });
        Triggers {
            first_fault: faults.iter().map(|f| f.start).min(),
            last_end: spikes.chain(faults.iter().map(|f| f.end)).max(),
            last_fault_end: faults.iter().map(|f| f.end).max(),
        }
    }
}
