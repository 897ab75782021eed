//! `faultline shrink`'s search: from a scenario text that violates an invariant on a seed, cut
//! it down (fewer faults and clients, a shorter run, shorter fault windows, lower load, fewer
//! instances) for as long as it still does. Candidates are text edits judged by a function the
//! caller gives, a batch at a time; the batches are fixed, so the result and the runs spent
//! never depend on how many threads judge a batch. It never runs a scenario itself.

mod candidates;
mod focus;
#[cfg(test)]
mod tests;

use faultline_engine::SimTime;

pub use focus::{Focused, focus};

/// Candidates judged together. Fixed, so that the runs made (and the budget spent) are the
/// same on any number of threads; small, because candidates after the first that still
/// violates are wasted runs.
pub const BATCH: usize = 4;

/// What was removed or reduced, merged per subject: `duration` `180s` → `110s`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// A path in the scenario (`duration`, `clients.users.rate`, `faults.2`), faults numbered
    /// as in the file shrunk.
    pub subject: String,
    pub from: String,
    /// `None`: removed.
    pub to: Option<String>,
}

/// The search's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shrunk {
    /// The smallest scenario found (the start when nothing smaller still violates).
    pub text: String,
    /// When the invariant first broke in it.
    pub first_at: SimTime,
    /// Candidates judged (each a run, unless it failed to load).
    pub runs: u32,
    /// Candidates kept, one after another.
    pub kept: u32,
    /// The budget ran out before a pass found nothing more to cut.
    pub out_of_budget: bool,
    pub changes: Vec<Change>,
}

/// Where the search stands: the text kept so far, and which fault of the start each of its
/// faults is (removals shift positions, the changes name faults as first written).
#[derive(Clone, Debug)]
struct State {
    text: String,
    fault_ids: Vec<usize>,
    /// Each fault of the start as written, to name it when it is removed.
    fault_texts: Vec<String>,
    first_at: SimTime,
}

/// Shrinks `start`, whose invariant first broke at `first_at`, judging at most `budget`
/// candidates. `judge` gets a batch of scenario texts and answers, for each in order, when the
/// invariant first broke in it (`None`: it held, or the text did not load or its run stopped).
/// Each pass tries the reductions biggest first and keeps the first candidate, in that order,
/// that still violates; passes repeat until one keeps nothing or the budget is spent.
pub fn search(
    start: &str,
    first_at: SimTime,
    budget: u32,
    mut judge: impl FnMut(&[String]) -> Vec<Option<SimTime>>,
) -> Shrunk {
    let fault_texts = candidates::fault_texts(start);
    let fault_ids = (0..fault_texts.len()).collect();
    let mut state = State { text: start.to_string(), fault_ids, fault_texts, first_at };
    let (mut runs, mut kept, mut changes) = (0u32, 0u32, Vec::new());
    let out_of_budget = 'passes: loop {
        let found = candidates::of(&state);
        let mut batches = found.chunks(BATCH);
        let chosen = loop {
            let Some(batch) = batches.next() else { break 'passes false };
            let room = (budget - runs) as usize;
            if room == 0 {
                break 'passes true;
            }
            let batch = &batch[..batch.len().min(room)];
            let texts: Vec<String> = batch.iter().map(|c| c.text.clone()).collect();
            let verdicts = judge(&texts);
            runs += batch.len() as u32;
            let first = batch.iter().zip(verdicts).find_map(|(c, v)| v.map(|at| (c, at)));
            if let Some(found) = first {
                break found;
            }
        };
        let (candidate, at) = chosen;
        kept += 1;
        record(&mut changes, &candidate.change);
        if let Some(position) = candidate.removes_fault {
            state.fault_ids.remove(position);
        }
        state.text = candidate.text.clone();
        state.first_at = at;
    };
    Shrunk { text: state.text, first_at: state.first_at, runs, kept, out_of_budget, changes }
}

/// Adds a kept change: a later reduction of the same subject extends the earlier one
/// (`180s → 90s`, then `90s → 45s`: `180s → 45s`); removing a subject drops what was
/// reduced inside it.
fn record(changes: &mut Vec<Change>, change: &Change) {
    if change.to.is_none() {
        let inside = format!("{}.", change.subject);
        changes.retain(|c| c.subject != change.subject && !c.subject.starts_with(&inside));
        changes.push(change.clone());
        return;
    }
    match changes.iter_mut().find(|c| c.subject == change.subject) {
        Some(earlier) => earlier.to.clone_from(&change.to),
        None => changes.push(change.clone()),
    }
}
