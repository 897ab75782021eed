//! Same scenario + seed ⇒ byte-identical results; a different seed ⇒ a different run; one
//! component's randomness is untouched by adding another (common random numbers).

use faultline_engine::{Limits, SimDuration, SimTime, run};
use faultline_model::{
    ArrivalProcess, CallConfig, ClientConfig, Discipline, Dist, Endpoint, LoadShape, Observation,
    Observer, Rate, ServiceConfig, Step, World, WorldConfig,
};
use faultline_tests::scenario_path;

/// Runs the CLI and returns its stdout, with the wall-time line (the one field allowed to
/// differ between identical runs) removed.
fn json_run(args: &[&str]) -> String {
    let mut argv: Vec<std::ffi::OsString> = vec!["faultline".into(), "run".into()];
    argv.extend(args.iter().map(Into::into));
    argv.extend(["--format", "json", "--no-report"].map(Into::into));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = faultline_cli::main_with(argv, &mut out, &mut err);
    assert!(code <= 1, "exit {code}: {}", String::from_utf8_lossy(&err));
    let text = String::from_utf8(out).expect("JSON output is UTF-8");
    text.lines()
        .filter(|l| !l.trim_start().starts_with("\"wall_time_s\""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn trace_hash(json: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(json).expect("output is JSON");
    value["trace_hash"].as_str().expect("trace_hash is a string").to_string()
}

#[test]
fn same_seed_gives_byte_identical_json() {
    for name in ["mm1", "queue-growth"] {
        let file = scenario_path(name).display().to_string();
        let first = json_run(&[&file, "--seed", "42"]);
        let second = json_run(&[&file, "--seed", "42"]);
        assert_eq!(first, second, "{name}: two runs with seed 42 differ");
        assert_eq!(trace_hash(&first).len(), 16);
    }
}

#[test]
fn different_seed_gives_a_different_trace() {
    let file = scenario_path("queue-growth").display().to_string();
    let a = trace_hash(&json_run(&[&file, "--seed", "1"]));
    let b = trace_hash(&json_run(&[&file, "--seed", "2"]));
    assert_ne!(a, b);
}

/// Records when each client sent each request.
#[derive(Default)]
struct ArrivalLog {
    times: Vec<(usize, SimTime)>,
}

impl Observer for ArrivalLog {
    fn observe(&mut self, now: SimTime, what: &Observation) {
        if let Observation::RequestArrived { client, .. } = *what {
            self.times.push((client, now));
        }
    }
}

fn client(name: &str, target: usize, rate: f64) -> ClientConfig {
    let shape = LoadShape::Spike {
        at: SimTime::ZERO + SimDuration::from_secs(20),
        until: SimTime::ZERO + SimDuration::from_secs(30),
        factor: 3.0,
    };
    let call = CallConfig {
        path: format!("clients.{name}"),
        target: Endpoint::Service(target),
        timeout: None,
        retry: None,
        breaker: None,
        cancel_on_timeout: false,
        max_concurrent: None,
        weight: 1.0,
        balance: Default::default(),
        ejection: None,
        op: None,
    };
    ClientConfig {
        name: name.into(),
        process: ArrivalProcess::Poisson,
        rate: Rate(rate),
        shape,
        call,
        class: 0,
        key: None,
        fields: vec![],
        schedule: None,
        for_each: faultline_model::ForEach::Once,
        token: None,
    }
}

fn world(clients: Vec<ClientConfig>) -> WorldConfig {
    let service = |name: &str| ServiceConfig {
        name: name.into(),
        workers: 2,
        queue_capacity: Some(10),
        steps: vec![Step::Work { time: Dist::Exp { mean: 0.05 }, contention: SimDuration::ZERO }],
        rate_limit: None,
        shed_after: None,
        discipline: Discipline::Fifo,
        ageing: None,
        hold_while_open: false,
        drain_rate: None,
    };
    WorldConfig {
        classes: vec!["default".into()],
        fields: vec![],
        clients,
        services: vec![service("api"), service("other")],
        groups: vec![],
        faults: vec![],
        warmup: SimTime::ZERO,
        end: SimTime::ZERO + SimDuration::from_secs(60),
        window: SimDuration::from_secs(1),
        max_in_flight: 10_000,
        network: None,
        node_faults: vec![],
        clocks: vec![],
        start: faultline_model::Timestamp::UNIX_EPOCH,
        topics: vec![],
    }
}

fn arrivals_of(config: &WorldConfig, client: usize) -> Vec<SimTime> {
    let mut world = World::new(config, 9, ArrivalLog::default());
    let limits = Limits {
        end: config.end,
        max_events: 10_000_000,
        max_work_per_instant: Limits::DEFAULT_MAX_WORK_PER_INSTANT,
    };
    run(&mut world, limits).expect("within limits");
    let (_, log, _) = world.finish();
    log.times.into_iter().filter(|(c, _)| *c == client).map(|(_, t)| t).collect()
}

#[test]
fn adding_an_unrelated_client_leaves_other_arrivals_unchanged() {
    let alone = world(vec![client("web", 0, 30.0)]);
    // The new client comes first, so the web client's index changes too: streams follow names.
    let crowded = world(vec![client("batch", 1, 50.0), client("web", 0, 30.0)]);
    let before = arrivals_of(&alone, 0);
    let after = arrivals_of(&crowded, 1);
    assert!(before.len() > 1_000, "too few arrivals to compare: {}", before.len());
    assert_eq!(before, after);
}

/// The trace hash, summary and series of a bundled scenario's run, its text given.
fn outputs(name: &str, variant: &str, text: &str) -> (String, String, String) {
    let overrides =
        faultline_scenario::Overrides { variant: Some(variant.to_string()), sets: vec![] };
    let scenario =
        faultline_scenario::load(name, text, &overrides).unwrap_or_else(|e| panic!("{e}"));
    let outcome = faultline_tests::run(&scenario, scenario.seed);
    let summary = faultline_report::Summary::new(&scenario, &outcome, 0.0, String::new());
    let series = faultline_report::Series::new(&scenario, &outcome.metrics);
    (outcome.stats.trace_hash.hex(), summary.to_json(), series.to_json())
}

/// An empty `clocks: {}` is no clocks at all: the same trace, summary and series, byte for byte,
/// in scenarios with timeouts, retries, breakers, held queues, pacing and batches.
#[test]
fn an_empty_clocks_section_changes_no_output() {
    let runs = [
        ("retry-storm", "naive"),
        ("breaker-recovery-herd", "fixed"),
        ("async-pool-exhaustion", "fixed"),
    ];
    for (name, variant) in runs {
        let text = std::fs::read_to_string(scenario_path(name)).expect("readable");
        let with_clocks =
            text.replacen("\n    invariants:", "\n    clocks: {},\n    invariants:", 1);
        assert_ne!(with_clocks, text, "{name}: no top-level `invariants:` to insert before");
        let (hash, summary, series) = outputs(name, variant, &with_clocks);
        let (plain_hash, plain_summary, plain_series) = outputs(name, variant, &text);
        assert_eq!(hash, plain_hash, "{name}/{variant}");
        assert!(summary == plain_summary && series == plain_series, "{name}/{variant}");
    }
}
