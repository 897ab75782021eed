//! The history of a register's operations as clients saw them: each request an operation from
//! its arrival at the client to its end there, with what it read or wrote and which replica
//! served it. Recorded for the invariants that judge it at the end of the run and for
//! `--history` files; memory follows the operations recorded, nothing else.

use std::collections::BTreeMap;

use faultline_engine::SimTime;

use crate::Outcome;

/// Read, or write of a value (each write's value is unique in the run: its request id + 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    Read,
    Write(u64),
}

/// How an operation ended, as its client saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpStatus {
    /// Answered with success.
    Ok,
    /// Certainly without effect: refused before any replica applied it.
    Fail,
    /// The client gave up, or a replica applied it and the answer was still a failure, or the
    /// run ended first: it may or may not have taken effect.
    Unknown,
}

/// One operation of one client request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegisterOp {
    pub request: u64,
    pub client: u32,
    pub key: u64,
    pub kind: OpKind,
    /// What a successful read returned (0: never written).
    pub read: u64,
    pub status: OpStatus,
    pub invoked: SimTime,
    /// `None` while in flight at the end of the run.
    pub completed: Option<SimTime>,
    /// The service (replica) that last served or applied it.
    pub replica: Option<u32>,
    /// A replica applied the write (it may have taken effect whatever the answer).
    pub applied: bool,
    /// An attempt timed out: it may still take effect after the request has ended.
    pub timed_out: bool,
}

/// A leader taking over: which replica, in which term, when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeaderChange {
    pub at: SimTime,
    /// The service (replica) that became leader.
    pub replica: u32,
    pub term: u32,
}

/// What a register did over a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisterHistory {
    /// The service group it is replicated over.
    pub name: String,
    /// Its replicas' services.
    pub replicas: Vec<u32>,
    /// Every client's name, by index (an operation's `client`).
    pub clients: Vec<String>,
    /// Its mode's name.
    pub mode: &'static str,
    /// Operations in order of invocation.
    pub ops: Vec<RegisterOp>,
    pub leaders: Vec<LeaderChange>,
}

/// Records the operations of one register.
#[derive(Debug)]
pub(crate) struct Recorder {
    pub(crate) history: RegisterHistory,
    /// Requests in flight: their operation's index.
    open: BTreeMap<u64, usize>,
}

impl Recorder {
    pub(crate) fn new(
        name: String,
        replicas: Vec<u32>,
        clients: Vec<String>,
        mode: &'static str,
    ) -> Self {
        let history =
            RegisterHistory { name, replicas, clients, mode, ops: Vec::new(), leaders: Vec::new() };
        Recorder { history, open: BTreeMap::new() }
    }

    pub(crate) fn invoked(&mut self, op: RegisterOp) {
        self.open.insert(op.request, self.history.ops.len());
        self.history.ops.push(op);
    }

    fn op(&mut self, request: u64) -> Option<&mut RegisterOp> {
        let index = *self.open.get(&request)?;
        Some(&mut self.history.ops[index])
    }

    /// Replica `replica` applied the request's write, or served its read with `value`.
    pub(crate) fn served(&mut self, request: u64, replica: u32, read: Option<u64>) {
        if let Some(op) = self.op(request) {
            op.replica = Some(replica);
            match read {
                Some(value) => op.read = value,
                None => op.applied = true,
            }
        }
    }

    /// An attempt of the request timed out at its client.
    pub(crate) fn timed_out(&mut self, request: u64) {
        if let Some(op) = self.op(request) {
            op.timed_out = true;
        }
    }

    /// The request ended at its client with `outcome`.
    pub(crate) fn ended(&mut self, request: u64, outcome: Outcome, now: SimTime) {
        let Some(index) = self.open.remove(&request) else { return };
        let op = &mut self.history.ops[index];
        op.completed = Some(now);
        // A failure is certain only if no replica applied the request and no attempt is
        // left somewhere that still might.
        op.status = match outcome {
            Outcome::Success => OpStatus::Ok,
            _ if op.applied || op.timed_out => OpStatus::Unknown,
            Outcome::Timeout => OpStatus::Unknown,
            _ => OpStatus::Fail,
        };
    }
}
