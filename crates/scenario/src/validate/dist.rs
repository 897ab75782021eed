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

#[cfg(test)]
mod tests {
    use super::super::testing::{check, raw};
    use super::*;

    fn dist(text: &str) -> (Option<Dist>, Vec<String>) {
        let raw: DistRaw = raw(text);
        check(|c| check_dist(c, &["d"], &raw))
    }

    #[test]
    fn each_distribution_becomes_its_config_in_seconds() {
        assert_eq!(dist(r#"Const("10ms")"#).0, Some(Dist::Const { secs: 0.01 }));
        assert_eq!(dist(r#"Exp(mean: "20ms")"#).0, Some(Dist::Exp { mean: 0.02 }));
        let uniform = Dist::Uniform { min: 0.001, max: 0.003 };
        assert_eq!(dist(r#"Uniform(min: "1ms", max: "3ms")"#).0, Some(uniform));
        let log_normal = Dist::log_normal(0.01, 0.05);
        assert_eq!(dist(r#"LogNormal(median: "10ms", p99: "50ms")"#).0, Some(log_normal));
        let pareto = Dist::Pareto { scale: 0.001, shape: 1.5 };
        assert_eq!(dist(r#"Pareto(scale: "1ms", shape: 1.5)"#).0, Some(pareto));
    }

    #[test]
    fn a_constant_is_refused_at_its_own_path_and_a_zero_mean_at_the_mean() {
        let (value, said) = dist(r#"Const("-1ms")"#);
        assert_eq!((value, said.len()), (None, 1));
        assert!(said[0].starts_with("d: duration \"-1ms\" is negative"), "{said:?}");
        assert_eq!(
            dist(r#"Exp(mean: "0s")"#),
            (None, vec!["d.mean: `d.mean` must be longer than zero".into()])
        );
    }

    #[test]
    fn a_uniform_max_below_its_min_is_refused_at_max() {
        let said = vec!["d.max: Uniform max (1ms) is below min (3ms)".to_string()];
        assert_eq!(dist(r#"Uniform(min: "3ms", max: "1ms")"#), (None, said));
        assert!(dist(r#"Uniform(min: "3ms", max: "3ms")"#).0.is_some());
    }

    #[test]
    fn a_log_normal_p99_must_be_above_a_median_above_zero() {
        let said = vec!["d.p99: LogNormal p99 (10ms) must be above the median (10ms)".to_string()];
        assert_eq!(dist(r#"LogNormal(median: "10ms", p99: "10ms")"#), (None, said));
        let said = vec!["d.median: `d.median` must be longer than zero".to_string()];
        assert_eq!(dist(r#"LogNormal(median: "0s", p99: "1ms")"#), (None, said));
    }

    #[test]
    fn a_pareto_needs_a_scale_and_shape_above_zero() {
        let (value, said) = dist(r#"Pareto(scale: "0s", shape: 0.0)"#);
        assert_eq!(value, None);
        assert_eq!(
            said,
            [
                "d.scale: `d.scale` must be longer than zero",
                "d.shape: Pareto shape is 0; it must be above zero",
            ]
        );
    }
}
