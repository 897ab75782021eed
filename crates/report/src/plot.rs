//! Draws a [`Chart`] with plotters, to PNG and to SVG, from the same code.
//!
//! Text uses Noto Sans, embedded in the binary (Apache-2.0; see `crates/report/FONT-LICENSE.md`),
//! so plots render the same on a machine without system fonts or fontconfig. Layout (ticks,
//! legend, band labels) is computed here rather than by plotters' mesh so that a log axis, a
//! right-hand axis and labels above the plot area all come from one function.
//!
//! Output is a pure function of the chart: no clock, no randomness, no hash-map iteration, so
//! the same chart gives byte-identical files.

use std::sync::{Arc, OnceLock};

use plotters::backend::{DrawingBackend, SVGBackend};
use plotters::coord::Shift;
use plotters::drawing::{DrawingArea, IntoDrawingArea};
use plotters::element::{PathElement, Rectangle};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{
    Color, FontDesc, FontFamily, FontStyle, FontTransform, RGBColor, TextStyle, register_font,
};
use resvg::{tiny_skia, usvg};
use thiserror::Error;

use crate::chart::{Axis, Chart, Direction, Rgb, Scale};

/// Size of every plot, in pixels.
pub const WIDTH: u32 = 800;
pub const HEIGHT: u32 = 450;

/// Why a plot could not be drawn.
#[derive(Debug, Error)]
#[error("cannot draw the plot `{chart}`: {message}")]
pub struct PlotError {
    pub chart: String,
    pub message: String,
}

const MARGIN: i32 = 12;
const GAP: i32 = 6;
const TICK: i32 = 5;
const TITLE_SIZE: f64 = 22.0;
const AXIS_SIZE: f64 = 17.0;
const LABEL_SIZE: f64 = 15.0;
const ROW: i32 = 20;

const INK: RGBColor = RGBColor(33, 33, 33);
const SOFT_INK: RGBColor = RGBColor(90, 90, 90);
const GRID: RGBColor = RGBColor(228, 228, 228);
const FRAME: RGBColor = RGBColor(140, 140, 140);
const PAPER: RGBColor = RGBColor(255, 255, 255);

/// The family of the embedded font.
const FAMILY: &str = "Noto Sans";

/// How strongly a band tints the plot: overlapping bands mix into a shade of their own.
const BAND_TINT: f64 = 0.2;
/// The height of a row of band labels and strips above the plot.
const BAND_ROW: i32 = 23;
/// The height of a band's strip, at the bottom of its row.
const STRIP: i32 = 5;

/// Registers the embedded font once; every drawing needs it, SVG included (for text metrics).
fn font() -> Result<(), String> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        register_font(FontFamily::SansSerif.as_str(), FontStyle::Normal, ttf_noto_sans::REGULAR)
            .is_ok()
    });
    if ok { Ok(()) } else { Err("the embedded font could not be loaded".into()) }
}

/// The chart as an SVG document.
pub fn render_svg(chart: &Chart) -> Result<String, PlotError> {
    let fail = |message: String| PlotError { chart: chart.name.clone(), message };
    font().map_err(fail)?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&root, chart).map_err(fail)?;
        root.present().map_err(|e| fail(format!("{e:?}")))?;
    }
    svg.push('\n');
    Ok(svg)
}

/// The chart as a PNG file: its SVG (see [`render_svg`]) rendered by resvg, so that both show
/// the same drawing.
pub fn render_png(chart: &Chart) -> Result<Vec<u8>, PlotError> {
    svg_to_png(chart, &render_svg(chart)?)
}

/// `svg`, the chart's SVG, rendered to PNG.
pub(crate) fn svg_to_png(chart: &Chart, svg: &str) -> Result<Vec<u8>, PlotError> {
    let fail = |message: String| PlotError { chart: chart.name.clone(), message };
    let tree = usvg::Tree::from_str(svg, svg_options()).map_err(|e| fail(e.to_string()))?;
    let mut pixmap = tiny_skia::Pixmap::new(WIDTH, HEIGHT)
        .ok_or_else(|| fail("no room for the pixels".into()))?;
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| fail(e.to_string()))
}

