//! A node's clock: its wall-clock reading, its offset from true time, the true delay of a
//! timer it sets, and the instants where its offset jumps.

use faultline_engine::{RngStreams, SimDuration, SimTime};

use super::ClockConfig;
use super::sync::Syncs;

/// A node's local clock. [`Clock::TRUE_TIME`] reads true time and costs one branch per read.
#[derive(Clone, Debug, Default)]
pub(crate) struct Clock {
    skewed: Option<Box<Skewed>>,
}

/// An instant where a clock's offset jumps (a step, a sync, or both at once): `before` is the
/// offset just before `at`, `after` the offset at `at`, both local − true in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ClockJump {
    pub at: SimTime,
    pub before: i64,
    pub after: i64,
}

impl Clock {
    /// The clock of a node without one: it reads true time.
    pub const TRUE_TIME: Clock = Clock { skewed: None };

    /// The clock `config` describes for the node named `node`; a configuration that never moves
    /// the clock gives [`Clock::TRUE_TIME`]. Its syncs draw from `clock/<node>/sync`.
    pub fn new(config: &ClockConfig, node: &str, streams: &RngStreams) -> Clock {
        assert!(
            (-1e6..=1e6).contains(&config.drift_ppm),
            "clock of {node}: drift of {} ppm is outside ±1,000,000",
            config.drift_ppm
        );
        if config.is_true_time() {
            return Clock::TRUE_TIME;
        }
        Clock { skewed: Some(Box::new(Skewed::new(config, node, streams))) }
    }

    /// Whether this clock reads true time (nothing to compute, nothing to draw).
    pub fn is_true_time(&self) -> bool {
        self.skewed.is_none()
    }

    /// What the clock reads at true time `now`, in nanoseconds; before zero when the clock is
    /// far enough behind. Wall-clock time: it sees steps and syncs.
    #[inline]
    pub fn local_at(&mut self, now: SimTime) -> i64 {
        let now = now.as_nanos();
        let error = self.skewed.as_deref_mut().map_or(0, |skewed| skewed.error(now, false));
        saturate(i128::from(now) + error)
    }

    /// Local minus true time at true time `now`, in nanoseconds.
    #[inline]
    pub fn offset_at(&mut self, now: SimTime) -> i64 {
        self.skewed.as_deref_mut().map_or(0, |skewed| saturate(skewed.error(now.as_nanos(), false)))
    }

    /// How long in true time a timer set at `now` for `local` on this clock takes to fire.
    ///
    /// Timers run on the clock's monotonic rate, as an OS timer on a monotonic clock does: the
    /// drift alone sets it, steps and syncs (before, during or after the timer) never move it,
    /// so `now` does not change the answer. `local / (1 + drift)` is computed as
    /// `local − local · ppm / (10⁶ + ppm)`, the second term in `f64` rounded once to the nearest
    /// nanosecond. A stopped clock (−1,000,000 ppm) never fires: [`SimDuration::MAX`].
    #[inline]
    pub fn true_delay(&self, _now: SimTime, local: SimDuration) -> SimDuration {
        match &self.skewed {
            None => local,
            Some(skewed) => timer_delay(skewed.drift_ppm, local),
        }
    }

    /// The instants in (0, `until`] where the offset jumps, in order: every step and every sync.
    /// Between two of them (and from zero, starting at `offset_at(ZERO)`) the offset moves at the
    /// drift's slope, `drift_ppm · 10⁻⁶` per true nanosecond, so these points and the drift draw
    /// the offset exactly (to the nanosecond of rounding). One entry per sync: `until / every`.
    pub fn jumps(&mut self, until: SimTime) -> impl Iterator<Item = ClockJump> + '_ {
        self.skewed.as_deref_mut().into_iter().flat_map(move |skewed| skewed.jumps(until))
    }
}

/// A clock that does not read true time.
#[derive(Clone, Debug)]
struct Skewed {
    offset: i64,
    drift_ppm: f64,
    /// The instants of the steps, in nanoseconds, sorted.
    step_at: Vec<u64>,
    /// `step_sum[i]`: the sum of the first `i` steps in time order (`step_sum[0] = 0`).
    step_sum: Vec<i128>,
    syncs: Option<Syncs>,
    /// The stretch between two syncs read last.
    segment: Segment,
}

/// The true instants [`start`, `end`) between two syncs (without syncs, all of time), and the
/// error at `start` before any step there: the offset for the first, a sync's draw after.
#[derive(Clone, Copy, Debug)]
struct Segment {
    start: u64,
    end: u64,
    base: i128,
}

