//! The hook through which invariants watch a run as it happens.
//!
//! Statically dispatched (the world is generic over it) so that watching costs nothing when an
//! observer ignores an event.

use faultline_engine::{SimDuration, SimTime};

use crate::Outcome;

/// Called by the world at each observable step. Every method defaults to doing nothing.
pub trait Observer {
    /// A client sent a new request.
    fn on_arrival(&mut self, _now: SimTime, _client: usize, _request: u64) {}
    /// An attempt of `request` joined a service's queue, which now holds `depth` jobs.
    fn on_enqueue(&mut self, _now: SimTime, _service: usize, _depth: usize, _request: u64) {}
    /// A job of `request` (of `class`) got a worker at `service` after waiting `wait`.
    fn on_start(
        &mut self,
        _now: SimTime,
        _service: usize,
        _request: u64,
        _class: u8,
        _wait: SimDuration,
    ) {
    }
    /// A client request ended with `outcome` (after all its retries); it arrived at `arrived`.
    fn on_done(&mut self, _now: SimTime, _request: u64, _arrived: SimTime, _outcome: Outcome) {}
}

/// Watches nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoObserver;

impl Observer for NoObserver {}
