//! What a plot shows, independent of how it is drawn: a [`Chart`] is a title, two (or three)
//! axes with units, lines, shaded bands and reference rules. [`crate::plot`] draws any chart to
//! PNG and SVG, so a new mechanism (replica staleness, clock offsets, DLQ depth) adds a line or
//! a band here, never a new kind of plot.
//!
//! Values are stored in the units the axis shows (milliseconds, minutes, …): the builders below
//! pick a unit from the data so that tick labels stay short.

use faultline_engine::human_secs;

use crate::clock::clock_chart;
use crate::{BandKind, Series, SeriesWindow, Summary, VaryPoint, VaryReport};

/// An RGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// Line colours, in the order lines get them when they do not choose one (Okabe–Ito, readable
/// with the common colour-vision deficiencies).
pub const PALETTE: [Rgb; 7] = [
    Rgb(0, 114, 178),   // blue
    Rgb(230, 159, 0),   // orange
    Rgb(0, 158, 115),   // green
    Rgb(204, 121, 167), // purple
    Rgb(86, 180, 233),  // sky blue
    Rgb(213, 94, 0),    // vermilion
    Rgb(80, 80, 80),    // grey
];

/// The colour of a band: chosen by what it marks, never by its label.
pub fn band_colour(kind: BandKind) -> Rgb {
    match kind {
        BandKind::WarmUp => Rgb(150, 150, 150),
        BandKind::LoadChange => Rgb(221, 170, 51),
        BandKind::Fault => Rgb(170, 68, 153),
        BandKind::BreakerOpen => Rgb(86, 180, 233),
        BandKind::NoSuccess => Rgb(214, 39, 40),
    }
}

/// The colour of objectives and violations.
pub const SLO_COLOUR: Rgb = Rgb(200, 0, 0);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    Linear,
    Log,
}

/// One axis: what it measures, in which unit, on which scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub label: String,
    pub unit: String,
    pub scale: Scale,
    /// Fixed bounds; `None` fits the data (from zero on a linear axis).
    pub range: Option<(f64, f64)>,
}

impl Axis {
    pub fn linear(label: &str, unit: &str) -> Self {
        Axis { label: label.into(), unit: unit.into(), scale: Scale::Linear, range: None }
    }

    pub fn log(label: &str, unit: &str) -> Self {
        Axis { scale: Scale::Log, ..Axis::linear(label, unit) }
    }

    pub fn with_range(mut self, low: f64, high: f64) -> Self {
        self.range = Some((low, high));
        self
    }

    /// `latency (ms)`, or `latency (ms, log scale)`.
    pub fn title(&self) -> String {
        match (self.unit.is_empty(), self.scale) {
            (true, Scale::Linear) => self.label.clone(),
            (true, Scale::Log) => format!("{} (log scale)", self.label),
            (false, Scale::Linear) => format!("{} ({})", self.label, self.unit),
            (false, Scale::Log) => format!("{} ({}, log scale)", self.label, self.unit),
        }
    }
}

/// A data series. A non-finite `y` (or `x`) breaks the line: nothing is known there.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    /// `None` takes the next colour of [`PALETTE`].
    pub colour: Option<Rgb>,
    /// Stroke width in pixels.
    pub width: u32,
    /// Plotted against the right-hand axis (`Chart::y2`).
    pub right: bool,
}

impl Line {
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Line { label: label.into(), points, colour: None, width: 2, right: false }
    }

    pub fn colour(mut self, colour: Rgb) -> Self {
        self.colour = Some(colour);
        self
    }

    pub fn width(mut self, width: u32) -> Self {
        self.width = width;
        self
    }

    pub fn on_right_axis(mut self) -> Self {
        self.right = true;
        self
    }

    /// Whether any point can be drawn.
    pub fn has_data(&self) -> bool {
        self.points.iter().any(|(x, y)| x.is_finite() && y.is_finite())
    }
}

