//! Node clocks against hand computation: drift, offset and steps to the nanosecond, the bound
//! synchronisation keeps, timers on the monotonic rate, and sync draws that depend on the sync's
//! index and the node's name only.

use faultline_engine::{RngStreams, SimDuration, SimTime};
use rand::Rng;

use super::sync::error_from_draw;
use super::*;

const SEC: i64 = 1_000_000_000;
const MS: i64 = 1_000_000;

fn secs(secs: u64) -> SimTime {
    SimTime::from_nanos(secs * 1_000_000_000)
}

fn ns(nanos: u64) -> SimTime {
    SimTime::from_nanos(nanos)
}

fn drifting(drift_ppm: f64) -> ClockConfig {
    ClockConfig { drift_ppm, ..ClockConfig::default() }
}

fn synced(drift_ppm: f64, every_secs: u64, within_ms: u64) -> ClockConfig {
    let sync = ClockSync {
        every: SimDuration::from_secs(every_secs),
        within: SimDuration::from_millis(within_ms),
    };
    ClockConfig { sync: Some(sync), ..drifting(drift_ppm) }
}

fn clock(config: &ClockConfig, node: &str) -> Clock {
    Clock::new(config, node, &RngStreams::new(7))
}

#[test]
fn drift_accumulates_as_configured() {
    // +50 ppm over 1,000 s: 50 · 10¹² / 10⁶ = 5·10⁷ ns = 50 ms, exactly.
    let mut fast = clock(&drifting(50.0), "a");
    assert_eq!(fast.offset_at(secs(1_000)), 50 * MS);
    assert_eq!(fast.local_at(secs(1_000)), 1_000 * SEC + 50 * MS);
    // Over 1 ms: 50 · 10⁶ / 10⁶ = 50 ns. Over 10 µs: 50 · 10⁴ / 10⁶ = 0.5 ns, a half, rounded
    // away from zero to 1; over 9 µs 0.45 ns rounds to 0.
    assert_eq!(fast.offset_at(ns(1_000_000)), 50);
    assert_eq!(fast.offset_at(ns(10_000)), 1);
    assert_eq!(fast.offset_at(ns(9_000)), 0);

    // −200 ppm over 1,000 s: −200 · 10¹² / 10⁶ = −2·10⁸ ns = −200 ms; over 2.5 µs −0.5 → −1.
    let mut slow = clock(&drifting(-200.0), "a");
    assert_eq!(slow.offset_at(secs(1_000)), -200 * MS);
    assert_eq!(slow.local_at(secs(1_000)), 1_000 * SEC - 200 * MS);
    assert_eq!(slow.offset_at(ns(2_500)), -1);

    // The offset adds: −3 s + 50 ms = −2.95 s at 1,000 s, and local time starts before zero.
    let mut behind = clock(&ClockConfig { offset: -3 * SEC, ..drifting(50.0) }, "a");
    assert_eq!(behind.offset_at(secs(1_000)), -3 * SEC + 50 * MS);
    assert_eq!(behind.local_at(SimTime::ZERO), -3 * SEC);
    assert_eq!(behind.local_at(secs(1)), -2 * SEC + 50_000);
}

#[test]
fn extreme_drift_over_long_runs_does_not_overflow() {
    // 10⁶ ppm runs twice as fast: 10⁴ s of true time gain 10⁴ s = 10¹³ ns.
    let mut double = clock(&drifting(1e6), "a");
    assert_eq!(double.offset_at(secs(10_000)), 10_000 * SEC);
    assert_eq!(double.local_at(secs(10_000)), 20_000 * SEC);
    // −10⁶ ppm stands still at its offset.
    let mut stopped = clock(&ClockConfig { offset: 5 * SEC, ..drifting(-1e6) }, "a");
    assert_eq!(stopped.local_at(secs(10_000)), 5 * SEC);
    // The end of representable time saturates instead of wrapping.
    assert_eq!(double.local_at(SimTime::MAX), i64::MAX);
    assert_eq!(double.offset_at(SimTime::MAX), i64::MAX);
    assert_eq!(stopped.offset_at(SimTime::MAX), i64::MIN);
}

