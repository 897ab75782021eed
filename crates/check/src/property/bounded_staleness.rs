//! BoundedStaleness(max): no read of a replicated database is served by a copy more than `max`
//! behind (its oldest unapplied write made more than `max` before). Counts the reads that were
//! and reports the first: the session, the copy and its lag.

use faultline_engine::{SimDuration, SimTime};
use faultline_model::{Observation, ObservationKind, ObservationKinds};

use super::session_reads::{BadReads, secs};
use super::{Property, RunEnd, Violation};

/// Every read comes from a copy at most `max` behind.
#[derive(Debug)]
pub struct BoundedStaleness {
    max: SimDuration,
    reads: BadReads,
}

impl BoundedStaleness {
    pub fn new(max: SimDuration) -> Self {
        BoundedStaleness { max, reads: BadReads::default() }
    }
}

impl Property for BoundedStaleness {
    fn name(&self) -> &'static str {
        "BoundedStaleness"
    }

    fn describe(&self) -> String {
        format!("every read comes from a copy at most {} behind", self.max)
    }

    fn wants() -> ObservationKinds {
        ObservationKinds::of(&[ObservationKind::DataRead])
    }

    #[inline]
    fn observe(&mut self, now: SimTime, what: &Observation) {
        let max = self.max;
        self.reads.observe(now, what, |read| read.lag > max);
    }

    fn verdict(&self, end: &RunEnd) -> Option<Violation> {
        let broke = format!("came from a copy more than {} behind", secs(self.max));
        let max = self.max;
        self.reads.violation(end, &broke, |read, _| {
            format!(
                "the oldest write its copy had not applied was {} old, {} over the bound",
                secs(read.lag),
                secs(SimDuration::from_nanos(read.lag.as_nanos().saturating_sub(max.as_nanos())))
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::property::read_your_writes::tests::read;
    use crate::property::testing::{metrics, show, t, verdict};

    #[test]
    fn holds_while_copies_stay_within_the_bound() {
        let mut property = BoundedStaleness::new(SimDuration::from_secs(2));
        show(&mut property, t(1_200), read(1_200, 40, 0, 0)); // 1.5 s behind
        assert_eq!(verdict(&property, &metrics()), None);
        assert_eq!(property.describe(), "every read comes from a copy at most 2s behind");
    }

    #[test]
    fn a_read_from_a_copy_further_behind_is_reported_with_its_lag() {
        let mut property = BoundedStaleness::new(SimDuration::from_secs(1));
        show(&mut property, t(1_200), read(1_200, 40, 0, 0));
        let v = verdict(&property, &metrics()).expect("violated");
        assert_eq!(v.at, t(1_200));
        assert_eq!(
            v.detail,
            "session 7 read key 7 at s at 1.200s, which reflected log position 40: the oldest \
             write its copy had not applied was 1.500s old, 0.500s over the bound; s was 1.500s \
             behind then. 1 of 1 reads came from a copy more than 1.000s behind"
        );
    }
}