/// A shaded stretch of the x axis (a warm-up, a load spike, a fault, an open breaker),
/// labelled above the plot.
#[derive(Debug, Clone, PartialEq)]
pub struct Shade {
    pub kind: BandKind,
    pub label: String,
    pub start: f64,
    pub end: f64,
}

impl Shade {
    /// The shade's colour, from its kind.
    pub fn colour(&self) -> Rgb {
        band_colour(self.kind)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A horizontal line at a `y` value (an objective on a latency axis).
    Horizontal,
    /// A vertical line at an `x` value (a first violation, an objective on a CDF).
    Vertical,
}

/// A dashed reference line; labelled rules appear in the legend.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub label: Option<String>,
    pub direction: Direction,
    pub at: f64,
    pub colour: Rgb,
}

/// Everything one plot shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// File stem: `latency` gives `latency.png` and `latency.svg`.
    pub name: String,
    pub title: String,
    pub x: Axis,
    pub y: Axis,
    /// A right-hand axis for lines with `right` set (two quantities against one parameter).
    pub y2: Option<Axis>,
    pub lines: Vec<Line>,
    pub bands: Vec<Shade>,
    pub rules: Vec<Rule>,
}

impl Chart {
    pub fn new(name: &str, title: impl Into<String>, x: Axis, y: Axis) -> Self {
        Chart {
            name: name.into(),
            title: title.into(),
            x,
            y,
            y2: None,
            lines: Vec::new(),
            bands: Vec::new(),
            rules: Vec::new(),
        }
    }

    /// The legend: every line, and every labelled rule, with its colour.
    pub fn legend(&self) -> Vec<LegendEntry<'_>> {
        let lines = self.lines.iter().enumerate().map(|(i, l)| LegendEntry {
            label: &l.label,
            colour: self.line_colour(i),
            dashed: false,
        });
        let rules = self.rules.iter().filter_map(|r| {
            r.label.as_deref().map(|label| LegendEntry { label, colour: r.colour, dashed: true })
        });
        lines.chain(rules).collect()
    }

    /// The colour line `i` is drawn in.
    pub fn line_colour(&self, i: usize) -> Rgb {
        self.lines[i].colour.unwrap_or(PALETTE[i % PALETTE.len()])
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LegendEntry<'a> {
    pub label: &'a str,
    pub colour: Rgb,
    pub dashed: bool,
}

/// A unit for a span of time: its name and how many of it make a second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeUnit {
    pub name: &'static str,
    pub per_second: f64,
}

impl TimeUnit {
    /// The unit that keeps durations up to `max_s` readable: µs, ms or s.
    pub fn for_latency(max_s: f64) -> Self {
        match max_s {
            m if m < 1e-3 => TimeUnit { name: "µs", per_second: 1e6 },
            m if m < 1.0 => TimeUnit { name: "ms", per_second: 1e3 },
            _ => TimeUnit { name: "s", per_second: 1.0 },
        }
    }

    /// The unit for a simulated-time axis running to `end_s`: s, min or h.
    pub fn for_clock(end_s: f64) -> Self {
        match end_s {
            e if e <= 1200.0 => TimeUnit { name: "s", per_second: 1.0 },
            e if e <= 12.0 * 3600.0 => TimeUnit { name: "min", per_second: 1.0 / 60.0 },
            _ => TimeUnit { name: "h", per_second: 1.0 / 3600.0 },
        }
    }

    pub fn of(self, seconds: f64) -> f64 {
        seconds * self.per_second
    }
}

/// Chart names, in the order the report shows them.
pub const LATENCY: &str = "latency";
pub const THROUGHPUT: &str = "throughput";
pub const QUEUES: &str = "queues";
pub const LATENCY_CDF: &str = "latency-cdf";
/// The names of the charts every report has, in the order [`charts`] makes them; a run with
/// clocks adds [`crate::clock::CLOCKS`] after them, and one with a database
/// [`crate::database::REPLICA_LAG`].
pub const CHART_NAMES: [&str; 4] = [LATENCY, THROUGHPUT, QUEUES, LATENCY_CDF];