#[test]
fn a_step_is_seen_only_by_its_own_node() {
    let steps =
        vec![ClockStep { at: secs(10), by: 2 * SEC }, ClockStep { at: secs(20), by: -300 * SEC }];
    let mut stepped = clock(&ClockConfig { steps, ..drifting(50.0) }, "a");
    let mut other = clock(&drifting(50.0), "b");
    let before = ns(10 * 1_000_000_000 - 1);
    assert_eq!(stepped.local_at(before), other.local_at(before));
    assert_eq!(stepped.local_at(secs(10)) - other.local_at(secs(10)), 2 * SEC);
    assert_eq!(stepped.local_at(secs(15)) - other.local_at(secs(15)), 2 * SEC);
    // At 10 s the drift is 50 · 10¹⁰ / 10⁶ = 5·10⁵ ns; the step adds 2 s on top of it.
    let jumps: Vec<ClockJump> = stepped.jumps(secs(15)).collect();
    assert_eq!(jumps, [ClockJump { at: secs(10), before: 500_000, after: 2 * SEC + 500_000 }]);
    assert_eq!(other.jumps(secs(15)).count(), 0);

    // −5 min at 20 s: local time goes backwards. One true nanosecond before, the drift term is
    // round(50 · (2·10¹⁰ − 1) / 10⁶) = round(999,999.99995) = 10⁶, the same as at 20 s, so the
    // reading moves by 1 ns − 300 s.
    let just_before = stepped.local_at(ns(20 * 1_000_000_000 - 1));
    let after = stepped.local_at(secs(20));
    assert_eq!(after - just_before, 1 - 300 * SEC);
    assert_eq!(after, 20 * SEC + 2 * SEC - 300 * SEC + MS);
    assert!(after < 0);

    // A timer is not moved by either step: 30 s local at +50 ppm take
    // 30·10⁹ − round(30·10⁹ · 50 / 1,000,050) = 30·10⁹ − round(1,499,925.0037) ns true,
    // whether set before the steps, across them or after, with steps or without.
    let expected = SimDuration::from_nanos(30_000_000_000 - 1_499_925);
    let local = SimDuration::from_secs(30);
    for now in [secs(0), secs(9), secs(25)] {
        assert_eq!(stepped.true_delay(now, local), expected);
        assert_eq!(other.true_delay(now, local), expected);
    }
}

#[test]
fn synchronisation_keeps_the_error_within_its_bound() {
    // 100 ppm over 64 s is 100 · 64·10⁹ / 10⁶ = 6.4·10⁶ ns = 6.4 ms.
    let mut synced = clock(&synced(100.0, 64, 10), "a");
    let (mut lowest, mut highest) = (i64::MAX, i64::MIN);
    for k in 1..=156u64 {
        // 156 syncs fall within 10,000 s (156 · 64 = 9,984).
        let after_sync = synced.offset_at(secs(64 * k));
        assert!(after_sync.abs() <= 10 * MS, "sync {k} left {after_sync} ns");
        // Drift accumulates again from the sync: 32 s later, 100 · 32·10⁹ / 10⁶ = 3.2 ms more.
        assert_eq!(synced.offset_at(secs(64 * k + 32)), after_sync + 3_200_000);
        lowest = lowest.min(after_sync);
        highest = highest.max(after_sync);
    }
    // The residuals spread over the bound rather than sitting at one value.
    assert!(lowest < -5 * MS && highest > 5 * MS, "residuals in [{lowest}, {highest}] ns");
    // Between syncs the error never exceeds 10 ms + 6.4 ms; sampled every 10 ms over 10,000 s.
    for i in 0..=1_000_000u64 {
        let offset = synced.offset_at(ns(i * 10_000_000));
        assert!(offset.abs() <= 16_400_000, "{offset} ns at {} ms", i * 10);
    }
    // Without sync it grows to 100 · 10¹³ / 10⁶ = 10⁹ ns = 1 s.
    assert_eq!(clock(&drifting(100.0), "a").offset_at(secs(10_000)), SEC);
}

