//! A one-line Unicode sparkline, so that the shape of p99 latency over time shows in the
//! terminal without opening the report.

use faultline_engine::human_secs;
use faultline_model::Metrics;

use crate::Series;

const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Widest sparkline the terminal summary prints, in characters.
pub const SPARK_WIDTH: usize = 48;

/// `values` as at most `width` block characters, scaled from zero to the largest value. When
/// there are more values than characters, each character shows the largest value of its share
/// (so a spike is never averaged away). A non-finite value shows as a space: nothing measured.
pub fn sparkline(values: &[f64], width: usize) -> String {
    let n = values.len();
    let width = width.min(n);
    if width == 0 {
        return String::new();
    }
    let buckets: Vec<f64> = (0..width)
        .map(|i| {
            values[i * n / width..(i + 1) * n / width]
                .iter()
                .copied()
                .filter(|v| v.is_finite())
                .fold(f64::NAN, f64::max)
        })
        .collect();
    let top = buckets.iter().copied().fold(0.0, f64::max);
    buckets
        .iter()
        .map(|&v| match v {
            v if !v.is_finite() => ' ',
            _ if top <= 0.0 => LEVELS[0],
            v => LEVELS[((v.max(0.0) / top) * 7.0).round() as usize],
        })
        .collect()
}

/// p99 latency per window as a sparkline with its time span and peak, e.g.
/// `▁▁▂▃▄▅▆▇█  0 → 10min, peak 53.08s`; `None` when nothing completed.
pub fn p99_sparkline(series: &Series) -> Option<String> {
    let windows = series.windows.iter().map(|w| (w.completed, w.latency_p99_s));
    trend(windows, series.window_s)
}

/// [`p99_sparkline`] straight from a run's metrics, without building the whole series.
pub fn p99_sparkline_of(metrics: &Metrics) -> Option<String> {
    let windows = metrics.windows.iter().map(|w| (w.completed, w.latency_p99_s));
    trend(windows, metrics.window().as_secs_f64())
}

/// `(completed, p99 seconds)` per window: a window where nothing completed is a gap.
fn trend(windows: impl Iterator<Item = (u64, f64)>, window_s: f64) -> Option<String> {
    let p99: Vec<f64> = windows.map(|(done, p99)| if done > 0 { p99 } else { f64::NAN }).collect();
    let peak = p99.iter().copied().filter(|v| v.is_finite()).reduce(f64::max)?;
    let span = p99.len() as f64 * window_s;
    Some(format!(
        "{}  0 → {}, peak {}",
        sparkline(&p99, SPARK_WIDTH),
        human_secs(span),
        human_secs(peak)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rises_with_the_values() {
        assert_eq!(sparkline(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], 8), "▁▂▃▄▅▆▇█");
        assert_eq!(sparkline(&[2.0, 2.0], 8), "██");
        assert_eq!(sparkline(&[0.0, 0.0], 8), "▁▁");
        assert_eq!(sparkline(&[], 8), "");
    }

    #[test]
    fn keeps_spikes_when_squeezed() {
        let mut values = vec![1.0; 100];
        values[57] = 10.0;
        let line = sparkline(&values, 10);
        assert_eq!(line.chars().count(), 10);
        assert_eq!(line.chars().filter(|&c| c == '█').count(), 1, "{line}");
    }

    #[test]
    fn gaps_stay_gaps() {
        assert_eq!(sparkline(&[1.0, f64::NAN, 1.0], 3), "█ █");
    }
}
