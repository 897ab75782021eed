//! Faultline's end-to-end tests, one module per concern, linked into one test binary: every
//! extra integration-test binary would link the whole workspace again.

mod analytic;
mod bad_input;
mod calendar;
mod catalogue;
mod clocks;
mod compare;
mod determinism;
mod effects;
mod explain;
mod folder;
mod generated;
mod headline;
mod history;
mod mechanisms;
mod messaging;
mod metrics;
mod network;
mod patches;
mod plots;
mod readme;
mod recorded;
mod replay;
mod replicas;
mod report;
mod retry_storm;
mod shrink;
mod sweep;
mod tokens;
mod trace;
mod vary;
