//! ReadYourWrites: every read of a replicated database reflects its session's own last write
//! (the copy that served it had applied the session's last written position). Counts the reads
//! that did not and reports the first: the session, the write it missed (position, time), the
//! copy and that copy's lag.

use faultline_engine::SimTime;
use faultline_model::{Observation, ObservationKind, ObservationKinds};

use super::session_reads::{BadReads, Read, secs};
use super::{Property, RunEnd, Violation};

/// Each session reads its own writes.
#[derive(Debug, Default)]
pub struct ReadYourWrites {
    reads: BadReads,
}

impl ReadYourWrites {
    pub fn new() -> Self {
        ReadYourWrites::default()
    }
}

/// A read that reflects less than its session last wrote.
fn misses_own_write(read: &Read) -> bool {
    read.position < read.written
}

impl Property for ReadYourWrites {
    fn name(&self) -> &'static str {
        "ReadYourWrites"
    }

    fn describe(&self) -> String {
        "every read reflects its session's own last write".into()
    }

    fn wants() -> ObservationKinds {
        ObservationKinds::of(&[ObservationKind::DataRead])
    }

    #[inline]
    fn observe(&mut self, now: SimTime, what: &Observation) {
        self.reads.observe(now, what, misses_own_write);
    }

    fn verdict(&self, end: &RunEnd) -> Option<Violation> {
        self.reads.violation(end, "missed their session's own last write", |read, name| {
            format!(
                "it missed the session's own write at position {written}, made at {made} on \
                 {primary} ({ago} before)",
                written = read.written,
                made = secs(read.written_at - SimTime::ZERO),
                primary = name(read.primary),
                ago = secs(read.at - read.written_at),
            )
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use faultline_engine::SimDuration;

    use super::*;
    use crate::property::testing::{metrics, show, t, verdict};

    /// Session 7 reads key 7 at service 0 at `at_ms`, the copy at `position`, the session
    /// having written position `written` at 1 s and read up to `last_read` before.
    pub(crate) fn read(at_ms: u64, position: u64, written: u64, last_read: u64) -> Observation {
        Observation::DataRead {
            service: 0,
            primary: 0,
            session: 7,
            request: at_ms,
            key: 7,
            position,
            written,
            written_at: t(1_000),
            last_read,
            lag: SimDuration::from_millis(1_500),
            stale: position < written,
        }
    }

    #[test]
    fn holds_while_every_read_reflects_its_sessions_write() {
        let mut property = ReadYourWrites::new();
        show(&mut property, t(1_200), read(1_200, 40, 40, 0));
        show(&mut property, t(1_300), read(1_300, 41, 40, 40));
        assert_eq!(verdict(&property, &metrics()), None);
    }

    #[test]
    fn the_first_read_missing_its_own_write_is_reported_with_the_copys_lag() {
        let mut property = ReadYourWrites::new();
        show(&mut property, t(1_200), read(1_200, 40, 40, 0));
        show(&mut property, t(1_250), read(1_250, 38, 44, 40));
        show(&mut property, t(1_300), read(1_300, 39, 44, 40));
        let v = verdict(&property, &metrics()).expect("violated");
        assert_eq!((v.at, v.request), (t(1_250), Some(1_250)));
        assert_eq!(
            v.detail,
            "session 7 read key 7 at s at 1.250s, which reflected log position 38: it missed the \
             session's own write at position 44, made at 1.000s on s (0.250s before); s was \
             1.500s behind then. 2 of 3 reads missed their session's own last write"
        );
    }
}
