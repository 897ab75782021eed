//! Every bundled scenario's plots: titled, with axis labels and units, a legend where there is
//! more than one series, and text that shows in the PNG as well as the SVG; the same run gives
//! the same bytes whatever the threads do; the sweep plot draws a curve.

use std::path::PathBuf;

use faultline_report::chart::{Chart, Direction, Scale};
use faultline_report::{
    Series, SeriesWindow, Summary, VaryPoint, VaryReport, charts, plot, render_png, render_report,
    render_svg, vary_chart,
};
use faultline_scenario::{Overrides, Scenario, load};

fn scenarios_dir() -> PathBuf {
    faultline_tests::workspace_root().join("scenarios")
}

/// Every bundled scenario, once per variant (or once when it has none).
fn every_scenario() -> Vec<Scenario> {
    let all = faultline_tests::catalogue();
    assert!(all.len() >= 3, "the catalogue has scenarios");
    all
}

fn run(scenario: &Scenario, seed: u64) -> (Summary, Series) {
    let outcome = scenario.run(seed).unwrap_or_else(|e| panic!("{}: {e}", scenario.name));
    let summary = Summary::new(scenario, &outcome, 0.0, "faultline run …".into());
    (summary, Series::new(scenario, &outcome.metrics))
}

/// The text of every `<text>` element of an SVG, in order.
fn svg_texts(svg: &str) -> Vec<String> {
    let mut texts = Vec::new();
    let mut rest = svg;
    while let Some(open) = rest.find("<text") {
        let after = &rest[open..];
        let start = after.find('>').expect("tag closes") + 1;
        let end = after.find("</text>").expect("text element closes");
        let text = after[start..end].trim();
        texts.push(text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"));
        rest = &after[end..];
    }
    texts
}

/// Decoded 8-bit RGBA pixels of a PNG, with its size.
fn decode(png_bytes: &[u8]) -> (Vec<u8>, u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("a valid PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("size fits")];
    let info = reader.next_frame(&mut pixels).expect("one frame");
    assert_eq!((info.color_type, info.bit_depth), (png::ColorType::Rgba, png::BitDepth::Eight));
    pixels.truncate(info.buffer_size());
    (pixels, info.width, info.height)
}

/// Pixels in the rectangle that are dark enough to be text (or lines) on the white paper.
fn dark_pixels(rgba: &[u8], width: u32, (x0, y0, x1, y1): (u32, u32, u32, u32)) -> usize {
    let mut n = 0;
    for y in y0..y1 {
        for x in x0..x1 {
            let i = ((y * width + x) * 4) as usize;
            assert_eq!(rgba[i + 3], 255, "the paper is opaque");
            let luma =
                (u32::from(rgba[i]) * 3 + u32::from(rgba[i + 1]) * 6 + u32::from(rgba[i + 2])) / 10;
            if luma < 110 {
                n += 1;
            }
        }
    }
    n
}

/// Stretches of at least four columns without dark pixels between the first and the last
/// column with some, in the rectangle: the gaps between words of a line of text.
fn word_gaps(rgba: &[u8], width: u32, (x0, y0, x1, y1): (u32, u32, u32, u32)) -> usize {
    let inked: Vec<bool> =
        (x0..x1).map(|x| dark_pixels(rgba, width, (x, y0, x + 1, y1)) > 0).collect();
    let (Some(first), Some(last)) = (inked.iter().position(|&i| i), inked.iter().rposition(|&i| i))
    else {
        return 0;
    };
    let mut gaps = 0;
    let mut blank = 0;
    for &ink in &inked[first..=last] {
        if ink {
            gaps += usize::from(blank >= 4);
            blank = 0;
        } else {
            blank += 1;
        }
    }
    gaps
}

fn check_chart(context: &str, chart: &Chart) {
    let what = format!("{context} {}", chart.name);
    assert!(!chart.title.trim().is_empty(), "{what}: no title");
    for axis in [&chart.x, &chart.y].into_iter().chain(chart.y2.as_ref()) {
        assert!(!axis.label.is_empty(), "{what}: an axis has no label");
        if axis.scale == Scale::Linear || !axis.unit.is_empty() {
            assert!(!axis.unit.is_empty(), "{what}: axis `{}` has no unit", axis.label);
        }
    }
    let svg = render_svg(chart).expect("draws");
    let texts = svg_texts(&svg);
    assert!(texts.contains(&chart.title), "{what}: title missing from the SVG: {texts:?}");
    for axis in [&chart.x, &chart.y] {
        assert!(texts.contains(&axis.title()), "{what}: `{}` missing: {texts:?}", axis.title());
        assert!(axis.title().contains(&format!("({}", axis.unit)), "{what}: unit not shown");
    }
    let legend = chart.legend();
    if legend.len() > 1 {
        for entry in &legend {
            assert!(texts.iter().any(|t| t == entry.label), "{what}: legend lacks {}", entry.label);
        }
    }
    if chart.lines.len() > 1 {
        assert!(legend.len() > 1, "{what}: several series but no legend");
    }
    let png_bytes = render_png(chart).expect("draws");
    let (rgba, width, height) = decode(&png_bytes);
    assert_eq!((width, height), (plot::WIDTH, plot::HEIGHT));
    // Text shows: the title across the top, the x axis title along the bottom, the y axis title
    // up the left edge.
    let title = dark_pixels(&rgba, width, (width / 4, 8, width * 3 / 4, 36));
    let x_title = dark_pixels(&rgba, width, (width / 4, height - 30, width * 3 / 4, height - 4));
    let y_title = dark_pixels(&rgba, width, (4, height / 4, 30, height * 3 / 4));
    for (part, n) in [("title", title), ("x axis title", x_title), ("y axis title", y_title)] {
        assert!(n > 80, "{what}: the {part} is not visible in the PNG ({n} dark pixels)");
    }
    // Words stay apart, as in the SVG: the title has a gap between ink at each of its spaces.
    let spaces = chart.title.matches(' ').count();
    let gaps = word_gaps(&rgba, width, (0, 8, width, 36));
    assert!(gaps >= spaces, "{what}: {gaps} gaps between words of `{}` in the PNG", chart.title);
}

type CountOf = fn(&SeriesWindow) -> u64;

/// The throughput plot's line for each reason an attempt is turned away, and its count.
const REJECTION_LINES: [(&str, CountOf); 5] = [
    ("rejected: queue full", |w| w.rejections.queue_full),
    ("rejected: rate limited", |w| w.rejections.rate_limited),
    ("rejected: breaker open", |w| w.rejections.breaker_open),
    ("rejected: shed", |w| w.rejections.shed),
    ("rejected: bulkhead full", |w| w.rejections.bulkhead),
];

#[test]
fn every_plot_is_titled_labelled_and_readable() {
    let (mut bounds_drawn, mut reasons_drawn) = (0, 0);
    for scenario in every_scenario() {
        let context = format!("{}/{}", scenario.name, scenario.variant.as_deref().unwrap_or("-"));
        let (summary, series) = run(&scenario, scenario.seed);
        let charts = charts(&summary, &series);
        let names: Vec<&str> = charts.iter().map(|c| c.name.as_str()).collect();
        // A run with node clocks (clock-skew-tokens) plots them too, last.
        let mut expected = vec!["latency", "throughput", "queues", "latency-cdf"];
        if !summary.clocks.is_empty() {
            expected.push(faultline_report::CLOCKS);
        }
        // A run with a database (replica-lag, monotonic-reads) plots its replicas' lag, last.
        if !summary.databases.is_empty() {
            expected.push(faultline_report::REPLICA_LAG);
        }
        assert_eq!(names, expected, "{context}");
        for chart in &charts {
            check_chart(&context, chart);
        }
        let cdf = &charts[3];
        assert_eq!(cdf.x.scale, Scale::Log, "{context}: the CDF has a log latency axis");
        for slo in &series.slos {
            let latency = &charts[0];
            assert!(
                latency.rules.iter().any(|r| r.direction == Direction::Horizontal
                    && r.label.as_deref().is_some_and(|l| l.contains(&slo.label))),
                "{context}: the latency plot lacks the SLO line {}",
                slo.label
            );
            assert!(
                cdf.rules.iter().any(|r| r.direction == Direction::Vertical),
                "{context}: the CDF lacks the SLO line"
            );
        }
        // Bands from the series (warm-up, load changes, faults, open breakers) are shaded by
        // their kind.
        for band in &series.bands {
            assert!(
                charts[0].bands.iter().any(|b| b.label == band.label && b.kind == band.kind),
                "{context}: band {} missing",
                band.label
            );
        }
        // Each `QueueBounded` limit is a dashed rule on the queue plot, labelled with its
        // service and drawn in that service's colour.
        let queues = &charts[2];
        for bound in &series.queue_bounds {
            let i = series.services.iter().position(|s| *s == bound.service).expect("a service");
            let drawn = queues.rules.iter().any(|r| {
                r.direction == Direction::Horizontal
                    && r.at == bound.max as f64
                    && r.colour == queues.line_colour(i)
                    && r.label.as_deref().is_some_and(|l| l.contains(&bound.service))
            });
            assert!(drawn, "{context}: the queue plot lacks the bound of {}", bound.service);
            bounds_drawn += 1;
        }
        // One line per reason attempts were turned away for, and none for the others.
        for (label, count) in REJECTION_LINES {
            let occurred = series.windows.iter().any(|w| count(w) > 0);
            let drawn = charts[1].lines.iter().any(|l| l.label == label);
            assert_eq!(drawn, occurred, "{context}: `{label}`");
            reasons_drawn += usize::from(drawn);
        }
    }
    assert!(bounds_drawn > 0, "the catalogue has queue bounds to draw");
    assert!(reasons_drawn > 0, "the catalogue has rejections to draw");
}

#[test]
fn plots_are_byte_identical_whatever_the_threads_do() {
    let text = std::fs::read_to_string(scenarios_dir().join("queue-growth.ron")).unwrap();
    let overrides = Overrides { variant: Some("naive".into()), sets: vec![] };
    let scenario = load("queue-growth.ron", &text, &overrides).unwrap();
    let (summary, series) = run(&scenario, 7);
    let first = render_report(&summary, &series).expect("renders");
    let (summary_again, series_again) = run(&scenario, 7);
    assert_eq!(series, series_again);
    for _ in 0..3 {
        assert_eq!(render_report(&summary_again, &series_again).expect("renders"), first);
    }
    // One thread, one chart at a time, gives the same bytes as the parallel report.
    for chart in charts(&summary, &series) {
        let png = first.iter().find(|f| f.name == format!("{}.png", chart.name)).unwrap();
        let svg = first.iter().find(|f| f.name == format!("{}.svg", chart.name)).unwrap();
        assert_eq!(png.bytes, render_png(&chart).unwrap(), "{}.png", chart.name);
        assert_eq!(svg.bytes, render_svg(&chart).unwrap().into_bytes(), "{}.svg", chart.name);
    }
    let names: Vec<&str> = first.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "index.html",
            "latency-cdf.png",
            "latency-cdf.svg",
            "latency.png",
            "latency.svg",
            "queues.png",
            "queues.svg",
            "series.json",
            "summary.json",
            "throughput.png",
            "throughput.svg"
        ]
    );
}