/// How resvg reads plot SVGs: with the embedded Noto Sans as the only font, never a system
/// font, so that a PNG does not depend on the machine. Built once per process.
fn svg_options() -> &'static usvg::Options<'static> {
    static OPTIONS: OnceLock<usvg::Options<'static>> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        let mut fonts = usvg::fontdb::Database::new();
        fonts.load_font_data(ttf_noto_sans::REGULAR.to_vec());
        fonts.set_sans_serif_family(FAMILY);
        usvg::Options {
            font_family: FAMILY.into(),
            fontdb: Arc::new(fonts),
            ..usvg::Options::default()
        }
    })
}

fn rgb(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

fn text_style(size: f64, colour: &RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    FontDesc::new(FontFamily::SansSerif, size, FontStyle::Normal).color(colour).pos(Pos::new(h, v))
}

/// The span an axis shows and how values map onto it.
#[derive(Debug, Clone, Copy)]
struct Span {
    low: f64,
    high: f64,
    log: bool,
}

impl Span {
    /// Where `v` falls, 0 at `low` and 1 at `high`; `None` when it cannot be placed.
    fn fraction(&self, v: f64) -> Option<f64> {
        if !v.is_finite() || (self.log && v <= 0.0) {
            return None;
        }
        let (v, low, high) = if self.log {
            (v.log10(), self.low.log10(), self.high.log10())
        } else {
            (v, self.low, self.high)
        };
        Some((v - low) / (high - low))
    }
}

/// The span for `axis` holding `values`: fixed when the axis says so; otherwise from zero (or
/// the smallest value, for an x axis) to a round number above the largest value, or whole
/// decades on a log axis.
fn fit(axis: &Axis, values: impl Iterator<Item = f64>, is_x: bool) -> Span {
    let log = axis.scale == Scale::Log;
    if let Some((low, high)) = axis.range
        && high > low
        && (!log || low > 0.0)
    {
        return Span { low, high, log };
    }
    let (mut low, mut high) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite() && (!log || *v > 0.0)) {
        low = low.min(v);
        high = high.max(v);
    }
    if log {
        if !low.is_finite() {
            return Span { low: 1.0, high: 10.0, log };
        }
        let low = 10f64.powf(low.log10().floor());
        let mut high = 10f64.powf(high.log10().ceil());
        if high <= low {
            high = low * 10.0;
        }
        return Span { low, high, log };
    }
    if !low.is_finite() {
        return Span { low: 0.0, high: 1.0, log };
    }
    if !is_x {
        low = low.min(0.0);
        high += (high - low) * 0.04; // a little headroom above the highest point
    }
    if high <= low {
        high = low + 1.0;
    }
    let step = nice_step((high - low) / 5.0);
    Span { low: (low / step).floor() * step, high: (high / step).ceil() * step, log }
}

/// 1, 2 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let power = 10f64.powf(raw.log10().floor());
    let mantissa = raw / power;
    let nice = if mantissa <= 1.0 {
        1.0
    } else if mantissa <= 2.0 {
        2.0
    } else if mantissa <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

/// Tick positions and their labels.
fn ticks(span: &Span, target: usize) -> Vec<(f64, String)> {
    if span.log {
        return log_ticks(span);
    }
    let step = nice_step((span.high - span.low) / target as f64);
    let decimals = if step >= 1.0 { 0 } else { (-step.log10().floor()) as usize };
    let first = (span.low / step - 1e-9).ceil() as i64;
    let last = (span.high / step + 1e-9).floor() as i64;
    (first..=last)
        .map(|k| {
            let v = k as f64 * step;
            (v, format_number(v, decimals))
        })
        .collect()
}

fn log_ticks(span: &Span) -> Vec<(f64, String)> {
    let first = span.low.log10().round() as i32;
    let last = span.high.log10().round() as i32;
    let decades = last - first;
    let every = if decades > 8 { 2 } else { 1 };
    let mantissas: &[f64] = if decades <= 2 { &[1.0, 2.0, 5.0] } else { &[1.0] };
    let mut out = Vec::new();
    for e in (first..=last).step_by(every as usize) {
        for &m in mantissas {
            let v = m * 10f64.powi(e);
            if v <= span.high * (1.0 + 1e-9) {
                out.push((v, format_number(v, (-e).max(0) as usize)));
            }
        }
    }
    out
}

