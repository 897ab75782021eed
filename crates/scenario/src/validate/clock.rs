//! The `clocks:` section: each node's local clock (offset, drift, steps, sync), keyed by node
//! name; never accepts an unknown node, a drift beyond ±1,000,000 ppm, a step outside the run,
//! or a sync that never comes round or comes round too often to trace.

use std::collections::BTreeMap;

use faultline_engine::{SimDuration, SimTime};
use faultline_model::{ClockConfig, ClockStep, ClockSync};

use crate::raw::{ClockRaw, ClockStepRaw, ClockSyncRaw};
use crate::units::parse_signed_duration;

use super::Checker;
use super::nodes::NodeNames;

/// The most a clock may drift either way, in ppm: at −1,000,000 it stands still, at
/// +1,000,000 it runs twice as fast.
pub const MAX_DRIFT_PPM: f64 = 1e6;
/// The most syncs one clock may make in a run: the summary and the plots go through each.
pub const MAX_SYNCS: u64 = 1_000_000;

/// The nodes' clocks, by node (a name both a client and a service have sets both); empty
/// without a `clocks:` section or with an empty one.
pub(super) fn check_clocks(
    c: &mut Checker,
    raw: &BTreeMap<String, ClockRaw>,
    nodes: &NodeNames,
    duration: Option<SimDuration>,
) -> Option<Vec<(u32, ClockConfig)>> {
    let mut clocks = Vec::new();
    let mut ok = true;
    for (name, clock) in raw {
        let at = ["clocks", name.as_str()];
        let found = nodes.find(c, &at, name);
        match (found, check_clock(c, &at, clock, duration)) {
            (Some(found), Some(config)) => {
                clocks.extend(found.into_iter().map(|node| (node, config.clone())));
            }
            _ => ok = false,
        }
    }
    clocks.sort_by_key(|&(node, _)| node);
    ok.then_some(clocks)
}

/// One node's clock; `duration` (the run's, when valid) bounds its steps and syncs.
fn check_clock(
    c: &mut Checker,
    at: &[&str],
    raw: &ClockRaw,
    duration: Option<SimDuration>,
) -> Option<ClockConfig> {
    let field = |name: &'static str| [at, &[name]].concat();
    let offset = match &raw.offset {
        Some(text) => signed(c, &field("offset"), text),
        None => Some(0),
    };
    let drift_ppm = drift(c, &field("drift_ppm"), raw.drift_ppm.unwrap_or(0.0));
    let steps: Vec<Option<ClockStep>> = raw
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let index = i.to_string();
            check_step(c, &[at, &["steps", index.as_str()]].concat(), step, duration)
        })
        .collect();
    let sync = match &raw.sync {
        Some(sync) => check_sync(c, &field("sync"), sync, duration).map(Some),
        None => Some(None),
    };
    let steps = steps.into_iter().collect::<Option<Vec<_>>>();
    Some(ClockConfig { offset: offset?, drift_ppm: drift_ppm?, steps: steps?, sync: sync? })
}

/// A signed duration in nanoseconds.
fn signed(c: &mut Checker, at: &[&str], text: &str) -> Option<i64> {
    parse_signed_duration(text).map_err(|e| c.report(at, e, None)).ok()
}

fn drift(c: &mut Checker, at: &[&str], ppm: f64) -> Option<f64> {
    if ppm.is_finite() && ppm.abs() <= MAX_DRIFT_PPM {
        return Some(ppm);
    }
    let help = "-1,000,000 ppm stands the clock still and +1,000,000 runs it twice as fast; \
                quartz clocks drift by tens of ppm";
    c.report(
        at,
        format!("`drift_ppm` is {ppm}; a clock drifts by -1,000,000 to +1,000,000 ppm"),
        Some(help.into()),
    );
    None
}

