//! The corrections a clock's synchronisations leave, read from the clock's own stream at a
//! position fixed by the sync's index, so no reading pattern can change them.

use faultline_engine::{RngStreams, SimRng};
use rand::Rng;

use super::ClockSync;

/// The synchronisations of one clock: when they happen and the error each leaves.
#[derive(Clone, Debug)]
pub(super) struct Syncs {
    /// Nanoseconds between syncs (non-zero).
    pub(super) every: u64,
    /// Bound of the error a sync leaves, in nanoseconds.
    within: f64,
    rng: SimRng,
    /// The index of the draw `rng` yields next.
    cursor: u64,
}

impl Syncs {
    pub(super) fn new(sync: &ClockSync, node: &str, streams: &RngStreams) -> Self {
        assert!(!sync.every.is_zero(), "clock of {node}: sync every must be positive");
        Syncs {
            every: sync.every.as_nanos(),
            within: sync.within.as_nanos() as f64,
            rng: streams.stream(&format!("clock/{node}/sync")),
            cursor: 0,
        }
    }

    /// The error (local − true, ns) right after sync `k` (`k ≥ 1`, at `k · every`): uniform over
    /// [−within, +within], rounded to the nanosecond.
    ///
    /// It is draw `k − 1` of the stream: one `u64`, that is words `2(k − 1)` and `2(k − 1) + 1`
    /// of the ChaCha stream. Syncs read in order take the next draw; any other is reached by
    /// moving the stream to its word, so the value depends on `k` alone.
    pub(super) fn error_after(&mut self, k: u64) -> i64 {
        debug_assert!(k >= 1);
        let index = k - 1;
        if index != self.cursor {
            self.rng.set_word_pos(u128::from(index) * 2);
        }
        self.cursor = index + 1;
        error_from_draw(self.rng.next_u64(), self.within)
    }
}

/// Maps a 64-bit draw to an error uniform over [−within, +within]: its top 53 bits give
/// `u` in [0, 1) exactly, `2u − 1` is exact too, and the product is rounded once.
pub(super) fn error_from_draw(draw: u64, within: f64) -> i64 {
    let unit = (draw >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
    ((2.0 * unit - 1.0) * within).round() as i64
}
