//! `faultline compare`: its figures are `run`'s for every variant and seed, its JSON keeps its
//! field names, its page overlays one line per variant and opens in a browser, retry-storm's
//! fixed variant recovers where naive does not, and bad variant names are refused with the list.

use std::ffi::OsString;
use std::path::PathBuf;

use faultline_report::Series;
use faultline_tests::{load_bundled, run, scenario_path};
use serde_json::Value;

use crate::report::{browser_check, scratch};

/// Runs the command line; returns the exit code, stdout and stderr.
fn cli(args: &[&str]) -> (u8, String, String) {
    let argv: Vec<OsString> =
        std::iter::once("faultline").chain(args.iter().copied()).map(Into::into).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = faultline_cli::main_with(argv, &mut out, &mut err);
    (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
}

fn storm() -> String {
    scenario_path("retry-storm").display().to_string()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Retry-storm after its spike (60 s + 10 s): successful requests per second over the windows
/// from 70 s to the end at 180 s, summed by hand from the run's series.
fn goodput_after_spike(variant: &str, seed: u64) -> f64 {
    let scenario = load_bundled("retry-storm", Some(variant), &[]);
    let series = Series::new(&scenario, &run(&scenario, seed).metrics);
    let after: u64 = series.windows.iter().filter(|w| w.start_s >= 70.0).map(|w| w.completed).sum();
    after as f64 / 110.0
}

#[test]
fn the_table_holds_runs_figures_for_every_variant_and_seed() {
    let file = storm();
    let (code, out, err) =
        cli(&["compare", &file, "--seeds", "1..3", "--format", "json", "--no-report"]);
    assert_eq!(code, 0, "{err}");
    let c = json(&out);
    assert_eq!(c["baseline"], "naive", "naive,fixed by default, the baseline first");
    let variants = c["variants"].as_array().unwrap();
    assert_eq!(variants.iter().map(|v| &v["name"]).collect::<Vec<_>>(), ["naive", "fixed"]);
    for v in variants {
        let name = v["name"].as_str().unwrap();
        let seeds = v["seeds"].as_array().unwrap();
        assert_eq!(seeds.len(), 3);
        for (seed, figures) in (1..=3u64).zip(seeds) {
            assert_eq!(figures["seed"], seed);
            let seed_text = seed.to_string();
            let (code, out, err) = cli(&[
                "run",
                &file,
                "--variant",
                name,
                "--seed",
                &seed_text,
                "--format",
                "json",
                "--no-report",
            ]);
            assert!(code <= 1, "{err}");
            let s = json(&out);
            let what = format!("{name} seed {seed}");
            assert_eq!(figures["trace_hash"], s["trace_hash"], "{what}: the same run");
            for (mine, theirs) in
                [("latency_p50_s", "p50"), ("latency_p99_s", "p99"), ("latency_p999_s", "p999")]
            {
                assert_eq!(figures[mine], s["latency_s"][theirs], "{what} {mine}");
            }
            for key in ["throughput_per_s", "goodput_per_s"] {
                assert_eq!(figures[key], s["load"][key], "{what} {key}");
            }
            let r = &s["requests"];
            let (completed, failed, rejected) =
                (f(&r["completed"]), f(&r["failed"]), f(&r["rejected"]));
            let success = completed / (completed + failed + rejected);
            assert!((f(&figures["success_rate"]) - success).abs() < 1e-12, "{what}");
            let (attempts, retries) = (f(&s["load"]["attempts"]), f(&s["load"]["retries"]));
            let per_call = retries / (attempts - retries);
            assert!((f(&figures["retries_per_call"]) - per_call).abs() < 1e-12, "{what}");
            let after = goodput_after_spike(name, seed);
            assert!(
                (f(&figures["goodput_after_load_change_per_s"]) - after).abs() < 1e-9,
                "{what}"
            );
            let violated: Vec<&Value> = s["invariants"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|i| i["holds"] == false)
                .map(|i| &i["name"])
                .collect();
            assert_eq!(
                figures["violated"].as_array().unwrap().iter().collect::<Vec<_>>(),
                violated
            );
        }
        // The table's figure is the mean over the seeds.
        let mean: f64 = seeds.iter().map(|s| f(&s["goodput_per_s"])).sum::<f64>() / 3.0;
        assert!((f(&v["mean"]["goodput_per_s"]) - mean).abs() < 1e-9, "{name}");
        // Violations per invariant: seeds whose run violated it.
        for inv in v["invariants"].as_array().unwrap() {
            let count = seeds
                .iter()
                .filter(|s| s["violated"].as_array().unwrap().contains(&inv["name"]))
                .count();
            assert_eq!(inv["violations"], count as u64, "{name} {}", inv["name"]);
        }
    }
    let d = &c["differences"][0];
    assert_eq!((&d["variant"], &d["against"]), (&Value::from("fixed"), &Value::from("naive")));
    let (naive, fixed) =
        (f(&variants[0]["mean"]["goodput_per_s"]), f(&variants[1]["mean"]["goodput_per_s"]));
    let goodput = &d["figures"]["goodput_per_s"];
    assert!((f(&goodput["absolute"]) - (fixed - naive)).abs() < 1e-9);
    assert!((f(&goodput["relative"]) - (fixed - naive) / naive).abs() < 1e-9);
    assert!(d["figures"]["success_rate"]["relative"].is_null(), "shares differ in points");
}

#[test]
fn the_json_keeps_its_field_names() {
    let (code, out, err) = cli(&["compare", &storm(), "--format", "json", "--no-report"]);
    assert_eq!(code, 0, "{err}");
    let c = json(&out);
    for key in [
        "scenario",
        "file",
        "sets",
        "seeds",
        "version",
        "scenario_hash",
        "baseline",
        "variants",
        "differences",
        "plotted_seed",
    ] {
        assert!(c.get(key).is_some(), "{key}");
    }
    assert_eq!((&c["seeds"]["first"], &c["seeds"]["last"]), (&Value::from(1), &Value::from(1)));
    let v = &c["variants"][0];
    for key in ["name", "description", "runs", "stopped", "mean", "invariants", "seeds"] {
        assert!(v.get(key).is_some(), "variant {key}");
    }
    for key in [
        "latency_p50_s",
        "latency_p99_s",
        "latency_p999_s",
        "throughput_per_s",
        "goodput_per_s",
        "goodput_after_load_change_per_s",
        "success_rate",
        "retries_per_call",
    ] {
        assert!(v["mean"].get(key).is_some(), "mean {key}");
        assert!(v["seeds"][0].get(key).is_some(), "seed {key}");
        assert!(c["differences"][0]["figures"][key].get("absolute").is_some(), "difference {key}");
    }
    for key in ["name", "violations", "rate", "wilson_95", "first_failing"] {
        assert!(v["invariants"][0].get(key).is_some(), "invariant {key}");
    }
}

/// Polylines of an SVG drawn in `colour` with more than two points: data lines, not legend
/// swatches or ticks.
fn data_lines(svg: &str, colour: &str) -> usize {
    svg.split("<polyline")
        .skip(1)
        .filter(|p| p.contains(&format!("stroke=\"{colour}\"")))
        .filter(|p| {
            let points =
                p.split("points=\"").nth(1).and_then(|p| p.split('"').next()).unwrap_or("");
            points.split_whitespace().count() > 2
        })
        .count()
}

/// The cells of the page's table row labelled `label`.
fn row_cells(html: &str, label: &str) -> Vec<String> {
    let start = html.find(&format!("<tr><th>{label}</th>")).unwrap_or_else(|| panic!("{label}"));
    let row = &html[start..start + html[start..].find("</tr>").unwrap()];
    row.split("<td class=\"n\">")
        .skip(1)
        .map(|c| c.split("</td>").next().unwrap().to_string())
        .collect()
}

fn report_line(text: &str) -> PathBuf {
    let line = text.lines().find(|l| l.starts_with("report ")).expect("a report line");
    PathBuf::from(line.trim_start_matches("report").trim()).parent().unwrap().to_path_buf()
}

#[test]
fn the_page_overlays_the_variants_and_shows_fixed_recovering() {
    let out = scratch("compare-page");
    let out_arg = out.display().to_string();
    let (code, text, err) = cli(&["compare", &storm(), "--seeds", "1..2", "--out", &out_arg]);
    assert_eq!(code, 0, "{err}");
    let folder = report_line(&text);
    assert_eq!(folder, out.join("retry-storm/compare-naive-fixed-seeds1-2"));
    for name in ["latency", "goodput"] {
        let svg = std::fs::read_to_string(folder.join(format!("{name}.svg"))).unwrap();
        // One line per variant in the palette's first two colours, each named in the legend.
        for (colour, variant) in [("#0072B2", "naive"), ("#E69F00", "fixed")] {
            assert!(data_lines(&svg, colour) >= 1, "{name}: no {variant} line");
            assert!(
                svg.contains(&format!(">\n{variant}\n</text>")),
                "{name}: {variant} in the legend"
            );
        }
        assert!(folder.join(format!("{name}.png")).is_file());
    }
    // Fixed's goodput after the spike above naive's, in the table and on the page.
    let c = json(&std::fs::read_to_string(folder.join("compare.json")).unwrap());
    for seed in 0..2 {
        let after =
            |v: usize| f(&c["variants"][v]["seeds"][seed]["goodput_after_load_change_per_s"]);
        assert!(
            after(1) > 100.0 && after(0) < 10.0,
            "seed {}: fixed {} naive {}",
            seed + 1,
            after(1),
            after(0)
        );
    }
    let line = text.lines().find(|l| l.starts_with("goodput after load change")).expect("a row");
    let rates: Vec<f64> = line
        .split_whitespace()
        .filter_map(|w| w.strip_suffix("/s")?.trim_start_matches('+').parse().ok())
        .collect();
    assert!(rates[1] > rates[0] + 100.0, "{line}");
    let html = std::fs::read_to_string(folder.join("index.html")).unwrap();
    let cells = row_cells(&html, "goodput after load change");
    let rate = |cell: &str| cell.trim_end_matches("/s").parse::<f64>().unwrap();
    assert!(rate(&cells[1]) > rate(&cells[0]) + 100.0, "{cells:?}");
    assert!(html.contains("✗ 2 of 2") && html.contains("✓ held on all 2"), "verdicts side by side");
    assert!(html.contains("seed 1"), "the page says which seed it plots");

    // Never over an earlier comparison: the same command writes the next folder.
    let (_, again, _) = cli(&["compare", &storm(), "--seeds", "1..2", "--out", &out_arg]);
    assert_eq!(report_line(&again), out.join("retry-storm/compare-naive-fixed-seeds1-2-2"));
    browser_check(&folder, 2, "compare-browser", 40_000);
}

#[test]
fn bad_variants_are_refused_with_the_list_of_variants() {
    let file = storm();
    let refused = |args: &[&str], expect: &[&str]| {
        let mut all = vec!["compare"];
        all.extend_from_slice(args);
        all.push("--no-report");
        let (code, out, err) = cli(&all);
        assert_eq!(code, 2, "{args:?}: {out}");
        assert!(out.is_empty(), "{args:?}: nothing on stdout");
        for e in expect {
            assert!(err.contains(e), "{args:?}: `{e}` not in {err}");
        }
    };
    refused(
        &[&file, "--variants", "naive,fxed"],
        &["unknown variant `fxed`", "did you mean `fixed`?", "fixed, naive"],
    );
    refused(&[&file, "--variants", "naive,naive"], &["`naive` twice"]);
    refused(&[&file, "--variants", "fixed"], &["two variants or more", "fixed, naive"]);
    let mm1 = scenario_path("mm1").display().to_string();
    refused(&[&mm1], &["two variants or more", "it has none"]);
    refused(
        &[&file, "--set", "services.db.workers=0"],
        &["--set services.db.workers=0", "between 1"],
    );
    refused(&[&file, "--seeds", "5..1"], &["5..1"]);
}

/// The same comparison, byte for byte, on one thread and on four.
#[test]
fn a_comparison_is_the_same_on_one_thread_and_on_several() {
    let on_threads = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a pool");
        pool.install(|| {
            cli(&["compare", &storm(), "--seeds", "3..8", "--format", "json", "--no-report"])
        })
    };
    let one = on_threads(1);
    assert_eq!(one.0, 0, "{}", one.2);
    assert_eq!(one, on_threads(4));
}