/// A step during the run: its instant before the run's end.
fn check_step(
    c: &mut Checker,
    at: &[&str],
    raw: &ClockStepRaw,
    duration: Option<SimDuration>,
) -> Option<ClockStep> {
    let when = [at, &["at"]].concat();
    let instant = c.duration(&when, &raw.at);
    let by = signed(c, &[at, &["by"]].concat(), &raw.by);
    if let (Some(instant), Some(duration)) = (instant, duration)
        && instant >= duration
    {
        c.report(
            &when,
            format!("a step at {instant} is not during the run, which ends at {duration}"),
            None,
        );
        return None;
    }
    Some(ClockStep { at: SimTime::ZERO + instant?, by: by? })
}

/// A sync every positive `every`, at most [`MAX_SYNCS`] times in the run, to within a
/// `within` of zero or more.
fn check_sync(
    c: &mut Checker,
    at: &[&str],
    raw: &ClockSyncRaw,
    duration: Option<SimDuration>,
) -> Option<ClockSync> {
    let every_at = [at, &["every"]].concat();
    let every = c.positive_duration(&every_at, &raw.every);
    let within = c.duration(&[at, &["within"]].concat(), &raw.within);
    if let (Some(every), Some(duration)) = (every, duration) {
        let syncs = duration.as_nanos() / every.as_nanos();
        if syncs > MAX_SYNCS {
            let least = SimDuration::from_nanos(duration.as_nanos().div_ceil(MAX_SYNCS));
            c.report(
                &every_at,
                format!(
                    "a sync every {every} makes {syncs} syncs in the run; at most {MAX_SYNCS} \
                     are allowed"
                ),
                Some(format!("sync at most every {least}")),
            );
            return None;
        }
    }
    Some(ClockSync { every: every?, within: within? })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{API, WEB, first_help, instant_s, refused, scenario, valid};
    use super::*;

    const SEC: i64 = 1_000_000_000;

    fn clocks(section: &str) -> String {
        scenario(API, WEB, &format!("clocks: {{ {section} }}"))
    }

    #[test]
    fn no_clocks_section_and_an_empty_one_mean_no_clocks() {
        assert!(valid(&scenario(API, WEB, "")).world.clocks.is_empty());
        assert!(valid(&clocks("")).world.clocks.is_empty());
    }

    #[test]
    fn a_clock_with_every_field_is_read_as_written() {
        let s = valid(&clocks(
            r#""api": (offset: "+2s", drift_ppm: 50.0, steps: [(at: "30s", by: "-5min"),
                (at: "0s", by: "250ms")], sync: (every: "64s", within: "10ms"))"#,
        ));
        let expected = ClockConfig {
            offset: 2 * SEC,
            drift_ppm: 50.0,
            steps: vec![
                ClockStep { at: instant_s(30), by: -300 * SEC },
                ClockStep { at: SimTime::ZERO, by: SEC / 4 },
            ],
            sync: Some(ClockSync {
                every: SimDuration::from_secs(64),
                within: SimDuration::from_millis(10),
            }),
        };
        // Nodes: clients first (`web` is 0), then services (`api` is 1).
        assert_eq!(s.world.clocks, [(1, expected)]);
    }

    #[test]
    fn fields_left_out_keep_true_time_and_a_shared_name_sets_both_nodes() {
        let client = r#""api": (target: "api", rate: "1/s"), "web": (target: "api", rate: "1/s")"#;
        let text = scenario(API, client, r#"clocks: { "web": (offset: "-3s"), "api": () }"#);
        let s = valid(&text);
        let behind = ClockConfig { offset: -3 * SEC, ..ClockConfig::default() };
        // Nodes: clients `api` 0 and `web` 1, then service `api` 2.
        assert_eq!(
            s.world.clocks,
            [(0, ClockConfig::default()), (1, behind), (2, ClockConfig::default())]
        );
    }

    #[test]
    fn an_unknown_node_is_refused_with_the_closest_name() {
        let text = clocks(r#""apii": (drift_ppm: 10.0)"#);
        assert_eq!(refused(&text), ["clocks.apii: unknown node `apii`"]);
        assert_eq!(first_help(&text).as_deref(), Some("did you mean `api`?"));
    }

    #[test]
    fn a_drift_beyond_a_million_ppm_either_way_is_refused() {
        valid(&clocks(r#""api": (drift_ppm: -1000000.0), "web": (drift_ppm: 1000000.0)"#));
        for ppm in ["1000000.5", "-2000000.0", "inf", "NaN"] {
            let problems = refused(&clocks(&format!(r#""api": (drift_ppm: {ppm})"#)));
            assert_eq!(problems.len(), 1, "{ppm}: {problems:?}");
            assert!(
                problems[0].starts_with("clocks.api.drift_ppm: `drift_ppm` is ")
                    && problems[0].ends_with("a clock drifts by -1,000,000 to +1,000,000 ppm"),
                "{ppm}: {problems:?}"
            );
        }
    }

    #[test]
    fn offsets_and_steps_need_signed_durations() {
        let problems =
            refused(&clocks(r#""api": (offset: "2", steps: [(at: "1s", by: "--5min")])"#));
        assert_eq!(
            problems,
            [
                "clocks.api.offset: \"2\" is not a signed duration; write a signed duration like \
                 \"+2s\", \"-5min\" or \"-250ms\" (units: ns, us, ms, s, m, h, d)",
                "clocks.api.steps.0.by: \"--5min\" is not a signed duration; write a signed \
                 duration like \"+2s\", \"-5min\" or \"-250ms\" (units: ns, us, ms, s, m, h, d)",
            ]
        );
    }

    #[test]
    fn a_step_must_be_during_the_run() {
        valid(&clocks(r#""api": (steps: [(at: "59.999s", by: "+1s")])"#));
        assert_eq!(
            refused(&clocks(r#""api": (steps: [(at: "1s", by: "+1s"), (at: "60s", by: "+1s")])"#)),
            ["clocks.api.steps.1.at: a step at 60s is not during the run, which ends at 60s"]
        );
        assert_eq!(
            refused(&clocks(r#""api": (steps: [(at: "-1s", by: "+1s")])"#))[0],
            "clocks.api.steps.0.at: duration \"-1s\" is negative; write a duration like \"250ms\", \
             \"2s\", \"1.5s\" or \"1h30m\" (units: ns, us, ms, s, m, h, d)"
        );
    }

    #[test]
    fn a_sync_needs_a_positive_every_and_a_within_of_zero_or_more() {
        let s = valid(&clocks(r#""api": (sync: (every: "1s", within: "0s"))"#));
        assert_eq!(s.world.clocks[0].1.sync.map(|s| s.within), Some(SimDuration::ZERO));
        assert_eq!(
            refused(&clocks(r#""api": (sync: (every: "0s", within: "-1ms"))"#)),
            [
                "clocks.api.sync.every: `clocks.api.sync.every` must be longer than zero",
                "clocks.api.sync.within: duration \"-1ms\" is negative; write a duration like \
                 \"250ms\", \"2s\", \"1.5s\" or \"1h30m\" (units: ns, us, ms, s, m, h, d)",
            ]
        );
    }

    #[test]
    fn a_sync_too_frequent_to_trace_is_refused_with_the_least_interval() {
        valid(&clocks(r#""api": (sync: (every: "60us", within: "1ms"))"#));
        let text = clocks(r#""api": (sync: (every: "59us", within: "1ms"))"#);
        assert_eq!(
            refused(&text),
            ["clocks.api.sync.every: a sync every 59µs makes 1016949 syncs in the run; at most \
                 1000000 are allowed"]
        );
        assert_eq!(first_help(&text).as_deref(), Some("sync at most every 60µs"));
    }

    #[test]
    fn every_problem_of_every_clock_is_reported() {
        let text = clocks(
            r#""nope": (drift_ppm: 5e6), "api": (offset: "x", sync: (every: "0s", within: "1s"))"#,
        );
        assert_eq!(refused(&text).len(), 4, "{:?}", refused(&text));
    }
}
