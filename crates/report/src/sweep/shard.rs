//! One shard of a sweep as a JSON file, and merging a complete set of shards back into the
//! tally of the whole sweep. It must never merge shards of different sweeps, a shard twice, or
//! an incomplete set: each is a [`MergeError`] naming the files.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::spec::SweepSpec;
use super::tally::SweepTally;

/// The format of shard files; a reader refuses any other.
pub const SHARD_FORMAT: u32 = 1;

/// Which slice of the seed range a shard ran: `index` from 1 to `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardOf {
    pub index: u64,
    pub count: u64,
}

/// The result of one shard, as `faultline sweep --shard K/N` writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepShard {
    pub faultline_sweep_shard: u32,
    pub spec: SweepSpec,
    pub shard: ShardOf,
    pub tally: SweepTally,
}

impl SweepShard {
    pub fn new(spec: SweepSpec, shard: ShardOf, tally: SweepTally) -> Self {
        SweepShard { faultline_sweep_shard: SHARD_FORMAT, spec, shard, tally: tally.finish() }
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string(self).expect("a shard always serialises");
        text.push('\n');
        text
    }

    /// Reads a shard file's text; `name` is how the file is called in errors.
    pub fn from_json(name: &str, text: &str) -> Result<Self, MergeError> {
        #[derive(Deserialize)]
        struct Format {
            faultline_sweep_shard: Option<u32>,
        }
        let not_shard = |e: serde_json::Error| MergeError::NotAShard {
            file: name.to_string(),
            why: e.to_string(),
        };
        let format: Format = serde_json::from_str(text).map_err(not_shard)?;
        match format.faultline_sweep_shard {
            Some(SHARD_FORMAT) => serde_json::from_str(text).map_err(not_shard),
            Some(other) => Err(MergeError::Format { file: name.to_string(), format: other }),
            None => Err(MergeError::NotAShard {
                file: name.to_string(),
                why: "no `faultline_sweep_shard` field".into(),
            }),
        }
    }
}

/// Why shards cannot be merged.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum MergeError {
    #[error("{file}: not a sweep shard ({why}); write shards with `faultline sweep … --shard K/N`")]
    NotAShard { file: String, why: String },
    #[error("{file}: shard format {format}, this faultline reads format {SHARD_FORMAT}")]
    Format { file: String, format: u32 },
    #[error("no shard files given")]
    Empty,
    #[error(
        "{file} is of another sweep than {first}: {field} `{theirs}` instead of `{ours}`; \
         merge only the shards of one sweep"
    )]
    Mismatch { file: String, first: String, field: &'static str, ours: String, theirs: String },
    #[error("{file} is shard {index}/{count}, but {first} is one of {expected}")]
    Count { file: String, index: u64, count: u64, first: String, expected: u64 },
    #[error("{file}: shard {index}/{count} is out of range")]
    Index { file: String, index: u64, count: u64 },
    #[error("shard {index}/{count} given twice: {first} and {second}")]
    Duplicate { index: u64, count: u64, first: String, second: String },
    #[error("shard {list} of {count} missing; run `faultline sweep … --shard K/{count}` for each")]
    Missing { list: String, count: u64 },
}

/// Merges one complete set of shards (named by `files`, in any order) into the sweep's spec and
/// finished tally.
pub fn merge_shards(
    shards: Vec<(String, SweepShard)>,
) -> Result<(SweepSpec, SweepTally), MergeError> {
    let Some((first_name, first)) = shards.first().cloned() else {
        return Err(MergeError::Empty);
    };
    let count = first.shard.count;
    let mut seen: Vec<Option<String>> = vec![None; count as usize];
    for (file, shard) in &shards {
        check_same_sweep(&first_name, &first, file, shard)?;
        let ShardOf { index, count: theirs } = shard.shard;
        if theirs != count {
            let (file, first) = (file.clone(), first_name.clone());
            return Err(MergeError::Count { file, index, count: theirs, first, expected: count });
        }
        if index == 0 || index > count {
            return Err(MergeError::Index { file: file.clone(), index, count });
        }
        let slot = &mut seen[index as usize - 1];
        if let Some(earlier) = slot {
            let (first, second) = (earlier.clone(), file.clone());
            return Err(MergeError::Duplicate { index, count, first, second });
        }
        *slot = Some(file.clone());
    }
    let missing: Vec<String> =
        (1..=count).filter(|i| seen[*i as usize - 1].is_none()).map(|i| i.to_string()).collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing { list: missing.join(", "), count });
    }
    let spec = first.spec.clone();
    let mut shards = shards.into_iter().map(|(_, s)| s.tally);
    let start = shards.next().expect("at least one shard");
    Ok((spec, shards.fold(start, SweepTally::merge).finish()))
}

fn check_same_sweep(
    first_name: &str,
    first: &SweepShard,
    file: &str,
    shard: &SweepShard,
) -> Result<(), MergeError> {
    let mismatch = |field: &'static str, ours: String, theirs: String| MergeError::Mismatch {
        file: file.to_string(),
        first: first_name.to_string(),
        field,
        ours,
        theirs,
    };
    if let Some((field, ours, theirs)) = first.spec.difference(&shard.spec) {
        return Err(mismatch(field, ours, theirs));
    }
    if !first.tally.same_invariants(&shard.tally) || first.tally.run_ns != shard.tally.run_ns {
        return Err(mismatch(
            "invariants or duration",
            "those of the first".into(),
            "others".into(),
        ));
    }
    Ok(())
}
