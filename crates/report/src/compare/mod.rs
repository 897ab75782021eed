//! `faultline compare`: variants of one scenario run on the same seeds (common random numbers),
//! set side by side with their differences (text, JSON) and on a page of overlaid plots.
//!
//! Nothing here runs a simulation: the command line runs the seeds and hands each run's
//! summary and series to [`Figures::of_run`] and its outcome to a sweep's tally.

mod figures;
mod page;
mod report;

pub use figures::{FIGURES, Figures, Kind};
pub use page::render_compare_html;
pub use report::{
    CompareReport, CompareVariant, Difference, SeedFigures, VariantDifference, ViolationDifference,
};