/// The report's charts, most telling first: latency over time, rates over time, queue depth
/// over time, and the latency distribution; then, with clocks, the nodes' clock offsets, and
/// with a database, its replicas' lag.
pub fn charts(summary: &Summary, series: &Series) -> Vec<Chart> {
    let mut charts = vec![
        latency_chart(summary, series),
        throughput_chart(summary, series),
        queue_chart(summary, series),
        latency_cdf_chart(series),
    ];
    charts.extend(clock_chart(summary, series));
    charts.extend(crate::database::replica_lag_chart(summary, series));
    charts
}

/// A chart of `y` over the run's simulated time, shaded with the series' bands, and the unit
/// of its time axis, for a mechanism's chart built in a file of its own.
pub(crate) fn over_run_time(
    name: &str,
    title: &str,
    y: Axis,
    summary: &Summary,
    series: &Series,
) -> (Chart, TimeUnit) {
    let clock = Clock::new(summary, series);
    let mut chart = Chart::new(name, title, clock.axis(), y);
    chart.bands = clock.shades(series);
    (chart, clock.unit)
}

/// The time axis of a run: its unit, its end and the windows' length.
struct Clock {
    unit: TimeUnit,
    end_s: f64,
    window_s: f64,
}

impl Clock {
    fn new(summary: &Summary, series: &Series) -> Self {
        let last = series.windows.last().map_or(0.0, |w| w.start_s + series.window_s);
        let end_s = if summary.sim_time_s > 0.0 { summary.sim_time_s } else { last };
        Clock { unit: TimeUnit::for_clock(end_s), end_s, window_s: series.window_s }
    }

    /// The window's length in seconds (the last one may be cut short by the end of the run).
    fn length(&self, w: &SeriesWindow) -> f64 {
        (self.end_s - w.start_s).min(self.window_s).max(0.0)
    }

    /// The window's midpoint on the axis.
    fn mid(&self, w: &SeriesWindow) -> f64 {
        self.unit.of(w.start_s + self.length(w) / 2.0)
    }

    /// `count` events in window `w`, per second.
    fn rate(&self, w: &SeriesWindow, count: u64) -> f64 {
        let length = self.length(w);
        if length > 0.0 { count as f64 / length } else { f64::NAN }
    }

    fn axis(&self) -> Axis {
        Axis::linear("simulated time", self.unit.name).with_range(0.0, self.unit.of(self.end_s))
    }

    /// Stretches of windows in which requests arrived but none succeeded: the latency lines
    /// have a gap there, and the shade says why.
    fn nothing_succeeded(&self, series: &Series) -> Vec<Shade> {
        let mut shades: Vec<Shade> = Vec::new();
        let mut last_end = f64::NAN;
        for w in series.windows.iter().filter(|w| w.completed == 0 && w.arrived > 0) {
            let (start, end) = (self.unit.of(w.start_s), self.unit.of(w.start_s + self.length(w)));
            match shades.last_mut() {
                Some(open) if start <= last_end => open.end = end,
                _ => shades.push(Shade {
                    kind: BandKind::NoSuccess,
                    label: "no request succeeded".into(),
                    start,
                    end,
                }),
            }
            last_end = end;
        }
        shades
    }

    /// The series' bands on this axis, shaded by what they mark.
    fn shades(&self, series: &Series) -> Vec<Shade> {
        series
            .bands
            .iter()
            .map(|b| Shade {
                kind: b.kind,
                label: b.label.clone(),
                start: self.unit.of(b.start_s),
                end: self.unit.of(b.end_s),
            })
            .collect()
    }
}

/// A per-window latency figure, in seconds.
type LatencyOf = fn(&SeriesWindow) -> f64;