impl Skewed {
    fn new(config: &ClockConfig, node: &str, streams: &RngStreams) -> Self {
        let mut steps = config.steps.clone();
        steps.sort_by_key(|step| step.at);
        let mut step_sum = Vec::with_capacity(steps.len() + 1);
        step_sum.push(0);
        for step in &steps {
            step_sum.push(step_sum[step_sum.len() - 1] + i128::from(step.by));
        }
        let syncs = config.sync.as_ref().map(|sync| Syncs::new(sync, node, streams));
        let end = syncs.as_ref().map_or(u64::MAX, |syncs| syncs.every);
        Skewed {
            offset: config.offset,
            drift_ppm: config.drift_ppm,
            step_at: steps.iter().map(|step| step.at.as_nanos()).collect(),
            step_sum,
            syncs,
            segment: Segment { start: 0, end, base: i128::from(config.offset) },
        }
    }

    /// The segment holding instant `t`, drawing its sync's error if it is not the last one read.
    fn enter(&mut self, t: u64) -> Segment {
        let segment = self.segment;
        if segment.start <= t && t < segment.end {
            return segment;
        }
        // Without syncs the one segment holds every instant (`t == u64::MAX` included).
        let Some(syncs) = &mut self.syncs else { return segment };
        let k = t / syncs.every;
        let start = k * syncs.every;
        let base = match k {
            0 => i128::from(self.offset),
            k => i128::from(syncs.error_after(k)),
        };
        self.segment = Segment { start, end: start.saturating_add(syncs.every), base };
        self.segment
    }

    /// The error (local − true, ns) at true instant `t`: the error at the start of its segment,
    /// plus the drift since then, plus the steps in the segment up to `t`. With `left`, its limit
    /// from the left: before any step or sync at `t` (for `t > 0`).
    fn error(&mut self, t: u64, left: bool) -> i128 {
        let segment = self.enter(if left { t.saturating_sub(1) } else { t });
        let to = self.step_at.partition_point(|&at| if left { at < t } else { at <= t });
        let from = match segment.start {
            0 => 0,
            start => self.step_at.partition_point(|&at| at < start),
        };
        segment.base + drift(self.drift_ppm, t - segment.start) + self.step_sum[to]
            - self.step_sum[from]
    }

    fn jumps(&mut self, until: SimTime) -> impl Iterator<Item = ClockJump> + '_ {
        let until = until.as_nanos();
        // A step at zero is part of where the clock starts, not a jump.
        let mut next_step = self.step_at.partition_point(|&at| at == 0);
        let mut next_sync = 1u64;
        std::iter::from_fn(move || {
            let step = self.step_at.get(next_step).copied();
            let sync = self.syncs.as_ref().and_then(|syncs| next_sync.checked_mul(syncs.every));
            let at = match (step, sync) {
                (Some(step), Some(sync)) => step.min(sync),
                (step, sync) => step.or(sync)?,
            };
            if at > until {
                return None;
            }
            while self.step_at.get(next_step) == Some(&at) {
                next_step += 1;
            }
            if sync == Some(at) {
                next_sync += 1;
            }
            let before = saturate(self.error(at, true));
            let after = saturate(self.error(at, false));
            Some(ClockJump { at: SimTime::from_nanos(at), before, after })
        })
    }
}

/// What a clock `drift_ppm` fast gains over `elapsed` true nanoseconds: `ppm · elapsed / 10⁶`
/// in `f64` (each operation correctly rounded, so within a few parts in 10¹⁶ of the exact
/// value), rounded once to the nearest nanosecond, halves away from zero. Exact whenever the
/// exact value is an integer below 2⁵³, as `50 ppm · 1,000 s = 50 ms` is. At most `elapsed`
/// itself, so nothing overflows: 10⁴ s at 10⁶ ppm is 10¹³ ns.
fn drift(drift_ppm: f64, elapsed: u64) -> i128 {
    if drift_ppm == 0.0 {
        return 0;
    }
    (drift_ppm * elapsed as f64 / 1e6).round() as i128
}

/// The true delay of a timer for `local` on a clock `drift_ppm` fast (see [`Clock::true_delay`]).
fn timer_delay(drift_ppm: f64, local: SimDuration) -> SimDuration {
    let rate = 1e6 + drift_ppm;
    if drift_ppm == 0.0 || local.is_zero() {
        return local;
    }
    if rate <= 0.0 {
        return SimDuration::MAX;
    }
    let local = local.as_nanos();
    let gained = (local as f64 * drift_ppm / rate).round() as i128;
    let delay = (i128::from(local) - gained).clamp(0, i128::from(u64::MAX));
    SimDuration::from_nanos(delay as u64)
}

/// `value` clamped into `i64`.
fn saturate(value: i128) -> i64 {
    value.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}
