//! Which messages the network faults active at an instant drop or degrade.

use faultline_engine::SimTime;

use super::{NetFault, NetFaultKind};

/// True when an active partition or one-way cut separates `from` and `to` at `now`.
pub(super) fn cut(faults: &[NetFault], now: SimTime, from: u32, to: u32) -> bool {
    active(faults, now).any(|kind| match kind {
        NetFaultKind::Partition { groups } => across(groups, from, to),
        NetFaultKind::OneWay { from: a, to: b } => a.contains(from) && b.contains(to),
        NetFaultKind::Degrade { .. } => false,
    })
}

/// The latency factor and extra loss of the degradations active on `from → to` at `now`
/// (factors multiply, extra losses combine as independent chances).
pub(super) fn degradation(faults: &[NetFault], now: SimTime, from: u32, to: u32) -> (f64, f64) {
    let mut factor = 1.0;
    let mut delivered = 1.0;
    for kind in active(faults, now) {
        if let NetFaultKind::Degrade { from: a, to: b, latency_factor, extra_loss } = kind
            && a.contains(from)
            && b.contains(to)
        {
            factor *= latency_factor;
            delivered *= 1.0 - extra_loss;
        }
    }
    (factor, 1.0 - delivered)
}

fn active(faults: &[NetFault], now: SimTime) -> impl Iterator<Item = &NetFaultKind> {
    faults.iter().filter(move |f| f.start <= now && now < f.end).map(|f| &f.kind)
}

/// True when `from` and `to` are in different groups (a node in no group is cut from no one).
fn across(groups: &[Vec<u32>], from: u32, to: u32) -> bool {
    let group_of = |node| groups.iter().position(|g| g.binary_search(&node).is_ok());
    match (group_of(from), group_of(to)) {
        (Some(a), Some(b)) => a != b,
        _ => false,
    }
}