/// `1,500`, `0.25`, `-3`.
fn format_number(v: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, if v == 0.0 { 0.0 } else { v });
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i.to_string(), format!(".{f}")),
        None => (text.clone(), String::new()),
    };
    let (sign, digits) = int.strip_prefix('-').map_or(("", int.as_str()), |d| ("-", d));
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}{frac}")
}

/// The plot area in pixels and the spans mapped onto it.
struct Frame {
    left: i32,
    right: i32,
    top: i32,
    bottom: i32,
    x: Span,
    y: Span,
    y2: Option<Span>,
}

impl Frame {
    fn px(&self, x: f64) -> Option<i32> {
        self.x
            .fraction(x)
            .map(|f| self.left + (f * f64::from(self.right - self.left)).round() as i32)
    }

    fn py(&self, span: &Span, y: f64) -> Option<i32> {
        span.fraction(y).map(|f| {
            let p = self.bottom - (f * f64::from(self.bottom - self.top)).round() as i32;
            p.clamp(self.top, self.bottom)
        })
    }
}

type Area<DB> = DrawingArea<DB, Shift>;

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

fn text_width<DB: DrawingBackend>(
    area: &Area<DB>,
    text: &str,
    style: &TextStyle,
) -> Result<i32, String> {
    area.estimate_text_size(text, style).map(|(w, _)| w as i32).map_err(err)
}

