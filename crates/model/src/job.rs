//! Jobs: one attempt being handled at a service, step by step.

use faultline_engine::SimTime;

use crate::Payload;

/// An attempt at a service: queued, then running its handler on a worker.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Job {
    pub(crate) request: u64,
    /// The call this job answers, and that call's generation when the attempt was sent; if
    /// they no longer match, nobody waits for this job any more.
    pub(crate) call: u32,
    pub(crate) call_gen: u32,
    /// Which attempt of its call this job serves (1 for the first).
    pub(crate) attempt: u32,
    pub(crate) service: u32,
    /// Index of the current handler step.
    pub(crate) step: u16,
    /// Calls of the current step not answered yet.
    pub(crate) pending: u16,
    /// True while the current step is still sending its calls (answers that come back at once
    /// must not advance the job from inside that loop).
    pub(crate) issuing: bool,
    /// A call of an earlier step failed: the job answers with an error.
    pub(crate) failed: bool,
    /// The handler it runs: its service's own, or a fan-out's sub-task.
    pub(crate) handler: u32,
    /// False once the slot is freed.
    pub(crate) live: bool,
    /// It holds a worker (it left the queue).
    pub(crate) running: bool,
    /// Its node crashed while it worked: when its work's event comes, it is only freed.
    pub(crate) lost: bool,
    /// The request's class (priority).
    pub(crate) class: u8,
    /// The request's key and fields.
    pub(crate) payload: Payload,
    /// Multiplies the time of the job's local work (the request's weight).
    pub(crate) weight: f64,
    /// Its caller cancels it on timeout.
    pub(crate) cancellable: bool,
    /// It ends without an answer (a register operation its leader gave up on): the caller's
    /// timeout tells.
    pub(crate) silent: bool,
    /// It handles a message a broker delivered: `call` and `call_gen` name the delivery, and
    /// its outcome acknowledges or releases the message instead of answering a call.
    pub(crate) delivery: bool,
    /// A database operation that reads (decided when the attempt was sent).
    pub(crate) reads: bool,
    /// For a database read: its session's last write when the read was sent (position, and
    /// when it was made), the write the read must reflect. Zero otherwise.
    pub(crate) own_write: (u64, SimTime),
    /// When the client request arrived.
    pub(crate) arrived: SimTime,
    /// Whether the request arrived after the warm-up (counts in statistics).
    pub(crate) counted: bool,
    pub(crate) enqueued: SimTime,
    pub(crate) started: SimTime,
}
