//! `run --trace FILE` and `run --events FILE`: which files to write, refused before the run
//! when they exist (unless `--force`), and each written atomically after it.
//!
//! Must never hold simulation logic: the events come from `faultline_report::trace`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use faultline_report::trace::{Export, TraceOptions};

use crate::args::RunArgs;

/// What `run` was asked to export.
#[derive(Debug)]
pub struct ExportRequest {
    pub trace: Option<PathBuf>,
    pub events: Option<PathBuf>,
    pub options: TraceOptions,
}

/// The export asked for, if any; `Err` holds the words for a request that cannot be honoured.
pub fn request(args: &RunArgs) -> Result<Option<ExportRequest>, String> {
    let bounded = args.trace_window.is_some() || args.trace_sample.is_some();
    if args.trace.is_none() && args.events.is_none() {
        if bounded {
            return Err("--trace-window and --trace-sample bound an export: add --trace FILE or --events FILE".into());
        }
        return Ok(None);
    }
    for path in args.trace.iter().chain(&args.events) {
        if path.exists() && !args.force {
            return Err(format!(
                "{}: the file exists; choose another name, or add --force to replace it",
                path.display()
            ));
        }
    }
    if args.trace.is_some() && args.trace == args.events {
        return Err("--trace and --events name the same file; give each its own".into());
    }
    let options =
        TraceOptions { window: args.trace_window, sample: args.trace_sample.unwrap_or(1) };
    Ok(Some(ExportRequest { trace: args.trace.clone(), events: args.events.clone(), options }))
}

/// Writes the files asked for and says where they went (on `err`, so that `--format json`
/// keeps standard output to the summary).
pub fn write(request: &ExportRequest, export: &Export, err: &mut dyn Write) -> Result<()> {
    if let Some(path) = &request.trace {
        write_atomically(path, |out| export.write_chrome_json(out))?;
        writeln!(err, "trace       {} ({} events)", path.display(), export.events.len())?;
    }
    if let Some(path) = &request.events {
        write_atomically(path, |out| export.write_json_lines(out))?;
        writeln!(err, "events      {} ({} lines)", path.display(), export.events.len())?;
    }
    Ok(())
}

/// A temporary file beside `path`, renamed into place: a reader never sees half a file.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let mut staging = path.as_os_str().to_owned();
    staging.push(format!(".tmp-{}", std::process::id()));
    let staging = PathBuf::from(staging);
    let written = File::create(&staging).and_then(|file| {
        let mut out = BufWriter::new(file);
        write(&mut out)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&staging);
        return Err(e).with_context(|| format!("writing {}", staging.display()));
    }
    std::fs::rename(&staging, path).with_context(|| format!("moving {} into place", path.display()))
}
