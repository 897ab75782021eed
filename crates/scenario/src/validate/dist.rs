//! Distributions of time (`Const`, `Exp`, `Uniform`, `LogNormal`, `Pareto`) for work steps;
//! never accepts one whose parameters give no valid distribution (a zero mean, a p99 not above
//! the median, max below min, a shape that is not above zero).

use faultline_model::Dist;

use crate::raw::DistRaw;

use super::Checker;

/// The distribution at path `at`, in seconds.
pub(super) fn check_dist(c: &mut Checker, at: &[&str], raw: &DistRaw) -> Option<Dist> {
    let field = |f: &'static str| [at, &[f]].concat();
    match raw {
        DistRaw::Const(value) => {
            let d = c.duration(at, value)?;
            Some(Dist::Const { secs: d.as_secs_f64() })
        }
        DistRaw::Exp { mean } => {
            let mean = c.positive_duration(&field("mean"), mean)?;
            Some(Dist::Exp { mean: mean.as_secs_f64() })
        }
        DistRaw::Uniform { min, max } => check_uniform(c, at, min, max),
        DistRaw::LogNormal { median, p99 } => check_log_normal(c, at, median, p99),
        DistRaw::Pareto { scale, shape } => {
            let scale = c.positive_duration(&field("scale"), scale);
            if !(shape.is_finite() && *shape > 0.0) {
                c.report(
                    &field("shape"),
                    format!("Pareto shape is {shape}; it must be above zero"),
                    None,
                );
                return None;
            }
            Some(Dist::Pareto { scale: scale?.as_secs_f64(), shape: *shape })
        }
    }
}

/// `Uniform(min: ..., max: ...)`: max not below min.
fn check_uniform(c: &mut Checker, at: &[&str], min: &str, max: &str) -> Option<Dist> {
    let field = |f: &'static str| [at, &[f]].concat();
    let (lo, hi) = (c.duration(&field("min"), min), c.duration(&field("max"), max));
    let (lo, hi) = (lo?, hi?);
    if lo > hi {
        c.report(&field("max"), format!("Uniform max ({hi}) is below min ({lo})"), None);
        return None;
    }
    Some(Dist::Uniform { min: lo.as_secs_f64(), max: hi.as_secs_f64() })
}

/// `LogNormal(median: ..., p99: ...)`: the p99 above the median, which is above zero.
fn check_log_normal(c: &mut Checker, at: &[&str], median: &str, p99: &str) -> Option<Dist> {
    let field = |f: &'static str| [at, &[f]].concat();
    let (m, p) = (c.positive_duration(&field("median"), median), c.duration(&field("p99"), p99));
    let (m, p) = (m?, p?);
    if p <= m {
        c.report(
            &field("p99"),
            format!("LogNormal p99 ({p}) must be above the median ({m})"),
            None,
        );
        return None;
    }
    Some(Dist::log_normal(m.as_secs_f64(), p.as_secs_f64()))
}
