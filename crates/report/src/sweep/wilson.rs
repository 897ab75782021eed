//! The 95 % Wilson score interval of a proportion: honest near 0 and 1, where the normal
//! approximation gives intervals below zero or of zero width. Pure arithmetic; no state.

/// z for a two-sided 95 % interval.
const Z95: f64 = 1.959_963_984_540_054;

/// The 95 % Wilson score interval for `successes` out of `trials`; `None` without trials.
pub fn wilson_95(successes: u64, trials: u64) -> Option<(f64, f64)> {
    if trials == 0 {
        return None;
    }
    let (n, z2) = (trials as f64, Z95 * Z95);
    let p = successes as f64 / n;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    // At 0 and at n the bound is exactly 0 (or 1); rounding would leave 1e-17 on the wrong side.
    let low = if successes == 0 { 0.0 } else { centre - half };
    let high = if successes == trials { 1.0 } else { centre + half };
    Some((low, high))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: (f64, f64), want: (f64, f64)) {
        let ok = (got.0 - want.0).abs() < 5e-5 && (got.1 - want.1).abs() < 5e-5;
        assert!(ok, "got {got:?}, want {want:?}");
    }

    #[test]
    fn matches_hand_computed_intervals() {
        // 3/10: p = 0.3, z²/n = 0.38415; centre (0.3 + 0.19207) / 1.38415 = 0.35550,
        // half 1.95996 × √(0.021 + 0.0096037) / 1.38415 = 0.24772.
        close(wilson_95(3, 10).unwrap(), (0.1078, 0.6032));
        // 0/20: [0, z²/(n + z²)] = [0, 3.84146 / 23.84146].
        close(wilson_95(0, 20).unwrap(), (0.0, 0.16113));
        assert_eq!(wilson_95(0, 12).unwrap().0, 0.0, "exactly zero, not a rounding above it");
        assert_eq!(wilson_95(12, 12).unwrap().1, 1.0);
        // 20/20 mirrors it.
        close(wilson_95(20, 20).unwrap(), (0.83887, 1.0));
        // 50/100: centre 0.5, half 1.95996 × √(0.0025 + 0.0000960) / 1.0384146 = 0.096170.
        close(wilson_95(50, 100).unwrap(), (0.40383, 0.59617));
    }

    #[test]
    fn no_trials_no_interval() {
        assert_eq!(wilson_95(0, 0), None);
    }
}