/// The latency chart's lines: legend, value, colour, width.
const LATENCY_LINES: [(&str, LatencyOf, Rgb, u32); 3] = [
    ("p50", |w| w.latency_p50_s, PALETTE[0], 2),
    ("p99", |w| w.latency_p99_s, PALETTE[5], 3),
    ("max", |w| w.latency_max_s, Rgb(150, 150, 150), 1),
];

/// p50, p99 and max latency per window, with the warm-up, load and fault bands, the latency
/// objectives, and when each was first violated.
pub fn latency_chart(summary: &Summary, series: &Series) -> Chart {
    let clock = Clock::new(summary, series);
    let highest = series
        .windows
        .iter()
        .filter(|w| w.completed > 0)
        .map(|w| w.latency_max_s)
        .chain(series.slos.iter().map(|s| s.bound_s))
        .fold(0.0, f64::max);
    let unit = TimeUnit::for_latency(highest);
    let mut chart = Chart::new(
        LATENCY,
        format!("Latency of successful requests per {} window", human_secs(series.window_s)),
        clock.axis(),
        Axis::linear("end-to-end latency", unit.name),
    );
    chart.bands = clock.shades(series);
    chart.bands.extend(clock.nothing_succeeded(series));
    for (label, value, colour, width) in LATENCY_LINES {
        // A window where nothing completed has no latency: leave a gap, not a zero.
        let points = series
            .windows
            .iter()
            .map(|w| (clock.mid(w), if w.completed > 0 { unit.of(value(w)) } else { f64::NAN }))
            .collect();
        chart.lines.push(Line::new(label, points).colour(colour).width(width));
    }
    for slo in &series.slos {
        chart.rules.push(Rule {
            label: Some(format!("SLO: {}", slo.label)),
            direction: Direction::Horizontal,
            at: unit.of(slo.bound_s),
            colour: SLO_COLOUR,
        });
    }
    for v in summary.invariants.iter().filter(|v| v.name == "LatencySlo") {
        if let Some(at) = v.first_violation_s {
            chart.rules.push(Rule {
                label: Some(format!("first violated at {}", human_secs(at))),
                direction: Direction::Vertical,
                at: clock.unit.of(at),
                colour: Rgb(110, 0, 0),
            });
        }
    }
    chart
}

/// A per-window count drawn as a rate on the throughput chart.
type CountOf = fn(&SeriesWindow) -> u64;

/// The throughput chart's lines: legend, count per window, colour, and whether to draw it when
/// it is zero throughout. A mechanism that counts something per window adds one row here.
const RATE_LINES: [(&str, CountOf, Rgb, bool); 10] = [
    ("offered load", |w| w.arrived, Rgb(60, 60, 60), true),
    ("throughput (jobs served)", |w| w.served, PALETTE[0], true),
    ("goodput (succeeded)", |w| w.completed, PALETTE[2], true),
    ("retries", |w| w.retries, PALETTE[3], false),
    ("failed", |w| w.failed, PALETTE[5], false),
    // Attempts turned away, at any layer, one line per reason.
    ("rejected: queue full", |w| w.rejections.queue_full, PALETTE[1], false),
    ("rejected: rate limited", |w| w.rejections.rate_limited, PALETTE[4], false),
    ("rejected: breaker open", |w| w.rejections.breaker_open, Rgb(153, 52, 4), false),
    ("rejected: shed", |w| w.rejections.shed, Rgb(153, 153, 51), false),
    ("rejected: bulkhead full", |w| w.rejections.bulkhead, Rgb(136, 34, 85), false),
];