/// Draws `chart` on `area`: the one drawing routine behind both PNG and SVG.
fn draw<DB: DrawingBackend>(area: &Area<DB>, chart: &Chart) -> Result<(), String> {
    let (width, height) = area.dim_in_pixel();
    let (width, height) = (width as i32, height as i32);
    area.fill(&PAPER).map_err(err)?;

    let left_values = chart.lines.iter().filter(|l| !l.right).flat_map(|l| l.points.iter());
    let horizontal = chart.rules.iter().filter(|r| r.direction == Direction::Horizontal);
    let vertical = chart.rules.iter().filter(|r| r.direction == Direction::Vertical);
    let x = fit(
        &chart.x,
        chart.lines.iter().flat_map(|l| l.points.iter().map(|p| p.0)).chain(vertical.map(|r| r.at)),
        true,
    );
    let y = fit(&chart.y, left_values.map(|p| p.1).chain(horizontal.map(|r| r.at)), false);
    let y2 = chart.y2.as_ref().map(|axis| {
        let right_values = chart.lines.iter().filter(|l| l.right).flat_map(|l| l.points.iter());
        fit(axis, right_values.map(|p| p.1), false)
    });

    // Each style made once: making one looks the font up and copies its tables.
    let tick_style = |h, v| text_style(LABEL_SIZE, &SOFT_INK, h, v);
    let measure = tick_style(HPos::Left, VPos::Top);
    let label_h = area.estimate_text_size("0", &measure).map_err(err)?.1 as i32;
    let x_ticks = ticks(&x, 6);
    let y_ticks = ticks(&y, 5);
    let y2_ticks = y2.as_ref().map(|s| ticks(s, 5)).unwrap_or_default();
    let widest = |ticks: &[(f64, String)]| -> Result<i32, String> {
        ticks.iter().try_fold(0, |w, (_, t)| Ok(w.max(text_width(area, t, &measure)?)))
    };
    let axis_h = AXIS_SIZE as i32;
    let left = MARGIN + axis_h + GAP + widest(&y_ticks)? + GAP + TICK;
    let right = if chart.y2.is_some() {
        width - (MARGIN + axis_h + GAP + widest(&y2_ticks)? + GAP + TICK)
    } else {
        let last = x_ticks.last().map(|(_, t)| t.as_str()).unwrap_or("");
        width - MARGIN - (text_width(area, last, &measure)? / 2).max(8)
    };
    let bottom = height - (MARGIN + axis_h + GAP + label_h + GAP + TICK);

    // Title, then the legend, then the band labels, then the plot.
    let title = text_style(TITLE_SIZE, &INK, HPos::Center, VPos::Top);
    area.draw_text(&chart.title, &title, (width / 2, MARGIN)).map_err(err)?;
    let mut top = MARGIN + TITLE_SIZE as i32 + GAP;
    let legend = chart.legend();
    if legend.len() > 1 {
        top = draw_legend(area, &legend, left, right, top)?;
    }
    let mut frame = Frame { left, right, top, bottom, x, y, y2 };
    let tracks = place_bands(area, chart, &frame)?;
    let rows = tracks.iter().map(|t| t.row + 1).max().unwrap_or(0);
    frame.top = top + rows * BAND_ROW + if rows > 0 { 2 } else { GAP };
    let frame = frame;
    draw_bands(area, chart, &frame, &tracks, top)?;

    // Grid.
    for (v, _) in &x_ticks {
        if let Some(p) = frame.px(*v) {
            let line = PathElement::new(vec![(p, frame.top), (p, frame.bottom)], GRID);
            area.draw(&line).map_err(err)?;
        }
    }
    for (v, _) in &y_ticks {
        if let Some(p) = frame.py(&frame.y, *v) {
            let line = PathElement::new(vec![(frame.left, p), (frame.right, p)], GRID);
            area.draw(&line).map_err(err)?;
        }
    }

    // Data.
    let mut any_data = false;
    for (i, line) in chart.lines.iter().enumerate() {
        let span = if line.right { frame.y2.unwrap_or(frame.y) } else { frame.y };
        let style = rgb(chart.line_colour(i)).stroke_width(line.width);
        let mut run: Vec<(i32, i32)> = Vec::new();
        for &(vx, vy) in &line.points {
            match (frame.px(vx), frame.py(&span, vy)) {
                (Some(px), Some(py)) => run.push((px, py)),
                _ => flush(area, &mut run, style, &mut any_data)?,
            }
        }
        flush(area, &mut run, style, &mut any_data)?;
    }
    if !any_data {
        let style = text_style(AXIS_SIZE, &SOFT_INK, HPos::Center, VPos::Center);
        let centre = ((frame.left + frame.right) / 2, (frame.top + frame.bottom) / 2);
        area.draw_text("no data", &style, centre).map_err(err)?;
    }
    for rule in &chart.rules {
        let ends = match rule.direction {
            Direction::Horizontal => frame
                .py(&frame.y, rule.at)
                .filter(|_| rule.at >= frame.y.low && rule.at <= frame.y.high)
                .map(|p| ((frame.left, p), (frame.right, p))),
            Direction::Vertical => frame
                .px(rule.at)
                .filter(|&p| p >= frame.left && p <= frame.right)
                .map(|p| ((p, frame.top), (p, frame.bottom))),
        };
        if let Some((from, to)) = ends {
            dashed(area, from, to, rgb(rule.colour))?;
        }
    }

    // Frame, ticks, axis titles.
    let outline = Rectangle::new([(frame.left, frame.top), (frame.right, frame.bottom)], FRAME);
    area.draw(&outline).map_err(err)?;
    let below = tick_style(HPos::Center, VPos::Top);
    for (v, label) in &x_ticks {
        if let Some(p) = frame.px(*v) {
            tick(area, (p, frame.bottom), (p, frame.bottom + TICK))?;
            area.draw_text(label, &below, (p, frame.bottom + TICK + 2)).map_err(err)?;
        }
    }
    let left_of = tick_style(HPos::Right, VPos::Center);
    for (v, label) in &y_ticks {
        if let Some(p) = frame.py(&frame.y, *v) {
            tick(area, (frame.left - TICK, p), (frame.left, p))?;
            area.draw_text(label, &left_of, (frame.left - TICK - 3, p)).map_err(err)?;
        }
    }
    if let Some(span) = &frame.y2 {
        let right_of = tick_style(HPos::Left, VPos::Center);
        for (v, label) in &y2_ticks {
            if let Some(p) = frame.py(span, *v) {
                tick(area, (frame.right, p), (frame.right + TICK, p))?;
                area.draw_text(label, &right_of, (frame.right + TICK + 3, p)).map_err(err)?;
            }
        }
    }
    let axis_style =
        |transform| text_style(AXIS_SIZE, &INK, HPos::Center, VPos::Center).transform(transform);
    let middle_y = (frame.top + frame.bottom) / 2;
    area.draw_text(
        &chart.x.title(),
        &axis_style(FontTransform::None),
        ((frame.left + frame.right) / 2, height - MARGIN - axis_h / 2),
    )
    .map_err(err)?;
    area.draw_text(
        &chart.y.title(),
        &axis_style(FontTransform::Rotate270),
        (MARGIN + axis_h / 2, middle_y),
    )
    .map_err(err)?;
    if let Some(axis) = &chart.y2 {
        area.draw_text(
            &axis.title(),
            &axis_style(FontTransform::Rotate90),
            (width - MARGIN - axis_h / 2, middle_y),
        )
        .map_err(err)?;
    }
    Ok(())
}