#[test]
fn a_sync_forgets_the_offset_and_earlier_steps_and_comes_before_a_step_at_its_instant() {
    let steps =
        vec![ClockStep { at: secs(100), by: 2 * SEC }, ClockStep { at: secs(640), by: -SEC }];
    let config = ClockConfig { offset: 5 * SEC, steps, ..synced(0.0, 64, 10) };
    let mut clock = clock(&config, "a");
    // Until the first sync at 64 s the offset holds; the sync replaces it.
    assert_eq!(clock.offset_at(ns(64 * 1_000_000_000 - 1)), 5 * SEC);
    assert!(clock.offset_at(secs(64)).abs() <= 10 * MS);
    // The step at 100 s lasts until the sync at 128 s.
    let residual = clock.offset_at(secs(64));
    assert_eq!(clock.offset_at(secs(100)), residual + 2 * SEC);
    assert!(clock.offset_at(secs(128)).abs() <= 10 * MS);
    // The step at 640 s, sync 10's instant, applies after that sync and lasts until 704 s.
    let at_640 = clock.offset_at(secs(640));
    assert!((at_640 + SEC).abs() <= 10 * MS, "{at_640} ns");
    assert_eq!(clock.offset_at(ns(704 * 1_000_000_000 - 1)), at_640);
    assert!(clock.offset_at(secs(704)).abs() <= 10 * MS);
}

#[test]
fn a_timer_on_a_drifting_clock_fires_at_the_right_true_time() {
    let one = SimDuration::from_secs(1);
    // +1,000 ppm: 10⁹ − round(10⁹ · 1,000 / 1,001,000) = 10⁹ − round(999,000.999) = 999,000,999.
    assert_eq!(clock(&drifting(1_000.0), "a").true_delay(secs(3), one).as_nanos(), 999_000_999);
    // −1,000 ppm: 10⁹ − round(−10¹² / 999,000) = 10⁹ + round(1,001,001.001) = 1,001,001,001.
    assert_eq!(clock(&drifting(-1_000.0), "a").true_delay(secs(3), one).as_nanos(), 1_001_001_001);
    // Unconfigured, or configured to read true time (even with a zero step): exactly 1 s, and a
    // clock only offset has no drift either, so its timers take exactly their length too.
    let zero_step = ClockConfig { steps: vec![ClockStep { at: secs(1), by: 0 }], ..drifting(0.0) };
    assert!(clock(&zero_step, "a").is_true_time());
    assert_eq!(Clock::TRUE_TIME.true_delay(secs(3), one), one);
    assert_eq!(clock(&zero_step, "a").true_delay(secs(3), one), one);
    let three_hours = SimDuration::from_secs(3 * 3600);
    let offset_only = ClockConfig { offset: -7 * SEC, ..drifting(0.0) };
    assert_eq!(clock(&offset_only, "a").true_delay(secs(3), three_hours), three_hours);
    // Twice as fast: half the time; stopped: never.
    assert_eq!(clock(&drifting(1e6), "a").true_delay(secs(3), one).as_nanos(), 500_000_000);
    assert_eq!(clock(&drifting(-1e6), "a").true_delay(secs(3), one), SimDuration::MAX);
    // Syncs do not move a timer either: set just before the sync at 64 s or after it, a timer
    // takes 999,000,999 ns as on the unsynchronised clock.
    let synced = clock(&synced(1_000.0, 64, 10), "a");
    assert_eq!(synced.true_delay(ns(64 * 1_000_000_000 - 1), one).as_nanos(), 999_000_999);
    assert_eq!(synced.true_delay(secs(64), one).as_nanos(), 999_000_999);
    // Where no step or sync intervenes, the clock reads the timer's length when it fires (to
    // the nanosecond each rounding may add).
    let mut fast = clock(&drifting(1_000.0), "a");
    let start = secs(5);
    let fired = start + fast.true_delay(start, SimDuration::from_secs(100));
    let elapsed = fast.local_at(fired) - fast.local_at(start);
    assert!((elapsed - 100 * SEC).abs() <= 1, "{elapsed} ns");
}

#[test]
fn the_true_time_clock_reads_true_time() {
    let mut clock = Clock::TRUE_TIME;
    assert!(clock.is_true_time() && Clock::default().is_true_time());
    assert!(ClockConfig::default().is_true_time());
    assert_eq!(clock.local_at(secs(42)), 42 * SEC);
    assert_eq!(clock.offset_at(secs(42)), 0);
    assert_eq!(clock.local_at(SimTime::MAX), i64::MAX);
    assert_eq!(clock.jumps(SimTime::MAX).count(), 0);
}

