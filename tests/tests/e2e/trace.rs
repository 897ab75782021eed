//! Event export (`run --trace FILE`, `--events FILE`): the trace is valid Chrome trace-event
//! JSON, the JSON lines are the same events, a window and sampling bound both, mechanisms show
//! up where they happen, and exporting changes no result.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use faultline_engine::{SimDuration, SimTime};
use faultline_report::trace::{Export, Recorder, TraceOptions, export};
use faultline_scenario::Scenario;
use faultline_tests::{load_bundled, scenario_path};
use serde_json::Value;

/// A fresh folder for one test's files.
fn folder(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("faultline-trace-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn cli(args: &[&str]) -> (u8, String) {
    let argv: Vec<std::ffi::OsString> =
        ["faultline", "run"].iter().chain(args).map(Into::into).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = faultline_cli::main_with(argv, &mut out, &mut err);
    let text = String::from_utf8_lossy(&out).to_string() + &String::from_utf8_lossy(&err);
    (code, text)
}

fn secs(s: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(s)
}

fn exported(scenario: &Scenario, options: TraceOptions) -> Export {
    let (outcome, recorder) = scenario.run_watched(scenario.seed, Recorder::new(options)).unwrap();
    export(scenario, &outcome.metrics, recorder)
}

fn number(event: &Value, field: &str) -> f64 {
    event[field].as_f64().unwrap_or_else(|| panic!("`{field}` is not a number in {event}"))
}

/// Checks `text` against the trace-event format (the JSON object form) and returns its events
/// other than metadata, in file order. Every event has `ph`, `ts`, `pid`, `tid` and `name`;
/// spans are `X` with `dur` ≥ 0 or `B`/`E` matched on their track; on each track events are in
/// order of `ts`; every track and process is named by metadata.
fn validate(text: &str) -> Vec<Value> {
    let trace: Value = serde_json::from_str(text).expect("the trace is JSON");
    assert_eq!(trace["displayTimeUnit"], "ms");
    let events = trace["traceEvents"].as_array().expect("traceEvents is an array");
    let mut named_processes = BTreeSet::new();
    let mut named_threads = BTreeSet::new();
    let mut last_ts: BTreeMap<(u64, u64), f64> = BTreeMap::new();
    let mut span_end: BTreeMap<(u64, u64), f64> = BTreeMap::new();
    let mut open: BTreeMap<(u64, u64), Vec<String>> = BTreeMap::new();
    let mut others = Vec::new();
    for e in events {
        for field in ["ph", "name"] {
            assert!(e[field].is_string(), "`{field}` missing in {e}");
        }
        let track = (e["pid"].as_u64().expect("pid"), e["tid"].as_u64().expect("tid"));
        let ts = number(e, "ts");
        assert!(ts >= 0.0, "{e}");
        let name = e["name"].as_str().unwrap().to_string();
        match e["ph"].as_str().unwrap() {
            "M" => {
                assert!(e["args"]["name"].is_string() || e["args"]["sort_index"].is_number());
                match name.as_str() {
                    "process_name" => named_processes.insert(track.0),
                    "thread_name" => named_threads.insert(track),
                    "process_sort_index" => true,
                    other => panic!("unknown metadata {other}"),
                };
                continue;
            }
            "X" => {
                let dur = number(e, "dur");
                assert!(dur >= 0.0, "negative duration: {e}");
                // Lanes: spans on one track never overlap (1 ns of rounding allowed).
                let end = span_end.entry(track).or_insert(0.0);
                assert!(ts >= *end - 1e-3, "overlapping spans on {track:?} at {ts}: {e}");
                *end = ts + dur;
            }
            "B" => open.entry(track).or_default().push(name),
            "E" => assert!(open.entry(track).or_default().pop().is_some(), "E without B: {e}"),
            "i" => assert!(matches!(e["s"].as_str(), Some("t" | "p" | "g")), "{e}"),
            "C" => {
                let args = e["args"].as_object().expect("a counter has args");
                assert!(!args.is_empty() && args.values().all(Value::is_number), "{e}");
            }
            other => panic!("unexpected phase {other}: {e}"),
        }
        let last = last_ts.entry(track).or_insert(0.0);
        assert!(ts >= *last, "out of order on {track:?}: {ts} after {last}");
        *last = ts;
        others.push(e.clone());
    }
    assert!(open.values().all(Vec::is_empty), "unclosed B events: {open:?}");
    for track in last_ts.keys() {
        assert!(named_processes.contains(&track.0), "process {} has no name", track.0);
        assert!(named_threads.contains(track), "track {track:?} has no name");
    }
    others
}

/// The checker above refuses what the format forbids (so that its passing means something).
#[test]
fn the_checker_refuses_what_the_format_forbids() {
    let named = r#"{"ph":"M","name":"process_name","ts":0,"pid":1,"tid":0,"args":{"name":"p"}},
{"ph":"M","name":"thread_name","ts":0,"pid":1,"tid":1,"args":{"name":"t"}}"#;
    let trace =
        |events: &str| format!(r#"{{"displayTimeUnit":"ms","traceEvents":[{named},{events}]}}"#);
    let span = |ts: u32, dur: i32| {
        format!(r#"{{"ph":"X","name":"s","ts":{ts},"dur":{dur},"pid":1,"tid":1,"args":{{}}}}"#)
    };
    assert_eq!(validate(&trace(&[span(0, 5), span(5, 1)].join(","))).len(), 2);
    let bad = [
        span(0, -1),                                                   // negative duration
        [span(10, 1), span(5, 1)].join(","),                           // out of order
        [span(0, 5), span(3, 1)].join(","),                            // overlapping on a lane
        span(0, 1).replace(r#","tid":1"#, ""),                         // no tid
        span(0, 1).replace(r#""tid":1"#, r#""tid":2"#),                // an unnamed track
        r#"{"ph":"B","name":"b","ts":1,"pid":1,"tid":1}"#.to_string(), // never ended
        r#"{"ph":"C","name":"q","ts":1,"pid":1,"tid":1,"args":{"q":"x"}}"#.to_string(),
    ];
    for events in bad {
        let text = trace(&events);
        let refused = std::panic::catch_unwind(|| validate(&text)).is_err();
        assert!(refused, "accepted {events}");
    }
}

/// isolated-instance, naive, 55 s to 65 s: the partition cutting api/2 off from the database
/// begins at 60 s. Written by the CLI, checked against the format, and the JSON lines checked
/// against the trace event by event.
#[test]
fn an_exported_trace_is_valid_and_its_json_lines_are_the_same_events() {
    let dir = folder("valid");
    let (trace, lines) = (dir.join("run.json"), dir.join("run.jsonl"));
    let file = scenario_path("isolated-instance");
    let (code, text) = cli(&[
        file.to_str().unwrap(),
        "--variant",
        "naive",
        "--no-report",
        "--trace",
        trace.to_str().unwrap(),
        "--events",
        lines.to_str().unwrap(),
        "--trace-window",
        "55s..65s",
    ]);
    assert_eq!(code, 1, "SuccessRate is violated in naive: {text}");
    let events = validate(&std::fs::read_to_string(&trace).unwrap());
    let lines: Vec<Value> = std::fs::read_to_string(&lines)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect();
    assert_eq!(lines.len(), events.len(), "one line per event but the metadata");
    assert!(text.contains(&format!("({} events)", events.len())), "{text}");
    for (line, event) in lines.iter().zip(&events) {
        assert_eq!(line["kind"], event["cat"], "{line} / {event}");
        assert_eq!(line["name"], event["name"]);
        assert!((number(line, "t") * 1e6 - number(event, "ts")).abs() < 1e-3, "{line}/{event}");
        assert!(line["component"].is_string());
        // Spans overlap the window; instants and counters are in it.
        let (t, dur) = (number(line, "t"), line["dur"].as_f64());
        assert!(t <= 65.0 && t + dur.unwrap_or(0.0) >= 55.0, "{line}");
        if dur.is_none() {
            assert!(t >= 55.0, "{line}");
        }
    }
    let partition: Vec<&Value> = lines.iter().filter(|l| l["kind"] == "fault").collect();
    assert_eq!(partition.len(), 1, "only the partition's beginning is in the window");
    assert_eq!(
        (partition[0]["t"].as_f64(), partition[0]["component"].as_str()),
        (Some(60.0), Some("network"))
    );
    assert_eq!(partition[0]["name"], "partition api/2 | db begins");
    // api/2's database query leaves after the partition began: it times out after 250 ms and
    // api/2 answers with an error; api/0 keeps answering.
    let jobs_at = |service: &str, outcome: &str| {
        lines
            .iter()
            .filter(|l| l["kind"] == "job" && l["service"] == service)
            .filter(|l| (60.0..64.5).contains(&number(l, "t")))
            .filter(|l| l["outcome"] == outcome)
            .map(|l| number(l, "dur"))
            .collect::<Vec<f64>>()
    };
    let failed = jobs_at("api/2", "error");
    assert!(failed.len() > 300, "about 100 a second reach api/2: {}", failed.len());
    assert!(failed.iter().all(|&dur| dur >= 0.25), "each waited for its query's timeout");
    assert!(jobs_at("api/2", "success").is_empty());
    assert!(jobs_at("api/0", "success").len() > 300);
    let requests = lines.iter().filter(|l| l["kind"] == "request").count();
    assert!((2_700..3_500).contains(&requests), "300/s over about 10 s: {requests}");
}

/// The whole run against a 30 s window, one request in 10, and both: the window keeps about
/// 30/180 of the requests, sampling about a tenth, each sampled request with all its jobs.
#[test]
fn a_window_and_sampling_bound_the_export() {
    let scenario = load_bundled("isolated-instance", Some("naive"), &[]);
    let options = |window: Option<(u64, u64)>, sample| TraceOptions {
        window: window.map(|(a, b)| (secs(a), secs(b))),
        sample,
    };
    let full = exported(&scenario, options(None, 1));
    let window = exported(&scenario, options(Some((60, 90)), 1));
    let sampled = exported(&scenario, options(None, 10));
    let both = exported(&scenario, options(Some((60, 90)), 10));
    let requests = |e: &Export| e.events.iter().filter(|e| e.kind == "request").count() as f64;
    let share = |e: &Export| requests(e) / requests(&full);
    assert!((53_000.0..55_000.0).contains(&requests(&full)), "300/s for 180 s");
    assert!((0.16..0.175).contains(&share(&window)), "window {}", share(&window));
    assert!((0.09..0.11).contains(&share(&sampled)), "sampled {}", share(&sampled));
    assert!((0.014..0.019).contains(&share(&both)), "both {}", share(&both));
    let size = |e: &Export| e.to_chrome_json().len() + e.to_json_lines().len();
    assert!(size(&both) * 40 < size(&full), "{} vs {}", size(&both), size(&full));
    // A sampled request keeps every job it set off, and nothing of another request is left.
    let jobs_of = |e: &Export| {
        let mut jobs: BTreeMap<u64, usize> = BTreeMap::new();
        for event in e.events.iter().filter(|e| e.kind == "job") {
            let request = event.args.iter().find(|(k, _)| *k == "request").unwrap().1.as_u64();
            *jobs.entry(request.unwrap()).or_default() += 1;
        }
        jobs
    };
    let (all_jobs, sampled_jobs) = (jobs_of(&full), jobs_of(&sampled));
    let options = options(None, 10);
    let expected: BTreeMap<u64, usize> =
        all_jobs.into_iter().filter(|(r, _)| options.samples(*r)).collect();
    assert_eq!(sampled_jobs, expected);
}

/// Watching a run to export it changes nothing the run produces.
#[test]
fn exporting_a_run_changes_no_result() {
    let scenario = load_bundled("retry-storm", Some("naive"), &[]);
    let plain = scenario.run(scenario.seed).unwrap();
    let (watched, _) =
        scenario.run_watched(scenario.seed, Recorder::new(TraceOptions::default())).unwrap();
    assert_eq!(format!("{plain:?}"), format!("{watched:?}"));
}

/// Breaker changes, leaders, token refusals, clock steps, crashes and pauses reach the export,
/// on the node where they happen, and each export is valid.
#[test]
fn mechanisms_show_up_on_their_nodes() {
    let kinds = |name: &str, variant: Option<&str>, sets: &[&str]| {
        let scenario = load_bundled(name, variant, sets);
        let export = exported(&scenario, TraceOptions { window: None, sample: 5 });
        validate(&export.to_chrome_json());
        let mut seen: BTreeMap<(&'static str, String), usize> = BTreeMap::new();
        for e in &export.events {
            *seen.entry((e.kind, export.process(e).name.clone())).or_default() += 1;
        }
        (export, seen)
    };
    let (_, herd) = kinds("breaker-recovery-herd", None, &[]);
    assert!(herd.keys().any(|(kind, _)| *kind == "breaker"), "{herd:?}");
    // store/0 pauses from 10 s to 12 s; store/2 takes over in term 2 before it resumes.
    let (export, lease) = kinds("paused-leader-lease", None, &[]);
    assert_eq!(lease.get(&("fault", "service store/0".into())), Some(&2), "{lease:?}");
    let leaders: Vec<_> = export.events.iter().filter(|e| e.kind == "leader").collect();
    assert_eq!(leaders.len(), 1, "{leaders:?}");
    assert_eq!(export.process(leaders[0]).name, "service store/2");
    assert!(secs(10) < leaders[0].at && leaders[0].at < secs(12), "{leaders:?}");
    let (export, _) = kinds(
        "isolated-instance",
        Some("naive"),
        &["faults=[Crash(node: \"api/1\", at: \"60s\", restart_after: \"30s\")]"],
    );
    let lost: Vec<_> = export
        .events
        .iter()
        .filter(|e| e.args.iter().any(|(k, v)| *k == "outcome" && v == "lost"))
        .collect();
    assert!(!lost.is_empty(), "api/1's work in progress at the crash is lost");
    for job in &lost {
        assert_eq!(export.process(job).name, "service api/1");
        assert_eq!(job.at + job.dur.unwrap(), secs(60), "it ends at the crash");
    }
    let (_, tokens) = kinds("clock-skew-tokens", Some("naive"), &[]);
    assert!(tokens.keys().any(|(kind, _)| *kind == "token_refused"), "{tokens:?}");
}

/// An existing file is kept unless `--force`; bounds without a file to bound are refused.
#[test]
fn an_existing_file_is_not_replaced_without_force() {
    let dir = folder("force");
    let trace = dir.join("run.json");
    std::fs::write(&trace, "keep me").unwrap();
    let file = scenario_path("partition-split-brain");
    let args = [file.to_str().unwrap(), "--no-report", "--trace", trace.to_str().unwrap()];
    let (code, text) = cli(&args);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("the file exists") && text.contains("--force"), "{text}");
    assert_eq!(std::fs::read_to_string(&trace).unwrap(), "keep me");
    let (code, text) = cli(&[&args[..], &["--force"]].concat());
    assert!(code < 2, "{text}");
    validate(&std::fs::read_to_string(&trace).unwrap());
    let leftovers = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(leftovers, 1, "no staging file is left behind");
    let (code, text) = cli(&[file.to_str().unwrap(), "--no-report", "--trace-sample", "10"]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("add --trace FILE or --events FILE"), "{text}");
}