/// Draws a run of connected points, then empties it.
fn flush<DB: DrawingBackend>(
    area: &Area<DB>,
    run: &mut Vec<(i32, i32)>,
    style: plotters::style::ShapeStyle,
    any: &mut bool,
) -> Result<(), String> {
    if run.is_empty() {
        return Ok(());
    }
    *any = true;
    if let [(x, y)] = run[..] {
        // A lone point between gaps: a short dash, so that it stays visible.
        area.draw(&PathElement::new(vec![(x - 2, y), (x + 2, y)], style)).map_err(err)?;
    } else {
        area.draw(&PathElement::new(std::mem::take(run), style)).map_err(err)?;
    }
    run.clear();
    Ok(())
}

fn tick<DB: DrawingBackend>(area: &Area<DB>, a: (i32, i32), b: (i32, i32)) -> Result<(), String> {
    area.draw(&PathElement::new(vec![a, b], FRAME)).map_err(err)
}

/// A dashed straight line from `a` to `b` (horizontal or vertical).
fn dashed<DB: DrawingBackend>(
    area: &Area<DB>,
    a: (i32, i32),
    b: (i32, i32),
    colour: RGBColor,
) -> Result<(), String> {
    const ON: i32 = 9;
    const OFF: i32 = 6;
    let length = (b.0 - a.0).abs().max((b.1 - a.1).abs());
    let (dx, dy) = ((b.0 - a.0).signum(), (b.1 - a.1).signum());
    let style = colour.stroke_width(2);
    let mut s = 0;
    while s < length {
        let e = (s + ON).min(length);
        let from = (a.0 + dx * s, a.1 + dy * s);
        let to = (a.0 + dx * e, a.1 + dy * e);
        area.draw(&PathElement::new(vec![from, to], style)).map_err(err)?;
        s += ON + OFF;
    }
    Ok(())
}