/// Offered load, throughput and the other per-window rates, in requests per second; the
/// attempts turned away, by reason, when there are any.
pub fn throughput_chart(summary: &Summary, series: &Series) -> Chart {
    let clock = Clock::new(summary, series);
    let mut chart = Chart::new(
        THROUGHPUT,
        format!("Offered load, throughput and goodput per {} window", human_secs(series.window_s)),
        clock.axis(),
        Axis::linear("rate", "requests/s"),
    );
    chart.bands = clock.shades(series);
    for (label, count, colour, always) in RATE_LINES {
        if !always && series.windows.iter().all(|w| count(w) == 0) {
            continue;
        }
        let points = series.windows.iter().map(|w| (clock.mid(w), clock.rate(w, count(w))));
        chart.lines.push(Line::new(label, points.collect()).colour(colour));
    }
    chart
}

/// The deepest queue of each service in each window.
pub fn queue_chart(summary: &Summary, series: &Series) -> Chart {
    let clock = Clock::new(summary, series);
    let whose = match &series.services[..] {
        [only] => format!("of {only}"),
        _ => "per service".to_string(),
    };
    let mut chart = Chart::new(
        QUEUES,
        format!("Queue depth {whose} (deepest in each {} window)", human_secs(series.window_s)),
        clock.axis(),
        Axis::linear(
            "queue depth",
            if series.subscriptions.is_empty() { "requests" } else { "requests, messages" },
        ),
    );
    chart.bands = clock.shades(series);
    for (i, name) in series.services.iter().enumerate() {
        let points = series
            .windows
            .iter()
            .map(|w| (clock.mid(w), w.queue_max.get(i).map_or(f64::NAN, |&q| q as f64)))
            .collect();
        chart.lines.push(Line::new(name.clone(), points));
    }
    // Each subscription's backlog and dead-letter queue, beside the services' queues, each
    // sample (its window's deepest) drawn mid-window as the services' are; the first alert on
    // its dead letters a vertical rule.
    let mid = series.window_s / 2.0;
    for s in &series.subscriptions {
        let at = |t: f64| clock.unit.of(t + mid);
        let backlog = s.points.iter().map(|&(t, b, _)| (at(t), b as f64)).collect();
        chart.lines.push(Line::new(format!("{} backlog", s.name), backlog));
        if s.points.iter().any(|&(_, _, d)| d > 0) {
            let dead = s.points.iter().map(|&(t, _, d)| (at(t), d as f64)).collect();
            chart.lines.push(Line::new(format!("{} dead letters", s.name), dead).width(3));
        }
    }
    for m in summary.messaging.iter() {
        if let Some(first) = m.first_alert_s {
            chart.rules.push(Rule {
                label: Some(format!("first alert on {}'s dead letters", m.name())),
                direction: Direction::Vertical,
                at: clock.unit.of(first),
                colour: Rgb(110, 0, 0),
            });
        }
    }
    // Each `QueueBounded` limit, dashed in the colour of the service it names.
    for bound in &series.queue_bounds {
        let Some(i) = series.services.iter().position(|s| *s == bound.service) else { continue };
        chart.rules.push(Rule {
            label: Some(format!("bound: queue of {} ≤ {}", bound.service, bound.max)),
            direction: Direction::Horizontal,
            at: bound.max as f64,
            colour: chart.line_colour(i),
        });
    }
    chart
}

/// The latency distribution after the warm-up as a CDF on a log axis, with each objective as
/// a vertical rule at its bound and a horizontal one at its percentile.
pub fn latency_cdf_chart(series: &Series) -> Chart {
    let highest = series
        .latency_cdf
        .iter()
        .map(|&(s, _)| s)
        .chain(series.slos.iter().map(|s| s.bound_s))
        .fold(0.0, f64::max);
    let unit = TimeUnit::for_latency(highest);
    let mut chart = Chart::new(
        LATENCY_CDF,
        "Latency distribution after the warm-up (CDF)",
        Axis::log("end-to-end latency", unit.name),
        Axis::linear("requests at or below", "%").with_range(0.0, 100.0),
    );
    let points = series.latency_cdf.iter().map(|&(s, q)| (unit.of(s), q * 100.0)).collect();
    chart.lines.push(Line::new("all requests", points).colour(PALETTE[0]));
    for slo in &series.slos {
        chart.rules.push(Rule {
            label: Some(format!("SLO: {}", slo.label)),
            direction: Direction::Vertical,
            at: unit.of(slo.bound_s),
            colour: SLO_COLOUR,
        });
        chart.rules.push(Rule {
            label: None,
            direction: Direction::Horizontal,
            at: slo.percentile,
            colour: SLO_COLOUR,
        });
    }
    chart
}

