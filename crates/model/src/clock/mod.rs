//! Local clocks of nodes: what each node's wall clock reads at a true simulated instant, and
//! how long, in true time, a timer it sets takes to fire.
//!
//! This module only answers questions about a node's clock; it must never change the order of
//! events, which stays by true simulated time, nor let one node's clock see another's steps.
//! It draws randomness only from the stream `clock/<node>/sync`, and each draw depends on the
//! sync's index alone: reading a clock more or less often never changes what it reads.
//!
//! # What a clock reads
//!
//! All times are integer nanoseconds; the error of a clock is `local − true`. Syncs happen at
//! `t_k = k · every` for `k ≥ 1` (none at zero, so the configured offset is where the clock
//! starts). Between syncs, for `t` in [`t_k`, `t_{k+1}`) (with `t_0 = 0`):
//!
//! ```text
//! error(t) = e_k + round(drift_ppm · (t − t_k) / 10⁶) + Σ { by : step.at in [t_k, t] }
//! local(t) = t + error(t)
//! ```
//!
//! where `e_0 = offset` and, for `k ≥ 1`, `e_k` is uniform over [−within, +within] (rounded to
//! the nanosecond), the `k`-th draw of the clock's stream. So a sync resets the error,
//! forgetting the offset and every earlier step, and drift accumulates again from it; a step
//! lasts until the next sync. A step at a sync's instant comes after the sync, so every step is
//! seen for at least a moment. Without sync, `t_0 = 0` is the only anchor and the error is
//! `offset + drift + every step so far`. Local time is not monotonic: a negative step moves it
//! backwards.
//!
//! A sync draws its residual error rather than pulling the error to exactly `within` because
//! real synchronisation leaves errors spread over its bound: two nodes synchronised against
//! the same source then disagree by up to `2 · within`, the situation clock-skew bugs need,
//! while a clamp would give every node drifting the same way the same reading after each sync.
//! Steps aside, the error then stays within `within + |drift| · every` after the first sync.
//!
//! # Timers
//!
//! A timer for a local duration runs on the clock's monotonic rate, as OS timeouts do: `L`
//! local nanoseconds take `L / (1 + drift_ppm · 10⁻⁶)` true ones, early on a fast clock. Steps
//! and syncs move the wall clock (`local_at`) but never shorten or lengthen a running timer.
//!
//! # Numerics
//!
//! Integer parts never pass through floats: only the drift term (and a timer's correction) is
//! computed in `f64` and rounded once, to the nearest nanosecond with halves away from zero.
//! Sums use `i128` and readings saturate to `i64`, so no run length or drift can overflow.

mod config;
mod local;
mod sync;
#[cfg(test)]
mod tests;
mod trace;

pub use config::{ClockConfig, ClockStep, ClockSync};
pub(crate) use local::Clock;
#[cfg(test)]
use local::ClockJump;
pub use trace::ClockTrace;
