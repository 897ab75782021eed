//! The hook through which invariants watch a run as it happens.
//!
//! Statically dispatched (the world is generic over it) so that watching costs nothing when an
//! observer ignores an event.

use faultline_engine::{SimDuration, SimTime};

/// Called by the world at each observable step. Every method defaults to doing nothing.
pub trait Observer {
    /// A client sent a new request.
    fn on_arrival(&mut self, _now: SimTime, _client: usize, _request: u64) {}
    /// A request joined a service's queue, which now holds `depth` requests.
    fn on_enqueue(&mut self, _now: SimTime, _service: usize, _depth: usize, _request: u64) {}
    /// A service turned a request away because its queue was full.
    fn on_reject(&mut self, _now: SimTime, _service: usize, _request: u64) {}
    /// A request finished, `latency` after its arrival at `arrived`.
    fn on_complete(
        &mut self,
        _now: SimTime,
        _request: u64,
        _arrived: SimTime,
        _latency: SimDuration,
    ) {
    }
}

/// Watches nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoObserver;

impl Observer for NoObserver {}
