//! Histories: operations as a client saw them, each an interval from invocation to completion.

/// A key of a key-value store or the name of a register, as written in the history.
pub type Key = String;

/// A value written, read or compared. Registers hold `Nil` or an integer; `append` builds lists.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Value {
    Nil,
    Int(i64),
    List(Vec<i64>),
}

/// What an operation does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Function {
    /// Register: returns the current value.
    Read,
    /// Register: sets the value.
    Write,
    /// Register: sets `new` if the value is `old`; fails otherwise.
    Cas,
    /// Key-value store: returns the key's value.
    Get,
    /// Key-value store: sets the key's value.
    Put,
    /// Key-value store: appends an integer to the key's list.
    Append,
}

/// How an operation ended, as the client saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// It took effect, with its result.
    Ok,
    /// It certainly did not take effect.
    Fail,
    /// Unknown: the client gave up (a timeout, `:info`) or the history ended first. It may have
    /// taken effect at any instant after its invocation, or never.
    Unknown,
}

/// One operation: a process invoked `function` on `key` with `input`, and (if `Ok`) saw
/// `output`. Positions order invocations and completions; equal positions never occur.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    pub process: u64,
    pub function: Function,
    /// `None` for a single register.
    pub key: Option<Key>,
    /// What was written (`Write`, `Put`, `Append`), or `[old, new]` as a list for `Cas`.
    pub input: Value,
    /// What was read (`Read`, `Get`), when `status` is `Ok`.
    pub output: Value,
    pub status: Status,
    /// When it was invoked: a position in the history (a line, or a time in nanoseconds).
    pub invoked: u64,
    /// When it completed; `None` when its status is `Unknown` (it may take effect any time
    /// after `invoked`).
    pub completed: Option<u64>,
    /// Where it was invoked in the source (a line number), for messages.
    pub line: usize,
}

/// Operations in the order they were invoked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    pub operations: Vec<Operation>,
}