#[test]
fn a_sweep_draws_throughput_and_p99_against_the_parameter() {
    let text = std::fs::read_to_string(scenarios_dir().join("mmc.ron")).unwrap();
    let points: Vec<VaryPoint> = ["6/s", "7.2/s", "7.8/s"]
        .iter()
        .map(|rate| {
            let overrides = Overrides {
                variant: None,
                sets: vec!["duration=3000s".into(), format!("clients.arrivals.rate={rate}")],
            };
            let scenario = load("mmc.ron", &text, &overrides).unwrap();
            let (summary, _) = run(&scenario, 1);
            VaryPoint::new(rate, &summary)
        })
        .collect();
    let sweep = VaryReport {
        scenario: "mmc".into(),
        variant: None,
        seed: 1,
        path: "clients.arrivals.rate".into(),
        points: points.clone(),
    };
    let chart = vary_chart(&sweep);
    assert_eq!(chart.x.unit, "/s");
    let throughput = &chart.lines[0];
    let xs: Vec<f64> = throughput.points.iter().map(|p| p.0).collect();
    assert_eq!(xs, [6.0, 7.2, 7.8], "placed by the number in each value");
    assert!(chart.lines.iter().any(|l| l.right), "p99 on the right-hand axis");
    let p99 = chart.lines.iter().find(|l| l.right).unwrap();
    assert!(p99.points[2].1 > p99.points[0].1, "p99 grows with the load: {:?}", p99.points);
    assert!(chart.y2.as_ref().is_some_and(|a| !a.unit.is_empty()));
    check_chart("vary", &chart);
    let texts = svg_texts(&render_svg(&chart).unwrap());
    assert!(texts.iter().any(|t| t.starts_with("p99 latency (")), "right axis titled: {texts:?}");

    // Values that are not numbers with one unit are placed in order.
    let mut odd = sweep.clone();
    odd.points[1].value = "Exp(mean: \"1s\")".into();
    let chart = vary_chart(&odd);
    let xs: Vec<f64> = chart.lines[0].points.iter().map(|p| p.0).collect();
    assert_eq!(xs, [1.0, 2.0, 3.0]);
}
