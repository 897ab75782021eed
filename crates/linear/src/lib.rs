//! Linearizability: whether a history of operations on registers or a key-value store could
//! have happened one at a time, each at some instant between its invocation and its completion.
//!
//! A history comes from a simulated run or from a file (Jepsen's EDN lines, `edn.rs`). The
//! checker decides it key by key. This crate knows nothing of the simulator: it must never
//! depend on another crate of the workspace, so that any history, from anywhere, can be checked.

mod check;
mod edn;
mod history;
mod model;
#[cfg(test)]
mod tests;

pub use check::{Counterexample, Limits, Verdict, check, describe_operation};
pub use edn::{HistoryError, parse_history};
pub use history::{Function, History, Key, Operation, Status, Value};
pub use model::{Model, function_name, show_value, step};
