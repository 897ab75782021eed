//! The report folder `reports/<scenario>/<variant>-seed<N>/`, written atomically.
//!
//! Files are written into a hidden temporary folder beside the target and renamed into place in
//! one step, so a crash never leaves half a report. An existing report is never replaced unless
//! asked: the new run gets the next free folder name (`…-seed7-2`, `…-seed7-3`, …).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::{Series, Summary};

/// Folders tried with a numeric suffix before giving up.
const MAX_SUFFIX: u32 = 10_000;

#[derive(Debug, Error)]
pub enum ReportError {
    #[error("cannot write the report in {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{base}: {MAX_SUFFIX} reports of this run already exist; remove some or pass --force")]
    TooMany { base: PathBuf },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> ReportError + '_ {
    move |source| ReportError::Io { path: path.to_path_buf(), source }
}

/// Writes `summary.json` and `series.json` under `root` and returns the folder used.
/// With `force`, an existing folder of the same name is replaced.
pub fn write_report(
    root: &Path,
    summary: &Summary,
    series: &Series,
    force: bool,
) -> Result<PathBuf, ReportError> {
    let parent = root.join(safe_name(&summary.scenario));
    fs::create_dir_all(&parent).map_err(io_err(&parent))?;
    let name =
        format!("{}-seed{}", safe_name(summary.variant.as_deref().unwrap_or("base")), summary.seed);
    let target = if force { parent.join(&name) } else { free_folder(&parent, &name)? };
    let staging = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir(&staging).map_err(io_err(&staging))?;
    fs::write(staging.join("summary.json"), summary.to_json()).map_err(io_err(&staging))?;
    fs::write(staging.join("series.json"), series.to_json()).map_err(io_err(&staging))?;
    if force && target.exists() {
        fs::remove_dir_all(&target).map_err(io_err(&target))?;
    }
    fs::rename(&staging, &target).map_err(io_err(&target))?;
    Ok(target)
}

/// `name`, or `name-2`, `name-3`, … whichever does not exist yet.
fn free_folder(parent: &Path, name: &str) -> Result<PathBuf, ReportError> {
    let first = parent.join(name);
    if !first.exists() {
        return Ok(first);
    }
    (2..MAX_SUFFIX)
        .map(|n| parent.join(format!("{name}-{n}")))
        .find(|p| !p.exists())
        .ok_or(ReportError::TooMany { base: first })
}

/// Keeps folder names portable: letters, digits, `-`, `_` and `.`; anything else becomes `_`.
fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' })
        .collect();
    if cleaned.trim_matches('.').is_empty() { "_".into() } else { cleaned }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_escape_the_reports_folder() {
        assert_eq!(safe_name("../etc"), ".._etc");
        assert_eq!(safe_name(".."), "_");
        assert_eq!(safe_name("retry storm/v2"), "retry_storm_v2");
    }
}
