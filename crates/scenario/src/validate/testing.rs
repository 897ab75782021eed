//! Shared by the unit tests of validation: raw input read from RON, and what validation makes
//! of it. Never used outside tests.

use faultline_engine::{SimDuration, SimTime};
use serde::de::DeserializeOwned;

use crate::Scenario;
use crate::patch::ron_options;
use crate::raw::ScenarioFile;

use super::{Checker, PathProblem, validate};

/// A raw value (a whole scenario or any part of one) read from RON as scenario files are.
pub(super) fn raw<T: DeserializeOwned>(text: &str) -> T {
    ron_options().from_str(text).unwrap_or_else(|e| panic!("{text}\ndoes not parse: {e}"))
}

/// The instant `secs` seconds into the run.
pub(super) fn instant_s(secs: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(secs)
}

/// One client `web` sending to `api`.
pub(super) const WEB: &str = r#""web": (target: "api", rate: "10/s")"#;
/// One service `api` with two workers, every request taking 10 ms.
pub(super) const API: &str = r#""api": (workers: 2, service_time: Const("10ms"))"#;

/// A scenario of 60 s with these services and clients (map entries) and `rest` (more fields).
pub(super) fn scenario(services: &str, clients: &str, rest: &str) -> String {
    format!(
        "Scenario(name: \"t\", duration: \"60s\", services: {{ {services} }}, \
         clients: {{ {clients} }}, {rest})"
    )
}

/// The scenario validation makes of `text`, or its problems as [`said`] gives them.
pub(super) fn load(text: &str) -> Result<Scenario, Vec<String>> {
    validate(&raw::<ScenarioFile>(text), None).map_err(|problems| said(&problems))
}

/// The scenario validation makes of `text`, which must have no problem.
pub(super) fn valid(text: &str) -> Scenario {
    load(text).unwrap_or_else(|problems| panic!("{text}\nis refused: {problems:#?}"))
}

/// The problems validation finds in `text`, which must have some.
pub(super) fn refused(text: &str) -> Vec<String> {
    load(text).err().unwrap_or_else(|| panic!("{text}\nis accepted"))
}

/// The help given with the first problem validation finds in `text`.
pub(super) fn first_help(text: &str) -> Option<String> {
    let problems = validate(&raw::<ScenarioFile>(text), None).expect_err("a problem");
    problems.into_iter().next().and_then(|p| p.help)
}

/// What one check returns, and its problems as [`said`] gives them.
pub(super) fn check<T>(run: impl FnOnce(&mut Checker) -> Option<T>) -> (Option<T>, Vec<String>) {
    let mut c = Checker::default();
    let value = run(&mut c);
    (value, said(&c.problems))
}

/// Each problem as `path: message`, in the order reported.
pub(super) fn said(problems: &[PathProblem]) -> Vec<String> {
    problems.iter().map(|p| format!("{}: {}", crate::path::display(&p.path), p.message)).collect()
}
