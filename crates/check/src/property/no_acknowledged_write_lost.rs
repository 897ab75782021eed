//! NoAcknowledgedWriteLost: once a write to a register is acknowledged, no read that begins
//! later returns something older: the value before it, or a value whose write had ended before
//! it began. The violation names the lost write, who acknowledged it, and the read that missed
//! it.

use faultline_model::{OpKind, OpStatus, RegisterHistory, RegisterOp};

use super::linearizable::describe_op;
use super::{Property, RunEnd, Violation};

#[derive(Debug, Default)]
pub struct NoAcknowledgedWriteLost;

impl NoAcknowledgedWriteLost {
    pub fn new() -> Self {
        NoAcknowledgedWriteLost
    }
}

impl Property for NoAcknowledgedWriteLost {
    fn name(&self) -> &'static str {
        "NoAcknowledgedWriteLost"
    }

    fn describe(&self) -> String {
        "no read misses an acknowledged write".into()
    }

    fn verdict(&self, end: &RunEnd) -> Option<Violation> {
        let names = |s: u32| end.metrics.services[s as usize].name.clone();
        end.metrics
            .registers
            .iter()
            .filter_map(|h| first_loss(h).map(|(lost, read)| (h, lost, read)))
            .min_by_key(|(_, _, read)| read.completed)
            .map(|(h, lost, read)| Violation {
                at: read.completed.expect("an ok read ended"),
                request: Some(read.request),
                detail: format!(
                    "register `{}` ({} mode), key {}: an acknowledged write was lost; a read that began after it returned an older value\n{}\n{}",
                    h.name,
                    h.mode,
                    read.key,
                    describe_op(h, lost, &names),
                    describe_op(h, read, &names)
                ),
            })
    }
}

/// The first read (by its end) that missed an acknowledged write, and that write.
fn first_loss(h: &RegisterHistory) -> Option<(&RegisterOp, &RegisterOp)> {
    let acked = |op: &&RegisterOp| matches!(op.kind, OpKind::Write(_)) && op.status == OpStatus::Ok;
    let writer_of = |key: u64, value: u64| {
        h.ops.iter().find(|op| op.key == key && op.kind == OpKind::Write(value))
    };
    let reads = h.ops.iter().filter(|op| op.kind == OpKind::Read && op.status == OpStatus::Ok);
    let mut losses = reads.filter_map(|read| {
        // When the value read was written for sure: never (0, the initial value: before
        // anything) or when its write ended.
        let seen_written_by = match read.read {
            0 => None,
            v => Some(writer_of(read.key, v)?.completed?),
        };
        let lost = h.ops.iter().filter(acked).find(|w| {
            w.key == read.key
                && w.completed.is_some_and(|done| done < read.invoked)
                && seen_written_by.is_none_or(|written| written < w.invoked)
        })?;
        Some((lost, read))
    });
    let first = losses.next()?;
    Some(losses.fold(first, |best, next| if next.1.completed < best.1.completed { next } else { best }))
}

#[cfg(test)]
mod tests {
    use faultline_engine::{SimDuration, SimTime};
    use faultline_model::Metrics;

    use crate::property::testing::{op, with_history};
    use super::*;

    fn verdict(m: &Metrics) -> Option<Violation> {
        NoAcknowledgedWriteLost::new().verdict(&RunEnd { metrics: m, in_flight: 0 })
    }

    #[test]
    fn a_read_of_an_older_value_after_an_acknowledged_write_is_a_loss() {
        let m = with_history(vec![
            op(0, 1, OpKind::Write(1), 0, OpStatus::Ok, (0, 10)),
            op(1, 1, OpKind::Write(2), 0, OpStatus::Ok, (20, 30)),
            op(2, 1, OpKind::Read, 1, OpStatus::Ok, (40, 50)),
        ]);
        let v = verdict(&m).expect("lost");
        assert_eq!((v.at, v.request), (SimTime::ZERO + SimDuration::from_millis(50), Some(2)));
        assert!(v.detail.contains("request 1 from `east`: write 2"), "{}", v.detail);
    }

    #[test]
    fn reading_nothing_after_an_acknowledged_write_is_a_loss() {
        let m = with_history(vec![
            op(0, 3, OpKind::Write(1), 0, OpStatus::Ok, (0, 10)),
            op(1, 3, OpKind::Read, 0, OpStatus::Ok, (40, 50)),
        ]);
        assert!(verdict(&m).is_some());
    }

    /// Overlapping writes may land in either order, and a write that was not acknowledged may
    /// be missed: neither is a loss.
    #[test]
    fn concurrent_or_unacknowledged_writes_are_not_losses() {
        let m = with_history(vec![
            op(0, 1, OpKind::Write(1), 0, OpStatus::Ok, (0, 30)),
            op(1, 1, OpKind::Write(2), 0, OpStatus::Ok, (10, 20)),
            op(2, 1, OpKind::Read, 1, OpStatus::Ok, (40, 50)),
            op(3, 2, OpKind::Write(4), 0, OpStatus::Unknown, (0, 10)),
            op(4, 2, OpKind::Read, 0, OpStatus::Ok, (40, 50)),
        ]);
        assert_eq!(verdict(&m), None);
    }
}
