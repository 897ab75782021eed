//! The report folder `reports/<scenario>/<variant>-seed<N>/`, written atomically: `index.html`,
//! `summary.json`, `series.json`, and each plot as PNG and SVG.
//!
//! Files are written into a hidden temporary folder beside the target and renamed into place in
//! one step, so a crash never leaves half a report. An existing report is never replaced unless
//! asked: the new run gets the next free folder name (`…-seed7-2`, `…-seed7-3`, …).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use thiserror::Error;

use crate::chart::Chart;
use crate::plot::{
    Canvas, PlotError, give_canvas, render_png, render_png_with, render_svg, take_canvas,
};
use crate::{Series, Summary, VaryReport, charts, render_html, vary_chart};

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
    let files = Mutex::new(Vec::new());
    emit(summary, series, &|name, bytes| {
        let file = ReportFile { name: name.to_string(), bytes: bytes.to_vec() };
        files.lock().expect("no writer panics").push(file);
        Ok(())
    })?;
    let mut files = files.into_inner().expect("no writer panics");
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

/// Where [`emit`] hands each file: its name and its bytes.
type Sink<'a> = dyn Fn(&str, &[u8]) -> Result<(), ReportError> + Sync + 'a;

/// One piece of work in writing a report.
enum Job<'a> {
    Png(&'a Chart),
    Svg(&'a Chart),
    /// The page (showing these charts) and the JSON files.
    Text(&'a [Chart]),
}

/// Hands each file of the report to `sink` as soon as it is ready. The files are made by as
/// many threads as there are cores (at most four), each taking the next job from a shared
/// list; every file is a pure function of the run, so its bytes do not depend on which thread
/// made it or when.
fn emit(summary: &Summary, series: &Series, sink: &Sink<'_>) -> Result<(), ReportError> {
    let charts = charts(summary, series);
    let mut jobs: Vec<Job<'_>> = charts.iter().map(Job::Png).collect();
    jobs.extend(charts.iter().map(Job::Svg));
    jobs.push(Job::Text(&charts));
    let next = AtomicUsize::new(0);
    let work = || -> Result<(), ReportError> {
        let mut canvas = take_canvas(); // reused from one PNG to the next
        let made = make(&jobs, &next, &mut canvas, summary, series, sink);
        give_canvas(canvas);
        made
    };
    thread::scope(|scope| {
        let helpers: Vec<_> = (1..report_threads()).map(|_| scope.spawn(work)).collect();
        let mut result = work();
        for helper in helpers {
            result = result.and(helper.join().expect("drawing a plot does not panic"));
        }
        result
    })
}

/// Makes files until no job is left, taking the next job from `jobs` each time.
fn make(
    jobs: &[Job<'_>],
    next: &AtomicUsize,
    canvas: &mut Canvas,
    summary: &Summary,
    series: &Series,
    sink: &Sink<'_>,
) -> Result<(), ReportError> {
    while let Some(job) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
        match job {
            Job::Png(chart) => {
                sink(&format!("{}.png", chart.name), render_png_with(chart, canvas)?)?
            }
            Job::Svg(chart) => sink(&format!("{}.svg", chart.name), render_svg(chart)?.as_bytes())?,
            Job::Text(charts) => {
                sink("index.html", render_html(summary, charts).as_bytes())?;
                sink("summary.json", summary.to_json().as_bytes())?;
                sink("series.json", series.to_json().as_bytes())?;
            }
        }
    }
    Ok(())
}

/// Threads that make a report's files: one per core, at most four.
fn report_threads() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4)
}

/// Writes the report folder (see [`render_report`]) under `root` and returns the folder used.
/// With `force`, an existing folder of the same name is replaced.
pub fn write_report(
    root: &Path,
    summary: &Summary,
    series: &Series,
    force: bool,
) -> Result<PathBuf, ReportError> {
    let name =
        format!("{}-seed{}", safe_name(summary.variant.as_deref().unwrap_or("base")), summary.seed);
    write_folder(root, &summary.scenario, &name, force, &|sink| emit(summary, series, sink))
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
    write_folder(root, &sweep.scenario, &name, force, &|sink| {
        sink("vary.json", sweep.to_json().as_bytes())?;
        sink("vary.svg", render_svg(&chart)?.as_bytes())?;
        sink("vary.png", &render_png(&chart)?)
    })
}

/// Writes files into a staging folder beside the target, then renames it into place.
fn write_folder(
    root: &Path,
    scenario: &str,
    name: &str,
    force: bool,
    fill: &dyn Fn(&Sink<'_>) -> Result<(), ReportError>,
) -> Result<PathBuf, ReportError> {
    let parent = root.join(safe_name(scenario));
    fs::create_dir_all(&parent).map_err(io_err(&parent))?;
    let target = if force { parent.join(name) } else { free_folder(&parent, name)? };
    let staging = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir(&staging).map_err(io_err(&staging))?;
    let written =
        fill(&|file, bytes| fs::write(staging.join(file), bytes).map_err(io_err(&staging)));
    if let Err(e) = written {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
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
