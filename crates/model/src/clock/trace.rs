//! What a node's clock did over a run, for the summary and the plots: its offset at the start
//! and the end, the largest it got, and the offset over time as points joined by straight lines.
//!
//! Built from the clock's jumps and the drift's slope alone, never by sampling: between two
//! jumps the offset moves in a straight line, so the points either side of every jump (and at
//! the start and the end) draw it exactly, and the largest |offset| is at one of them.

use faultline_engine::SimTime;

use super::{Clock, ClockConfig};

/// With more jumps than this in a run, a trace keeps an envelope of the points (see
/// [`ClockTrace::points`]) so that its size stays bounded however often the clock syncs.
const EXACT_JUMPS: u64 = 2_000;
/// Stretches of the run an envelope keeps points for.
const STRETCHES: u64 = 1_000;

/// The offset (local − true, in nanoseconds) of one node's clock over a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClockTrace {
    /// The node's name.
    pub node: String,
    /// The offset at time zero (a step at zero included).
    pub start: i64,
    /// The offset at the end of the run.
    pub end: i64,
    /// The largest |offset| at any instant of the run.
    pub largest: u64,
    /// Steps at or before the end of the run.
    pub steps: u64,
    /// Syncs at or before the end of the run.
    pub syncs: u64,
    /// `(true instant, offset)` in time order, two at the instant of each jump (before and
    /// after); a straight line between consecutive points draws the offset. Every point is exact.
    /// With more than 2,000 jumps, only the first, lowest, highest and last point of each
    /// thousandth of the run are kept, which still draws every extreme.
    pub points: Vec<(SimTime, i64)>,
}

impl ClockTrace {
    /// What `clock`, the clock `config` describes for node `node`, does over [0, `until`].
    pub(crate) fn new(clock: &mut Clock, config: &ClockConfig, node: &str, until: SimTime) -> Self {
        let syncs = config.sync.map_or(0, |sync| until.as_nanos() / sync.every.as_nanos());
        let steps = config.steps.iter().filter(|step| step.at <= until).count() as u64;
        let start = clock.offset_at(SimTime::ZERO);
        let end = clock.offset_at(until);
        let mut points = Points::new(until, steps + syncs);
        points.push(SimTime::ZERO, start);
        for jump in clock.jumps(until) {
            points.push(jump.at, jump.before);
            points.push(jump.at, jump.after);
        }
        points.push(until, end);
        let largest = points.largest;
        ClockTrace {
            node: node.to_string(),
            start,
            end,
            largest,
            steps,
            syncs,
            points: points.finish(),
        }
    }
}

/// A point as an envelope keeps it: its place in the order pushed, its instant and offset.
type Kept = (u64, SimTime, i64);

/// The points of a trace as they are pushed, in time order: all of them, or an envelope.
struct Points {
    /// Nanoseconds per stretch of an envelope; zero keeps every point.
    width: u64,
    /// The stretch the points in `kept` are in.
    stretch: u64,
    /// The first, lowest, highest and last point of the current stretch.
    kept: [Option<Kept>; 4],
    pushed: u64,
    largest: u64,
    out: Vec<(SimTime, i64)>,
}

impl Points {
    fn new(until: SimTime, jumps: u64) -> Self {
        let width = if jumps <= EXACT_JUMPS { 0 } else { until.as_nanos().div_ceil(STRETCHES) };
        Points { width, stretch: 0, kept: [None; 4], pushed: 0, largest: 0, out: Vec::new() }
    }

    fn push(&mut self, at: SimTime, offset: i64) {
        self.largest = self.largest.max(offset.unsigned_abs());
        let point = (self.pushed, at, offset);
        self.pushed += 1;
        if self.width == 0 {
            self.keep(at, offset);
            return;
        }
        let stretch = at.as_nanos() / self.width;
        if stretch != self.stretch {
            self.flush();
            self.stretch = stretch;
        }
        let [first, low, high, last] = &mut self.kept;
        first.get_or_insert(point);
        if low.is_none_or(|(_, _, o)| offset < o) {
            *low = Some(point);
        }
        if high.is_none_or(|(_, _, o)| offset > o) {
            *high = Some(point);
        }
        *last = Some(point);
    }

    /// Adds a point to the output unless it repeats the one before.
    fn keep(&mut self, at: SimTime, offset: i64) {
        if self.out.last() != Some(&(at, offset)) {
            self.out.push((at, offset));
        }
    }

    /// Moves the current stretch's points to the output, in the order they were pushed.
    fn flush(&mut self) {
        let mut kept: Vec<Kept> = self.kept.iter_mut().filter_map(Option::take).collect();
        kept.sort_unstable_by_key(|&(seq, _, _)| seq);
        kept.dedup_by_key(|&mut (seq, _, _)| seq);
        for (_, at, offset) in kept {
            self.keep(at, offset);
        }
    }

    fn finish(mut self) -> Vec<(SimTime, i64)> {
        self.flush();
        self.out
    }
}
