//! What the three session properties of replicated data share: counting the reads that broke
//! one rule, keeping the first, and putting it in words (the session, the copy that served it,
//! the position it reflected, the write or read it fell behind, and that copy's lag then). Not
//! a property itself; must never allocate while watching.

use faultline_engine::{SimDuration, SimTime};
use faultline_model::Observation;

use super::{RunEnd, Violation};

/// One read, as observed.
#[derive(Clone, Copy, Debug)]
pub(super) struct Read {
    pub(super) at: SimTime,
    pub(super) service: usize,
    pub(super) primary: usize,
    pub(super) session: u64,
    pub(super) request: u64,
    pub(super) key: u64,
    pub(super) position: u64,
    pub(super) written: u64,
    pub(super) written_at: SimTime,
    pub(super) last_read: u64,
    pub(super) lag: SimDuration,
}

impl Read {
    /// The read a `DataRead` observation describes; `None` for any other observation.
    #[inline]
    pub(super) fn of(now: SimTime, what: &Observation) -> Option<Read> {
        let Observation::DataRead {
            service,
            primary,
            session,
            request,
            key,
            position,
            written,
            written_at,
            last_read,
            lag,
            ..
        } = *what
        else {
            return None;
        };
        Some(Read {
            at: now,
            service,
            primary,
            session,
            request,
            key,
            position,
            written,
            written_at,
            last_read,
            lag,
        })
    }
}

/// The reads that broke one rule: how many, of how many, and the first.
#[derive(Debug, Default)]
pub(super) struct BadReads {
    reads: u64,
    bad: u64,
    first: Option<Read>,
}

impl BadReads {
    /// Counts a read; `bad` says whether it broke the rule.
    #[inline]
    pub(super) fn observe(
        &mut self,
        now: SimTime,
        what: &Observation,
        bad: impl Fn(&Read) -> bool,
    ) {
        let Some(read) = Read::of(now, what) else { return };
        self.reads += 1;
        if bad(&read) {
            self.bad += 1;
            self.first.get_or_insert(read);
        }
    }

    /// The first bad read in words, `what` saying what it missed (from the read and the
    /// names of services), with the count; `None` when there was none.
    pub(super) fn violation(
        &self,
        end: &RunEnd,
        broke: &str,
        what: impl Fn(&Read, &dyn Fn(usize) -> String) -> String,
    ) -> Option<Violation> {
        let first = self.first?;
        let name = |service: usize| {
            end.metrics.services.get(service).map_or_else(|| "?".to_string(), |s| s.name.clone())
        };
        let copy = name(first.service);
        let detail = format!(
            "session {session} read key {key} at {copy} at {at}, which reflected log position \
             {position}: {missed}; {copy} was {lag} behind then. {bad} of {reads} reads {broke}",
            session = first.session,
            key = first.key,
            at = secs(first.at - SimTime::ZERO),
            position = first.position,
            missed = what(&first, &name),
            lag = secs(first.lag),
            bad = self.bad,
            reads = self.reads,
        );
        Some(Violation { at: first.at, request: Some(first.request), detail })
    }
}

/// A duration in seconds, to the millisecond: `1.234s`.
pub(super) fn secs(d: SimDuration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}
