//! The report folder `reports/<scenario>/<variant>-seed<N>/`, written atomically: `index.html`,
//! `summary.json`, `series.json`, and each plot as PNG and SVG.
//!
//! Files are written into a hidden temporary folder beside the target and renamed into place in
//! one step, so a crash never leaves half a report. An existing report is never replaced unless
//! asked: the new run gets the next free folder name (`…-seed7-2`, `…-seed7-3`, …).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::thread;

use thiserror::Error;

use crate::chart::Chart;
use crate::compare::{CompareReport, render_compare_html};
use crate::plot::{PlotError, render_svg, svg_to_png};
use crate::{Series, Summary, VaryReport, charts, compare_charts, render_html, vary_chart};

/// Folders tried with a numeric suffix before giving up.
const MAX_SUFFIX: u32 = 10_000;

#[derive(Debug, Error)]
pub enum ReportError {
    #[error("cannot write the report in {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{base}: {MAX_SUFFIX} reports of this run already exist; remove some or pass --force")]
    TooMany { base: PathBuf },
    #[error(transparent)]
    Plot(#[from] PlotError),
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> ReportError + '_ {
    move |source| ReportError::Io { path: path.to_path_buf(), source }
}

/// One file of a report folder: its name and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Every file of the report folder, sorted by name: `index.html`, `summary.json`,
/// `series.json`, and each plot as PNG and SVG.
pub fn render_report(summary: &Summary, series: &Series) -> Result<Vec<ReportFile>, ReportError> {
    let charts = charts(summary, series);
    let mut files = vec![
        file("index.html", render_html(summary, &charts).into_bytes()),
        file("summary.json", summary.to_json().into_bytes()),
        file("series.json", series.to_json().into_bytes()),
    ];
    files.extend(plot_files(&charts)?);
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

fn file(name: &str, bytes: Vec<u8>) -> ReportFile {
    ReportFile { name: name.to_string(), bytes }
}

/// Each chart's SVG and PNG, one thread per chart. Every file is a pure function of its
/// chart, so the bytes do not depend on the threads.
fn plot_files(charts: &[Chart]) -> Result<Vec<ReportFile>, ReportError> {
    let drawn: Vec<Result<[ReportFile; 2], PlotError>> = thread::scope(|scope| {
        let threads: Vec<_> = charts.iter().map(|c| scope.spawn(move || plot_pair(c))).collect();
        threads.into_iter().map(|t| t.join().expect("drawing a plot does not panic")).collect()
    });
    let mut files = Vec::with_capacity(2 * charts.len());
    for pair in drawn {
        files.extend(pair?);
    }
    Ok(files)
}

/// A chart drawn once, as SVG, and that SVG rendered to PNG.
fn plot_pair(chart: &Chart) -> Result<[ReportFile; 2], PlotError> {
    let svg = render_svg(chart)?;
    let png = svg_to_png(chart, &svg)?;
    Ok([
        file(&format!("{}.svg", chart.name), svg.into_bytes()),
        file(&format!("{}.png", chart.name), png),
    ])
}

/// The folder name of a run's report: `<variant>-seed<N>`.
pub(crate) fn folder_name(variant: Option<&str>, seed: u64) -> String {
    format!("{}-seed{seed}", safe_name(variant.unwrap_or("base")))
}

/// Writes the report folder (see [`render_report`]) under `root` and returns the folder used.
/// With `force`, an existing folder of the same name is replaced.
pub fn write_report(
    root: &Path,
    summary: &Summary,
    series: &Series,
    force: bool,
) -> Result<PathBuf, ReportError> {
    let name = folder_name(summary.variant.as_deref(), summary.seed);
    let staging = Staging::create(root, &summary.scenario, &name)?;
    for file in render_report(summary, series)? {
        staging.write(&file.name, &file.bytes)?;
    }
    staging.commit(&name, force)
}

/// Writes a sweep's folder `<scenario>/<variant>-seed<N>-vary-<path>/`: `vary.json` and the
/// curve of throughput and p99 against the parameter, as PNG and SVG.
pub fn write_vary_report(
    root: &Path,
    sweep: &VaryReport,
    force: bool,
) -> Result<PathBuf, ReportError> {
    let variant = safe_name(sweep.variant.as_deref().unwrap_or("base"));
    let name = format!("{variant}-seed{}-vary-{}", sweep.seed, safe_name(&sweep.path));
    let chart = vary_chart(sweep);
    let staging = Staging::create(root, &sweep.scenario, &name)?;
    let [svg, png] = plot_pair(&chart)?;
    staging.write("vary.json", sweep.to_json().as_bytes())?;
    staging.write(&svg.name, &svg.bytes)?;
    staging.write(&png.name, &png.bytes)?;
    staging.commit(&name, force)
}

/// Writes a comparison's folder `<scenario>/compare-<variants>-seeds<A>-<B>/`: `index.html`,
/// `compare.json` and each overlaid plot as PNG and SVG (one thread per plot). `runs` are the
/// plotted seed's runs, a variant each, in the comparison's order; `command` reproduces it.
pub fn write_compare_report(
    root: &Path,
    report: &CompareReport,
    runs: &[(&str, &Summary, &Series)],
    command: &str,
    force: bool,
) -> Result<PathBuf, ReportError> {
    let variants: Vec<String> = report.variants.iter().map(|v| safe_name(&v.name)).collect();
    let name =
        format!("compare-{}-seeds{}-{}", variants.join("-"), report.seeds.first, report.seeds.last);
    let charts = compare_charts(runs, report.plotted_seed);
    let staging = Staging::create(root, &report.scenario, &name)?;
    staging.write("index.html", render_compare_html(report, &charts, command).as_bytes())?;
    staging.write("compare.json", report.to_json().as_bytes())?;
    for file in plot_files(&charts)? {
        staging.write(&file.name, &file.bytes)?;
    }
    staging.commit(&name, force)
}

/// A report folder being filled: a hidden folder beside its final place, renamed into place
/// once everything is written. Dropped before that, it removes itself, so a failed report
/// leaves nothing behind.
#[derive(Debug)]
struct Staging {
    parent: PathBuf,
    dir: PathBuf,
    /// Folders above `dir` that did not exist before, the deepest first.
    created: Vec<PathBuf>,
    committed: bool,
}

impl Staging {
    /// Creates the staging folder of the report folder `name` for `scenario` under `root`,
    /// after removing those that runs which no longer exist left behind.
    fn create(root: &Path, scenario: &str, name: &str) -> Result<Staging, ReportError> {
        let parent = root.join(safe_name(scenario));
        let created = missing_folders(&parent);
        fs::create_dir_all(&parent).map_err(io_err(&parent))?;
        remove_stale_staging(&parent);
        let dir = parent.join(format!(".{name}{STAGING_MARK}{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let staging = Staging { parent, dir, created, committed: false };
        fs::create_dir(&staging.dir).map_err(io_err(&staging.dir))?;
        Ok(staging)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> Result<(), ReportError> {
        let path = self.dir.join(name);
        fs::write(&path, bytes).map_err(io_err(&path))
    }

    /// Renames the folder into place as `name`, or with `force` over an existing one, or else
    /// as the next free name.
    fn commit(mut self, name: &str, force: bool) -> Result<PathBuf, ReportError> {
        let target = if force { self.parent.join(name) } else { free_folder(&self.parent, name)? };
        if force && target.exists() {
            fs::remove_dir_all(&target).map_err(io_err(&target))?;
        }
        fs::rename(&self.dir, &target).map_err(io_err(&target))?;
        self.committed = true;
        Ok(target)
    }
}

/// What a staging folder's name holds between the report's name and the process id:
/// `.<name>.tmp-<pid>`.
const STAGING_MARK: &str = ".tmp-";

/// Removes the staging folders in `parent` that a run killed before it could clean up left
/// behind: those whose process is gone. Only where that can be known for sure (Linux's
/// `/proc`); elsewhere they are left alone.
fn remove_stale_staging(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(staging_pid) else { continue };
        if pid != std::process::id() && process_gone(pid) && entry.path().is_dir() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// The process id in a staging folder's name `.<name>.tmp-<pid>`.
fn staging_pid(name: &str) -> Option<u32> {
    let (stem, pid) = name.strip_prefix('.')?.rsplit_once(STAGING_MARK)?;
    if stem.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// Whether no process `pid` runs on this machine, when that can be told for sure.
fn process_gone(pid: u32) -> bool {
    if cfg!(target_os = "linux") && Path::new("/proc/self").exists() {
        !Path::new("/proc").join(pid.to_string()).exists()
    } else {
        false
    }
}

impl Drop for Staging {
    /// Removes an unfinished report, and the folders made for it if nothing else is in them.
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
            for folder in &self.created {
                let _ = fs::remove_dir(folder); // fails, as it should, unless empty
            }
        }
    }
}

/// `folder` and those of its parents that do not exist, the deepest first.
fn missing_folders(folder: &Path) -> Vec<PathBuf> {
    folder
        .ancestors()
        .take_while(|f| !f.as_os_str().is_empty() && !f.exists())
        .map(Path::to_path_buf)
        .collect()
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
    fn staging_folders_are_told_by_name() {
        assert_eq!(staging_pid(".base-seed1.tmp-4242"), Some(4242));
        assert_eq!(staging_pid(".a.tmp-b-seed1.tmp-17"), Some(17));
        assert_eq!(staging_pid("base-seed1.tmp-4242"), None);
        assert_eq!(staging_pid(".base-seed1.tmp-"), None);
        assert_eq!(staging_pid(".base-seed1.tmp-12x"), None);
        assert_eq!(staging_pid("..tmp-12"), None);
    }

    #[test]
    fn names_cannot_escape_the_reports_folder() {
        assert_eq!(safe_name("../etc"), ".._etc");
        assert_eq!(safe_name(".."), "_");
        assert_eq!(safe_name("retry storm/v2"), "retry_storm_v2");
    }
}
