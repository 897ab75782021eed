//! Reports: the run summary as text and JSON, the time series, plots, and the report folder on
//! disk.
//!
//! Built only from a finished run's outcome; nothing here influences a run.

mod analytic;
pub mod chart;
mod clock;
pub mod compare;
mod database;
mod explain;
mod folder;
mod html;
mod messaging;
mod network;
pub mod plot;
mod register;
mod replay;
mod spark;
mod summary;
pub mod sweep;
mod text;
pub mod trace;
mod vary;

pub use analytic::{AnalyticSummary, QueueFigures, analytic_summaries, erlang_c};
pub use chart::{Chart, charts, compare_charts, vary_chart};
pub use clock::{CLOCKS, ClockSummary, clock_chart};
pub use database::{DatabaseSummary, REPLICA_LAG, ReplicaLag, Staleness, replica_lag_chart};
pub use explain::{Witness, explain};
pub use folder::{
    ReportError, ReportFile, render_report, write_compare_report, write_report, write_vary_report,
};
pub use html::render_html;
pub use messaging::{SubscriptionDepths, SubscriptionSummary};
pub use network::{LinkSummary, NetworkSummary};
pub use plot::{PlotError, render_png, render_svg};
pub use register::{LeaderSummary, RegisterSummary};
pub use replay::{render_replay, render_summary_difference};
pub use spark::{p99_sparkline, p99_sparkline_of, sparkline};
pub use summary::{
    Band, BandKind, CalendarSummary, Failures, InvariantSummary, LatencyStats, LittlesLaw,
    QueueBound, Requests, Series, SeriesWindow, ServiceSummary, SloLine, Summary, TokenSummary,
    WaitStats,
};
pub use text::{render_text, render_text_with_trend, thousands};
pub use vary::{VaryPoint, VaryReport};
