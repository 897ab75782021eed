//! The report folder `reports/<scenario>/<variant>-seed<N>/`, written atomically: `index.html`,
//! `summary.json`, `series.json`, and each plot as PNG and SVG.
//!
//! Files are written into a hidden temporary folder beside the target and renamed into place in
//! one step, so a crash never leaves half a report. An existing report is never replaced unless
//! asked: the new run gets the next free folder name (`…-seed7-2`, `…-seed7-3`, …).

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use thiserror::Error;

use crate::chart::{CHART_NAMES, Chart};
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

/// Where the files of a report go, one call per file: its name and its bytes.
pub(crate) type Sink<'a> = dyn Fn(&str, &[u8]) -> Result<(), ReportError> + Sync + 'a;

/// One plot file to make: the PNG or the SVG of the chart at an index.
#[derive(Debug, Clone, Copy)]
enum Job {
    Png(usize),
    Svg(usize),
}

/// Which end of the list of plot files a thread takes its next job from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// The busiest PNGs first.
    Front,
    /// The SVGs first, then the lightest PNGs.
    Back,
}

/// A report's charts and the plot files still to make from them, shared by the threads that
/// make them. The list runs from the busiest PNG to the last SVG: helpers take jobs from the
/// front, the thread that also writes the page from the back, until they meet, so that the
/// work splits evenly and whoever finishes last has a short job left. Every file is a pure
/// function of its chart, so its bytes do not depend on which thread made it or when.
#[derive(Debug)]
pub(crate) struct Plots {
    pub(crate) charts: Vec<Chart>,
    jobs: Vec<Job>,
    /// The jobs not taken yet: `jobs[from..to]`.
    left: Mutex<(usize, usize)>,
}

impl Plots {
    pub(crate) fn new(charts: Vec<Chart>) -> Self {
        let mut pngs: Vec<usize> = (0..charts.len()).collect();
        pngs.sort_by_key(|&i| std::cmp::Reverse(ink(&charts[i])));
        let svgs = (0..charts.len()).map(Job::Svg);
        let jobs: Vec<Job> = pngs.into_iter().map(Job::Png).chain(svgs).collect();
        let left = Mutex::new((0, jobs.len()));
        Plots { charts, jobs, left }
    }

    fn take(&self, end: End) -> Option<Job> {
        let mut left = self.left.lock().ok()?;
        let (from, to) = *left;
        if from >= to {
            return None;
        }
        let (taken, rest) = match end {
            End::Front => (from, (from + 1, to)),
            End::Back => (to - 1, (from, to - 1)),
        };
        *left = rest;
        self.jobs.get(taken).copied()
    }

    /// Makes plot files, taking jobs from `end`, until none is left; hands each to `sink`.
    pub(crate) fn make(&self, end: End, sink: &Sink<'_>) -> Result<(), ReportError> {
        let mut canvas: Option<Canvas> = None; // taken when the first PNG comes up
        let made = self.make_with(end, &mut canvas, sink);
        if let Some(canvas) = canvas {
            give_canvas(canvas);
        }
        made
    }

    fn make_with(
        &self,
        end: End,
        canvas: &mut Option<Canvas>,
        sink: &Sink<'_>,
    ) -> Result<(), ReportError> {
        while let Some(job) = self.take(end) {
            match job {
                Job::Png(i) => {
                    let chart = &self.charts[i];
                    let canvas = canvas.get_or_insert_with(take_canvas);
                    sink(&format!("{}.png", chart.name), render_png_with(chart, canvas)?)?;
                }
                Job::Svg(i) => {
                    let chart = &self.charts[i];
                    sink(&format!("{}.svg", chart.name), render_svg(chart)?.as_bytes())?;
                }
            }
        }
        Ok(())
    }
}

/// Roughly how much drawing a chart's PNG takes: the length of its lines in pixels (on a plot
/// area of about 700 × 350), times their stroke width. Jagged lines cost more than smooth ones.
fn ink(chart: &Chart) -> usize {
    let points = || chart.lines.iter().flat_map(|l| l.points.iter().copied().filter(finite));
    let (low, high) =
        points().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| (lo.min(p.0), hi.max(p.0)));
    let x_scale = if high > low { 700.0 / (high - low) } else { 0.0 };
    let y_scale = |right: bool| {
        let lines = chart.lines.iter().filter(|l| l.right == right);
        let top = lines.flat_map(|l| l.points.iter()).fold(0.0, |m: f64, p| m.max(p.1.abs()));
        if top > 0.0 && top.is_finite() { 350.0 / top } else { 0.0 }
    };
    let scales = (y_scale(false), y_scale(true));
    let pixels: f64 = chart
        .lines
        .iter()
        .map(|line| {
            let y_scale = if line.right { scales.1 } else { scales.0 };
            length(&line.points, x_scale, y_scale) * f64::from(line.width.max(1))
        })
        .sum();
    pixels as usize
}

fn finite(p: &(f64, f64)) -> bool {
    p.0.is_finite() && p.1.is_finite()
}

/// The length of a line in pixels along its main direction, for the given scales.
fn length(points: &[(f64, f64)], x_scale: f64, y_scale: f64) -> f64 {
    let step = |a: (f64, f64), b: (f64, f64)| {
        ((b.0 - a.0) * x_scale).abs().max(((b.1 - a.1) * y_scale).abs())
    };
    points.windows(2).filter(|w| finite(&w[0]) && finite(&w[1])).map(|w| step(w[0], w[1])).sum()
}