/// A clock with everything: offset, drift, steps (one at a sync's instant) and syncs.
fn busy() -> ClockConfig {
    let steps = vec![
        ClockStep { at: secs(640), by: -SEC },
        ClockStep { at: secs(100), by: 2 * SEC },
        ClockStep { at: ns(3_000_000_000_001), by: 7 },
    ];
    ClockConfig { offset: -3 * SEC, steps, ..synced(100.0, 64, 10) }
}

#[test]
fn reading_more_or_less_often_gives_the_same_values() {
    let instants: Vec<SimTime> = (0..=10_000).map(|s| ns(s * 1_000_000_000 + s * 7)).collect();
    let mut often = clock(&busy(), "a");
    let every_read: Vec<i64> = instants.iter().map(|&t| often.local_at(t)).collect();

    // Every 37th instant only, in reverse order, after reading the end first.
    let mut rarely = clock(&busy(), "a");
    rarely.local_at(SimTime::MAX);
    for i in (0..instants.len()).rev().step_by(37) {
        assert_eq!(rarely.local_at(instants[i]), every_read[i], "at {}", instants[i]);
    }
    // Listing the jumps gives the same values whether the clock was read before or not.
    let read_jumps: Vec<ClockJump> = often.jumps(secs(10_000)).collect();
    let fresh_jumps: Vec<ClockJump> = clock(&busy(), "a").jumps(secs(10_000)).collect();
    assert_eq!(read_jumps, fresh_jumps);
    // 156 syncs and 2 steps apart from them (the one at 640 s shares sync 10's instant).
    assert_eq!(read_jumps.len(), 158);
    let mut fresh = clock(&busy(), "a");
    for jump in &read_jumps {
        assert_eq!(fresh.offset_at(jump.at), jump.after);
        // One true nanosecond before, the drift term differs by at most 1 ns of rounding.
        let before = fresh.offset_at(ns(jump.at.as_nanos() - 1));
        assert!((before - jump.before).abs() <= 1, "{jump:?}: {before} ns before");
    }
    // After the last jump (sync 156 at 9,984 s) the offset follows the drift's slope: 16 s later
    // 100 ppm have added 100 · 16·10⁹ / 10⁶ = 1.6·10⁶ ns.
    let last = read_jumps[read_jumps.len() - 1];
    assert_eq!(last.at, secs(9_984));
    assert_eq!(fresh.offset_at(secs(10_000)), last.after + 1_600_000);
}

#[test]
fn sync_draws_come_from_the_node_stream_by_index() {
    // Sync k's residual is the k-th draw of `clock/<node>/sync`, mapped onto [−10 ms, +10 ms].
    let streams = RngStreams::new(7);
    for node in ["a", "b"] {
        let mut rng = streams.stream(&format!("clock/{node}/sync"));
        let mut clock = clock(&synced(100.0, 64, 10), node);
        // Read backwards: the values still follow the stream's order.
        let mut offsets: Vec<i64> = (1..=20).rev().map(|k| clock.offset_at(secs(64 * k))).collect();
        offsets.reverse();
        let expected: Vec<i64> =
            (0..20).map(|_| error_from_draw(rng.next_u64(), 10_000_000.0)).collect();
        assert_eq!(offsets, expected, "node {node}");
    }
    // The mapping's ends: the lowest draw gives −within, the highest just under +within.
    assert_eq!(error_from_draw(0, 10_000_000.0), -10_000_000);
    assert_eq!(error_from_draw(u64::MAX, 10_000_000.0), 10_000_000);
    assert_eq!(error_from_draw(1 << 63, 10_000_000.0), 0);
}

