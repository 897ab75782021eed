//! Reports: the run summary as text and JSON, the time series, and the report folder on disk.
//!
//! Built only from a finished run's outcome; nothing here influences a run.

mod folder;
mod summary;
mod text;
mod vary;

pub use folder::{ReportError, write_report};
pub use summary::{
    Band, InvariantSummary, LatencyStats, LittlesLaw, Requests, Series, ServiceSummary, Summary,
    WaitStats,
};
pub use text::render_text;
pub use vary::{VaryPoint, VaryReport};