/// The page and the JSON files.
pub(crate) fn make_text(
    summary: &Summary,
    series: &Series,
    charts: &[Chart],
    sink: &Sink<'_>,
) -> Result<(), ReportError> {
    sink("index.html", render_html(summary, charts).as_bytes())?;
    sink("summary.json", summary.to_json().as_bytes())?;
    sink("series.json", series.to_json().as_bytes())
}

/// The names of every file of a run's report folder.
pub(crate) fn report_files() -> Vec<String> {
    let mut names: Vec<String> =
        ["index.html", "summary.json", "series.json"].map(String::from).into();
    for chart in CHART_NAMES {
        names.extend([format!("{chart}.png"), format!("{chart}.svg")]);
    }
    names
}

/// Hands each file of the report to `sink` as soon as it is ready, made by as many threads as
/// there are cores (at most four).
fn emit(summary: &Summary, series: &Series, sink: &Sink<'_>) -> Result<(), ReportError> {
    let plots = Plots::new(charts(summary, series));
    with_helpers(&plots, sink, report_threads() - 1, || {
        make_text(summary, series, &plots.charts, sink).and(plots.make(End::Back, sink))
    })
}

/// Runs `own` on this thread while `extra` more threads make plots from the front of the list;
/// the first error of any of them, if one failed.
pub(crate) fn with_helpers(
    plots: &Plots,
    sink: &Sink<'_>,
    extra: usize,
    own: impl FnOnce() -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    thread::scope(|scope| {
        let helpers: Vec<_> =
            (0..extra).map(|_| scope.spawn(|| plots.make(End::Front, sink))).collect();
        let mut result = own();
        for helper in helpers {
            result = result.and(helper.join().expect("drawing a plot does not panic"));
        }
        result
    })
}

/// Threads that make a report's files: one per core, at most four.
pub(crate) fn report_threads() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4)
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
    let staging = Staging::create(root, &summary.scenario, &name, &report_files())?;
    emit(summary, series, &|file, bytes| staging.write(file, bytes))?;
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
    let staging = Staging::create(root, &sweep.scenario, &name, &[])?;
    staging.write("vary.json", sweep.to_json().as_bytes())?;
    staging.write("vary.svg", render_svg(&chart)?.as_bytes())?;
    staging.write("vary.png", &render_png(&chart)?)?;
    staging.commit(&name, force)
}

/// A report folder being filled: a hidden folder beside its final place, holding the files
/// named up front from the start, renamed into place once everything is written. Dropped
/// before that, it removes itself, so a failed report leaves nothing behind.
#[derive(Debug)]
pub(crate) struct Staging {
    parent: PathBuf,
    dir: PathBuf,
    /// Folders above `dir` that did not exist before, the deepest first.
    created: Vec<PathBuf>,
    /// Files created up front, and whether each has been written.
    files: Vec<(String, File, AtomicBool)>,
    committed: bool,
}

impl Staging {
    /// Creates the staging folder of the report folder `name` for `scenario` under `root`,
    /// with the (empty) files `names` in it.
    pub(crate) fn create(
        root: &Path,
        scenario: &str,
        name: &str,
        names: &[String],
    ) -> Result<Staging, ReportError> {
        let parent = root.join(safe_name(scenario));
        let created = missing_folders(&parent);
        fs::create_dir_all(&parent).map_err(io_err(&parent))?;
        let dir = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let mut staging = Staging { parent, dir, created, files: Vec::new(), committed: false };
        fs::create_dir(&staging.dir).map_err(io_err(&staging.dir))?;
        for name in names {
            let file = File::create(staging.dir.join(name)).map_err(io_err(&staging.dir))?;
            staging.files.push((name.clone(), file, AtomicBool::new(false)));
        }
        Ok(staging)
    }

    /// Writes the file `name`; one not created up front is created now.
    pub(crate) fn write(&self, name: &str, bytes: &[u8]) -> Result<(), ReportError> {
        let written = match self.files.iter().find(|(n, _, _)| n == name) {
            Some((_, file, done)) => {
                done.store(true, Ordering::Relaxed);
                (&mut &*file).write_all(bytes)
            }
            None => fs::write(self.dir.join(name), bytes),
        };
        written.map_err(io_err(&self.dir))
    }

    /// Renames the folder into place as `name`, or with `force` over an existing one, or else
    /// as the next free name.
    pub(crate) fn commit(mut self, name: &str, force: bool) -> Result<PathBuf, ReportError> {
        for (name, file, done) in self.files.drain(..) {
            drop(file);
            if !done.into_inner() {
                fs::remove_file(self.dir.join(&name)).map_err(io_err(&self.dir))?;
            }
        }
        let target = if force { self.parent.join(name) } else { free_folder(&self.parent, name)? };
        if force && target.exists() {
            fs::remove_dir_all(&target).map_err(io_err(&target))?;
        }
        fs::rename(&self.dir, &target).map_err(io_err(&target))?;
        self.committed = true;
        Ok(target)
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
    fn names_cannot_escape_the_reports_folder() {
        assert_eq!(safe_name("../etc"), ".._etc");
        assert_eq!(safe_name(".."), "_");
        assert_eq!(safe_name("retry storm/v2"), "retry_storm_v2");
    }
}