#[test]
fn same_seed_same_readings_and_names_have_their_own_streams() {
    let residuals = |node: &str, seed: u64| -> Vec<i64> {
        let mut clock = Clock::new(&busy(), node, &RngStreams::new(seed));
        (1..=156).map(|k| clock.offset_at(secs(64 * k + 1))).collect()
    };
    assert_eq!(residuals("a", 7), residuals("a", 7));
    let (a, b) = (residuals("a", 7), residuals("b", 7));
    let same = a.iter().zip(&b).filter(|(x, y)| x == y).count();
    assert!(same <= 2, "{same} of 156 residuals equal between nodes a and b");
    let other_seed = residuals("a", 8);
    let same = a.iter().zip(&other_seed).filter(|(x, y)| x == y).count();
    assert!(same <= 2, "{same} of 156 residuals equal between seeds 7 and 8");
    // Reading node b's clock in between never changes node a's.
    let mut clock_a = clock(&busy(), "a");
    let mut clock_b = clock(&busy(), "b");
    let interleaved: Vec<i64> = (1..=156)
        .map(|k| {
            clock_b.offset_at(secs(64 * k + 1));
            clock_a.offset_at(secs(64 * k + 1))
        })
        .collect();
    assert_eq!(interleaved, a);
}

#[test]
fn a_trace_draws_the_offset_through_every_jump() {
    // Offset −3 s, +100 ppm, steps of +2 s at 100 s and −1 s at 640 s (sync 10's instant),
    // syncs every 64 s: 15 syncs in 1,000 s, two steps, every point kept.
    let config = busy();
    let until = secs(1_000);
    let trace = ClockTrace::new(&mut clock(&config, "a"), &config, "a", until);
    let mut fresh = clock(&config, "a");
    let jumps: Vec<ClockJump> = fresh.jumps(until).collect();
    assert_eq!((trace.steps, trace.syncs, jumps.len()), (2, 15, 16));
    let mut expected = vec![(SimTime::ZERO, -3 * SEC)];
    for jump in &jumps {
        expected.extend([(jump.at, jump.before), (jump.at, jump.after)]);
    }
    expected.push((until, fresh.offset_at(until)));
    assert_eq!(trace.points, expected);
    assert_eq!((trace.start, trace.end), (-3 * SEC, fresh.offset_at(until)));
    // The largest is where the clock starts, 3 s behind: the drift brings it closer until the
    // first sync, and a sync leaves at most 10 ms, a step 2 s more.
    assert_eq!(trace.largest, 3 * SEC as u64);
}

#[test]
fn a_trace_of_many_syncs_keeps_every_extreme_in_bounded_size() {
    // 156,250 syncs in 10,000 s: more than 2,000 jumps, so each thousandth of the run keeps its
    // first, lowest, highest and last point.
    let sync =
        ClockSync { every: SimDuration::from_millis(64), within: SimDuration::from_millis(10) };
    let config = ClockConfig { offset: 7 * MS, sync: Some(sync), ..drifting(100.0) };
    let until = secs(10_000);
    let trace = ClockTrace::new(&mut clock(&config, "a"), &config, "a", until);
    assert_eq!(trace.syncs, 156_250);
    assert!(trace.points.len() <= 4 * 1_000 + 2, "{} points", trace.points.len());
    let mut fresh = clock(&config, "a");
    let end = fresh.offset_at(until);
    let all: Vec<(SimTime, i64)> = std::iter::once((SimTime::ZERO, 7 * MS))
        .chain(fresh.jumps(until).flat_map(|j| [(j.at, j.before), (j.at, j.after)]))
        .chain(std::iter::once((until, end)))
        .collect();
    // Every kept point is one of the exact ones, in order, and every stretch's extremes are kept.
    let mut rest = all.iter();
    for point in &trace.points {
        assert!(rest.any(|p| p == point), "{point:?} is not an exact point in order");
    }
    let width = until.as_nanos() / 1_000;
    for stretch in 0..1_000 {
        let inside = all.iter().filter(|(at, _)| at.as_nanos() / width == stretch);
        let Some(&highest) = inside.clone().map(|(_, o)| o).max() else { continue };
        let lowest = inside.map(|&(_, o)| o).min().unwrap();
        let kept = trace.points.iter().filter(|(at, _)| at.as_nanos() / width == stretch);
        assert!(
            kept.clone().any(|&(_, o)| o == highest) && kept.clone().any(|&(_, o)| o == lowest)
        );
    }
    let largest = all.iter().map(|&(_, offset)| offset.unsigned_abs()).max().unwrap();
    assert_eq!(trace.largest, largest);
    assert!(largest <= 10 * MS as u64 + 6_400, "{largest}");
}
