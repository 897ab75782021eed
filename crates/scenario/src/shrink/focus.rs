//! The scenario a shrink starts from: the file with its variant and `--set`s applied, only the
//! invariant being shrunk for kept, no variants, the seed written in and the lesson replaced by
//! a line saying where it came from. It must never change what the run does.

use crate::doc::{self, DocIndex, quote};
use crate::error::{Origin, Problem, ScenarioError};
use crate::{Overrides, load, patch};

/// The start of a shrink and what making it removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Focused {
    pub text: String,
    /// The invariant kept, as written (on one line).
    pub invariant: String,
    /// The other invariants, as written, removed.
    pub removed_invariants: Vec<String>,
    /// The variants the file had, all removed (the chosen one is applied).
    pub removed_variants: Vec<String>,
}

/// Focuses `text` on the invariant behind verdict number `verdict` of its run with
/// `overrides` (an invariant on a service with instances gives one verdict per instance).
/// `lesson` replaces the lesson; `name` the scenario's name.
pub fn focus(
    file: &str,
    text: &str,
    overrides: &Overrides,
    verdict: usize,
    seed: u64,
    name: &str,
    lesson: &str,
) -> Result<Focused, ScenarioError> {
    let fail = |message: String| ScenarioError {
        file: file.to_string(),
        problems: vec![Problem::new(Origin::Whole, message)],
    };
    let base =
        patch::parse(text).map_err(|p| ScenarioError { file: file.into(), problems: vec![p] })?;
    let patched = patch::apply(text, &base, overrides)
        .map_err(|problems| ScenarioError { file: file.into(), problems })?
        .text;
    let written = written_items(&patched, "invariants");
    let keep = invariant_of_verdict(file, &patched, written.len(), verdict)?
        .ok_or_else(|| fail(format!("no invariant gives verdict {verdict}")))?;
    let mut focused = keep_only(&patched, written.len(), keep).map_err(fail)?;
    let variants = DocIndex::new(&focused).keys(&["variants"]);
    if DocIndex::new(&focused).find(&["variants"]).is_some() {
        focused = doc::remove(&focused, &["variants"]).map_err(|e| fail(format!("{e:?}")))?;
    }
    for (field, value) in
        [("name", quote(name)), ("seed", seed.to_string()), ("lesson", quote(lesson))]
    {
        focused = doc::patch(&focused, &[field], &value).map_err(|e| fail(format!("{e:?}")))?.0;
    }
    let mut removed_invariants = written;
    let invariant = removed_invariants.remove(keep);
    Ok(Focused { text: focused, invariant, removed_invariants, removed_variants: variants })
}

/// The items of the list `field` as written, each on one line.
fn written_items(text: &str, field: &str) -> Vec<String> {
    let index = DocIndex::new(text);
    (0..)
        .map_while(|i: usize| index.find(&[field, &i.to_string()]))
        .map(|at| text[at.start..at.end].split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// `text` with only invariant number `keep` of `count`.
fn keep_only(text: &str, count: usize, keep: usize) -> Result<String, String> {
    let mut text = text.to_string();
    for i in (0..count).rev().filter(|&i| i != keep) {
        text = doc::remove(&text, &["invariants", &i.to_string()]).map_err(|e| format!("{e:?}"))?;
    }
    Ok(text)
}

/// Which written invariant verdict number `verdict` comes from: each written alone gives as
/// many verdicts as it has properties, in order.
fn invariant_of_verdict(
    file: &str,
    text: &str,
    count: usize,
    verdict: usize,
) -> Result<Option<usize>, ScenarioError> {
    let mut first = 0;
    for i in 0..count {
        let alone = keep_only(text, count, i).map_err(|message| ScenarioError {
            file: file.to_string(),
            problems: vec![Problem::new(Origin::Whole, message)],
        })?;
        first += load(file, &alone, &Overrides::default())?.invariants.len();
        if verdict < first {
            return Ok(Some(i));
        }
    }
    Ok(None)
}
