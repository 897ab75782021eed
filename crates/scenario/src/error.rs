//! User-facing scenario errors: every problem with its file:line:col and, where possible, a fix.

use std::fmt;

use thiserror::Error;

/// Where a problem is: a place in the file, or a `--set` argument on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    File {
        line: usize,
        col: usize,
    },
    /// The `--set` argument as the user typed it.
    CommandLine {
        arg: String,
    },
    /// Nowhere more precise than the file itself.
    Whole,
}

/// One thing wrong with a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub origin: Origin,
    pub message: String,
    /// How to fix it, e.g. "did you mean `workers`?".
    pub help: Option<String>,
}

impl Problem {
    pub fn new(origin: Origin, message: impl Into<String>) -> Self {
        Problem { origin, message: message.into(), help: None }
    }

    pub fn with_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }
}

/// Everything wrong with one scenario file. Never empty.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub struct ScenarioError {
    pub file: String,
    pub problems: Vec<Problem>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            match &problem.origin {
                Origin::File { line, col } => {
                    write!(f, "{}:{line}:{col}: {}", self.file, problem.message)?
                }
                Origin::CommandLine { arg } => write!(f, "--set {arg}: {}", problem.message)?,
                Origin::Whole => write!(f, "{}: {}", self.file, problem.message)?,
            }
            if let Some(help) = &problem.help {
                write!(f, "\n    help: {help}")?;
            }
        }
        Ok(())
    }
}

/// "did you mean `x`?" for the closest candidate, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    found: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(found, candidates).map(|best| format!("did you mean `{best}`?"))
}

/// The candidate most similar to `found`, if similar enough.
pub fn closest<'a>(found: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&found.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// `a`, `b` and `c`, for listing valid names.
pub fn list(names: &[impl AsRef<str>]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{}`", n.as_ref())).collect();
    match quoted.as_slice() {
        [] => "(none)".into(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(closest("wrokers", ["workers", "queue_capacity"]), Some("workers"));
        assert_eq!(closest("servce_time", ["workers", "service_time"]), Some("service_time"));
        assert_eq!(closest("zzz", ["workers", "service_time"]), None);
    }

    #[test]
    fn lists_names_in_prose() {
        assert_eq!(list(&["a", "b", "c"]), "`a`, `b` and `c`");
        assert_eq!(list(&["a"]), "`a`");
    }
}