/// Lays the legend out in rows between `left` and `right` from `top`; returns the y below it.
fn draw_legend<DB: DrawingBackend>(
    area: &Area<DB>,
    entries: &[crate::chart::LegendEntry<'_>],
    left: i32,
    right: i32,
    top: i32,
) -> Result<i32, String> {
    const SWATCH: i32 = 24;
    let style = text_style(LABEL_SIZE, &INK, HPos::Left, VPos::Center);
    let (mut x, mut y) = (left, top + ROW / 2);
    for entry in entries {
        let w = SWATCH + GAP + text_width(area, entry.label, &style)?;
        if x > left && x + w > right {
            x = left;
            y += ROW;
        }
        let colour = rgb(entry.colour);
        if entry.dashed {
            dashed(area, (x, y), (x + SWATCH, y), colour)?;
        } else {
            let line = PathElement::new(vec![(x, y), (x + SWATCH, y)], colour.stroke_width(3));
            area.draw(&line).map_err(err)?;
        }
        area.draw_text(entry.label, &style, (x + SWATCH + GAP, y)).map_err(err)?;
        x += w + 3 * GAP;
    }
    Ok(y + ROW / 2 + GAP)
}

/// Where a band goes above the plot: its row, and where its label starts if it shows one.
struct Track {
    row: i32,
    label_x: Option<i32>,
    /// The band's strip, from and to, in pixels.
    from: i32,
    to: i32,
}

/// Lays the bands out above the plot, each as a strip of its colour over its stretch of the
/// x axis, with its label above the strip's start. Bands of one label (a breaker that opens
/// again and again) share a row and show the label once; every other label gets the first row
/// where neither its label nor its strips overlap anything already there, so that bands which
/// overlap in time stay apart, each in its own row.
fn place_bands<DB: DrawingBackend>(
    area: &Area<DB>,
    chart: &Chart,
    frame: &Frame,
) -> Result<Vec<Track>, String> {
    let style = text_style(LABEL_SIZE, &INK, HPos::Left, VPos::Center);
    let strip = |shade: &crate::chart::Shade| {
        let from = frame.px(shade.start.max(frame.x.low)).unwrap_or(frame.left);
        let to = frame.px(shade.end.min(frame.x.high)).unwrap_or(frame.right);
        (from.clamp(frame.left, frame.right), to.clamp(frame.left, frame.right).max(from + 1))
    };
    let mut taken: Vec<(i32, i32, i32)> = Vec::new(); // (row, from, to)
    let mut tracks: Vec<Option<Track>> = chart.bands.iter().map(|_| None).collect();
    for (first, shade) in chart.bands.iter().enumerate() {
        if tracks[first].is_some() {
            continue;
        }
        let group: Vec<usize> = (first..chart.bands.len())
            .filter(|&i| chart.bands[i].label == shade.label && chart.bands[i].kind == shade.kind)
            .collect();
        let w = text_width(area, &shade.label, &style)?;
        let label_x = strip(shade).0.min(frame.right - w).max(frame.left);
        let mut spans = vec![(label_x, label_x + w + 2 * GAP)];
        spans.extend(group.iter().map(|&i| strip(&chart.bands[i])));
        let row = (0..)
            .find(|&r| {
                !taken
                    .iter()
                    .any(|&(tr, a, b)| tr == r && spans.iter().any(|&(x, y)| x < b && a < y))
            })
            .expect("some row is free");
        taken.extend(spans.iter().map(|&(a, b)| (row, a, b)));
        for &i in &group {
            let (from, to) = strip(&chart.bands[i]);
            let label_x = (i == first).then_some(label_x);
            tracks[i] = Some(Track { row, label_x, from, to });
        }
    }
    Ok(tracks.into_iter().map(|t| t.expect("every band placed")).collect())
}

/// The bands: a tint over the plot (where bands overlap, their tints mix), and above the plot
/// each band's strip, in a row of its own, and its label.
fn draw_bands<DB: DrawingBackend>(
    area: &Area<DB>,
    chart: &Chart,
    frame: &Frame,
    tracks: &[Track],
    top: i32,
) -> Result<(), String> {
    for (shade, track) in chart.bands.iter().zip(tracks) {
        let fill = rgb(shade.colour()).mix(BAND_TINT).filled();
        let tinted = [(track.from, frame.top), (track.to, frame.bottom)];
        area.draw(&Rectangle::new(tinted, fill)).map_err(err)?;
    }
    let style = text_style(LABEL_SIZE, &INK, HPos::Left, VPos::Center);
    for (shade, track) in chart.bands.iter().zip(tracks) {
        let colour = rgb(shade.colour());
        let row_top = top + track.row * BAND_ROW;
        let bar =
            [(track.from, row_top + BAND_ROW - STRIP - 1), (track.to, row_top + BAND_ROW - 1)];
        area.draw(&Rectangle::new(bar, colour.filled())).map_err(err)?;
        if let Some(x) = track.label_x {
            let y = row_top + (BAND_ROW - STRIP) / 2;
            area.draw_text(&shade.label, &style, (x, y)).map_err(err)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BandKind;
    use crate::chart::Shade;

    fn shade(kind: BandKind, label: &str, start: f64, end: f64) -> Shade {
        Shade { kind, label: label.into(), start, end }
    }

    #[test]
    fn overlapping_bands_get_rows_of_their_own_and_labels_never_collide() {
        font().expect("the font loads");
        let mut chart =
            Chart::new("t", "t", Axis::linear("time", "s"), Axis::linear("latency", "ms"));
        chart.bands = vec![
            shade(BandKind::WarmUp, "warm-up", 0.0, 10.0),
            shade(BandKind::LoadChange, "users × 3 load", 8.0, 30.0),
            shade(BandKind::Fault, "db down", 9.0, 12.0),
            shade(BandKind::BreakerOpen, "breaker api→db open", 10.0, 14.0),
            shade(BandKind::NoSuccess, "no request succeeded", 11.0, 13.0),
            shade(BandKind::BreakerOpen, "breaker api→db open", 40.0, 45.0),
            shade(BandKind::Fault, "cache down", 70.0, 80.0),
        ];
        let x = Span { low: 0.0, high: 100.0, log: false };
        let y = Span { low: 0.0, high: 1.0, log: false };
        let frame = Frame { left: 50, right: 750, top: 80, bottom: 400, x, y, y2: None };
        let mut svg = String::new();
        let area = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        let tracks = place_bands(&area, &chart, &frame).expect("placed");
        let style = text_style(LABEL_SIZE, &INK, HPos::Left, VPos::Center);
        let label = |i: usize| {
            let x = tracks[i].label_x?;
            Some((x, x + text_width(&area, &chart.bands[i].label, &style).unwrap()))
        };
        for i in 0..tracks.len() {
            for j in i + 1..tracks.len() {
                let (a, b) = (&tracks[i], &tracks[j]);
                if chart.bands[i].label == chart.bands[j].label {
                    assert_eq!(a.row, b.row, "one label, one row");
                    continue;
                }
                if a.row != b.row {
                    continue;
                }
                assert!(a.to <= b.from || b.to <= a.from, "strips {i} and {j} overlap in a row");
                if let (Some(l), Some(m)) = (label(i), label(j)) {
                    assert!(l.1 <= m.0 || m.1 <= l.0, "labels {i} and {j} collide");
                }
            }
        }
        // Bands that overlap in time are in different rows; the rows are few.
        let rows: Vec<i32> = tracks.iter().map(|t| t.row).collect();
        for (i, a) in chart.bands.iter().enumerate() {
            for (j, b) in chart.bands.iter().enumerate().skip(i + 1) {
                if a.start < b.end && b.start < a.end {
                    assert_ne!(rows[i], rows[j], "bands {i} and {j} overlap: {rows:?}");
                }
            }
        }
        assert_eq!(rows.iter().max(), Some(&3), "{rows:?}");
        // A label repeated is shown once.
        assert!(tracks[3].label_x.is_some() && tracks[5].label_x.is_none());
    }

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(0.13), 0.2);
        assert_eq!(nice_step(7.0), 10.0);
        assert_eq!(nice_step(100.0), 100.0);
        assert_eq!(nice_step(260.0), 500.0);
    }

    #[test]
    fn ticks_cover_the_span_with_round_labels() {
        let span = Span { low: 0.0, high: 600.0, log: false };
        let labels: Vec<String> = ticks(&span, 6).into_iter().map(|t| t.1).collect();
        assert_eq!(labels, ["0", "100", "200", "300", "400", "500", "600"]);
        let span = Span { low: 0.0, high: 1.5, log: false };
        let labels: Vec<String> = ticks(&span, 5).into_iter().map(|t| t.1).collect();
        assert_eq!(labels, ["0.0", "0.5", "1.0", "1.5"]);
        assert_eq!(format_number(12_500.0, 0), "12,500");
        assert_eq!(format_number(-0.0, 1), "0.0");
    }

    #[test]
    fn log_spans_are_whole_decades() {
        let axis = Axis::log("latency", "ms");
        let span = fit(&axis, [3.0, 420.0].into_iter(), true);
        assert_eq!((span.low, span.high), (1.0, 1000.0));
        let labels: Vec<String> = log_ticks(&span).into_iter().map(|t| t.1).collect();
        assert_eq!(labels, ["1", "10", "100", "1,000"]);
        let narrow = fit(&axis, [0.02, 0.3].into_iter(), true);
        let labels: Vec<String> = log_ticks(&narrow).into_iter().map(|t| t.1).collect();
        assert_eq!(labels, ["0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1"]);
    }
}