/// The overlaid charts of a comparison: p99 latency and goodput over time, one line per
/// variant (in `runs`' order, each its own colour) on the same axes, for one seed's runs. Shaded
/// with the first run's warm-up, load changes and faults (the scenario's; breakers differ
/// between variants and are left out).
pub fn compare_charts(runs: &[(&str, &Summary, &Series)], seed: u64) -> Vec<Chart> {
    let Some(&(_, first_summary, first_series)) = runs.first() else { return Vec::new() };
    let mut clock = Clock::new(first_summary, first_series);
    clock.end_s = runs.iter().map(|(_, s, series)| Clock::new(s, series).end_s).fold(0.0, f64::max);
    clock.unit = TimeUnit::for_clock(clock.end_s);
    let shades: Vec<Shade> = clock
        .shades(first_series)
        .into_iter()
        .filter(|s| matches!(s.kind, BandKind::WarmUp | BandKind::LoadChange | BandKind::Fault))
        .collect();
    let highest = runs
        .iter()
        .flat_map(|(_, _, series)| series.windows.iter().filter(|w| w.completed > 0))
        .map(|w| w.latency_p99_s)
        .fold(0.0, f64::max);
    let unit = TimeUnit::for_latency(highest);
    let window = human_secs(first_series.window_s);
    let mut latency = Chart::new(
        LATENCY,
        format!("p99 latency of successful requests per {window} window, seed {seed}"),
        clock.axis(),
        Axis::linear("p99 latency", unit.name),
    );
    let mut goodput = Chart::new(
        "goodput",
        format!("Goodput (requests answered with success) per {window} window, seed {seed}"),
        clock.axis(),
        Axis::linear("goodput", "requests/s"),
    );
    for (i, &(name, _, series)) in runs.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        // On common random numbers the variants often agree exactly until their mechanisms
        // differ: each line is drawn narrower than the one before, so that none hides another.
        let width = 5u32.saturating_sub(2 * i as u32).max(2);
        let windows = series.windows.iter();
        // A window where nothing completed has no latency: a gap, not a zero.
        let p99 = windows.clone().map(|w| {
            (clock.mid(w), if w.completed > 0 { unit.of(w.latency_p99_s) } else { f64::NAN })
        });
        latency.lines.push(Line::new(name, p99.collect()).colour(colour).width(width));
        let rate = windows.map(|w| (clock.mid(w), clock.rate(w, w.completed)));
        goodput.lines.push(Line::new(name, rate.collect()).colour(colour).width(width));
    }
    latency.bands = shades.clone();
    goodput.bands = shades;
    vec![latency, goodput]
}

