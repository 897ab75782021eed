//! MonotonicReads: a session's reads of a replicated database never go back in time (no read
//! reflects an earlier log position than a read of the same session before it). Counts the
//! reads that did and reports the first: the session, the position it had already seen, the
//! copy that served the older one and that copy's lag.

use faultline_engine::SimTime;
use faultline_model::{Observation, ObservationKind, ObservationKinds};

use super::session_reads::{BadReads, Read};
use super::{Property, RunEnd, Violation};

/// Each session's reads move only forward.
#[derive(Debug, Default)]
pub struct MonotonicReads {
    reads: BadReads,
}

impl MonotonicReads {
    pub fn new() -> Self {
        MonotonicReads::default()
    }
}

/// A read older than one its session already made.
fn goes_back(read: &Read) -> bool {
    read.position < read.last_read
}

impl Property for MonotonicReads {
    fn name(&self) -> &'static str {
        "MonotonicReads"
    }

    fn describe(&self) -> String {
        "no session reads older data than it already read".into()
    }

    fn wants() -> ObservationKinds {
        ObservationKinds::of(&[ObservationKind::DataRead])
    }

    #[inline]
    fn observe(&mut self, now: SimTime, what: &Observation) {
        self.reads.observe(now, what, goes_back);
    }

    fn verdict(&self, end: &RunEnd) -> Option<Violation> {
        self.reads.violation(end, "went back in time", |read, _| {
            format!(
                "an earlier read of the session had reflected position {last}, {back} writes \
                 later",
                last = read.last_read,
                back = read.last_read - read.position,
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
    fn holds_while_reads_move_forward_or_stay() {
        let mut property = MonotonicReads::new();
        show(&mut property, t(1_200), read(1_200, 40, 0, 0));
        show(&mut property, t(1_300), read(1_300, 40, 0, 40));
        show(&mut property, t(1_400), read(1_400, 45, 0, 40));
        assert_eq!(verdict(&property, &metrics()), None);
    }

    #[test]
    fn the_first_read_going_back_is_reported_with_the_position_already_seen() {
        let mut property = MonotonicReads::new();
        show(&mut property, t(1_200), read(1_200, 45, 0, 0));
        show(&mut property, t(1_300), read(1_300, 41, 0, 45));
        let v = verdict(&property, &metrics()).expect("violated");
        assert_eq!((v.at, v.request), (t(1_300), Some(1_300)));
        assert_eq!(
            v.detail,
            "session 7 read key 7 at s at 1.300s, which reflected log position 41: an earlier \
             read of the session had reflected position 45, 4 writes later; s was 1.500s behind \
             then. 1 of 2 reads went back in time"
        );
    }
}