/// Throughput and goodput (left axis) and p99 latency (right axis) against the swept
/// parameter of a `run --vary` sweep. Values such as `16`, `300/s` or `250ms` are placed by
/// their number, with the common suffix as the axis unit; values that are not all numbers with
/// one suffix are placed in order, 1, 2, 3, …
pub fn vary_chart(sweep: &VaryReport) -> Chart {
    let parsed: Vec<Option<(f64, &str)>> = sweep.points.iter().map(|p| number(&p.value)).collect();
    let unit = parsed.first().copied().flatten().map(|(_, unit)| unit);
    let numeric = unit.is_some() && parsed.iter().all(|p| p.map(|(_, u)| Some(u)) == Some(unit));
    let mut points: Vec<(f64, &VaryPoint)> = sweep
        .points
        .iter()
        .zip(&parsed)
        .enumerate()
        .map(|(i, (p, parsed))| match parsed {
            Some((x, _)) if numeric => (*x, p),
            _ => ((i + 1) as f64, p),
        })
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    let x_axis = if numeric {
        Axis::linear(&sweep.path, unit.unwrap_or_default())
    } else {
        Axis::linear(&format!("{} (value number)", sweep.path), "")
    };
    let latency =
        TimeUnit::for_latency(points.iter().map(|(_, p)| p.latency_p99_s).fold(0.0, f64::max));
    let mut chart = Chart::new(
        "vary",
        format!("Throughput and p99 latency against {}", sweep.path),
        x_axis,
        Axis::linear("rate", "requests/s"),
    );
    chart.y2 = Some(Axis::linear("p99 latency", latency.name));
    let line = |f: fn(&VaryPoint) -> f64| points.iter().map(|(x, p)| (*x, f(p))).collect();
    chart.lines.push(Line::new("throughput", line(|p| p.throughput_per_s)).colour(PALETTE[1]));
    chart.lines.push(Line::new("goodput", line(|p| p.goodput_per_s)).colour(PALETTE[2]));
    let p99 = points.iter().map(|(x, p)| (*x, latency.of(p.latency_p99_s))).collect();
    chart.lines.push(Line::new("p99 latency (right axis)", p99).colour(PALETTE[5]).on_right_axis());
    chart
}

/// `300/s` → (300, "/s"); `16` → (16, ""); `x` → None.
fn number(value: &str) -> Option<(f64, &str)> {
    let value = value.trim();
    let split = value
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (i == 0 && (c == '-' || c == '+'))))
        .map_or(value.len(), |(i, _)| i);
    let x: f64 = value[..split].parse().ok()?;
    Some((x, value[split..].trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_band_has_a_colour_of_its_own() {
        let mut colours: Vec<Rgb> = BandKind::ALL.iter().map(|&k| band_colour(k)).collect();
        colours.dedup();
        assert_eq!(colours.len(), BandKind::ALL.len(), "{colours:?}");
    }

    #[test]
    fn bands_are_shaded_by_their_kind_whatever_their_label() {
        // Labels that read like another kind: a service named `breaker`, a client `load`.
        let bands = [
            (BandKind::Fault, "breaker down"),
            (BandKind::Fault, "api ramps to 9× slower"),
            (BandKind::LoadChange, "breaker × 3 load"),
            (BandKind::BreakerOpen, "breaker load→db open"),
            (BandKind::WarmUp, "db down"),
        ];
        let series = Series {
            window_s: 1.0,
            services: Vec::new(),
            windows: Vec::new(),
            bands: bands
                .iter()
                .map(|&(kind, label)| crate::Band {
                    kind,
                    label: label.into(),
                    start_s: 1.0,
                    end_s: 2.0,
                })
                .collect(),
            slos: Vec::new(),
            queue_bounds: Vec::new(),
            latency_cdf: Vec::new(),
            clocks: Default::default(),
            subscriptions: Vec::new(),
            replica_lag: Vec::new(),
        };
        let clock = Clock { unit: TimeUnit::for_clock(10.0), end_s: 10.0, window_s: 1.0 };
        for ((kind, label), shade) in bands.iter().zip(clock.shades(&series)) {
            assert_eq!((shade.kind, shade.label.as_str()), (*kind, *label));
            assert_eq!(shade.colour(), band_colour(*kind), "{label}");
        }
    }

    #[test]
    fn parameter_values_split_into_number_and_unit() {
        assert_eq!(number("300/s"), Some((300.0, "/s")));
        assert_eq!(number("16"), Some((16.0, "")));
        assert_eq!(number("2.5ms"), Some((2.5, "ms")));
        assert_eq!(number("Exp(mean: 1s)"), None);
    }
}
