//! Replicated data against hand computation: the share of stale reads from a random replica at
//! a fixed delay after each write, with constant and with exponential lag, and a replica's lag
//! growing one second per second while a partition cuts it off from its primary.

use faultline_scenario::{Outcome, Overrides, load};
use faultline_tests::{load_bundled, run};

fn load_text(text: &str) -> faultline_scenario::Scenario {
    load("inline.ron", text, &Overrides::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// Users write a new key each (`Sequence`), `read_after` later read it back from a replica
/// picked at random: `api` writes, works `read_after`, reads. Writes come every `every`
/// seconds for `duration`. Links are instant unless `links` says; replicas apply after `apply`.
fn write_then_read(
    every: &str,
    duration: &str,
    read_after: &str,
    apply: &str,
    links: &str,
) -> String {
    format!(
        r#"Scenario(
    name: "write-then-read",
    duration: "{duration}",
    clients: {{
        "users": (target: "api", rate: "{every}", arrivals: Fixed, key: Sequence),
    }},
    services: {{
        "api": (workers: 1000, steps: [
            Call(to: "db", op: Write),
            Work(time: Const("{read_after}")),
            Call(to: "db", op: Read),
        ]),
        "db": (instances: 3, workers: 1000, steps: [Database(apply: {apply}, read: Any)]),
    }},
    network: (default: (latency: Const("0s")), links: [{links}]),
    invariants: [ReadYourWrites],
)"#
    )
}

/// The one database's stale reads and reads.
fn stale_share(outcome: &Outcome) -> (u64, u64) {
    let db = &outcome.metrics.databases[0];
    (db.stale_reads, db.reads)
}

/// Whether `stale` of `reads` lies within the 99 % binomial interval around `p`
/// (p ± 2.576 √(p(1 − p)/n)), the normal approximation, good with n p(1 − p) in the hundreds.
fn within_99(stale: u64, reads: u64, p: f64) -> bool {
    let share = stale as f64 / reads as f64;
    let half = 2.576 * (p * (1.0 - p) / reads as f64).sqrt();
    (share - p).abs() <= half
}

/// Constant lag: db/1 is 0.5 s from the primary, db/2 is 2 s, each applies at once. A read 1 s
/// after its write finds it applied at db/1 and not at db/2, so it is stale exactly when it
/// goes to db/2: with the replica picked at random, P(stale) = 1/2. 4,000 reads give a 99 %
/// interval of ±2 %; a wrong lag or a wrong pick (always one replica, or the primary) would be
/// 0 or 1, far outside it.
#[test]
fn constant_lag_makes_half_the_reads_stale_when_one_replica_is_behind_the_delay() {
    let links = r#"(from: ["db/0"], to: ["db/1"], latency: Const("500ms")),
        (from: ["db/0"], to: ["db/2"], latency: Const("2s"))"#;
    let text = write_then_read("40/s", "100s", "1s", r#"Const("0s")"#, links);
    let outcome = run(&load_text(&text), 1);
    let (stale, reads) = stale_share(&outcome);
    assert!(reads >= 3_900, "{reads} reads");
    eprintln!("constant lag: {stale} of {reads} reads stale, expected 0.5");
    assert!(within_99(stale, reads, 0.5), "{stale} of {reads} stale, expected half");
    let violation = outcome.verdicts.iter().find(|v| v.name == "ReadYourWrites");
    assert!(violation.is_some_and(|v| v.violation.is_some()), "stale reads are the session's own");
}

/// Exponential lag of mean L = 0.5 s (instant links, apply delay Exp(mean: 0.5 s)), a read
/// d = 0.5 s after its write: P(stale) = P(apply > d) = exp(−d/L) = exp(−1) ≈ 0.368. Writes
/// come 5 s apart, so an entry waits behind the one before it (FIFO) only if that one took
/// over 5.5 s, which happens with probability exp(−11) ≈ 2e-5: negligible. 2,000 reads give a
/// 99 % interval of ±2.8 %; a constant lag of 0.5 s would make no read stale (or all), and a
/// mean of 0.4 or 0.6 s would give 0.29 or 0.43, outside it.
#[test]
fn exponential_lag_makes_reads_stale_with_probability_exp_minus_d_over_l() {
    let text = write_then_read("0.2/s", "10000s", "500ms", r#"Exp(mean: "500ms")"#, "");
    let outcome = run(&load_text(&text), 1);
    let (stale, reads) = stale_share(&outcome);
    assert!(reads >= 1_990, "{reads} reads");
    let p = (-1.0f64).exp();
    eprintln!("exponential lag: {stale} of {reads} reads stale, expected {p:.4}");
    assert!(within_99(stale, reads, p), "{stale} of {reads} stale, expected {p:.3}");
}

/// A partition cuts db/2 off its primary from 20 s to 30 s while writes keep coming every
/// 50 ms. Its lag (sampled at the end of each 200 ms window) is the time since the first write it
/// missed, made within 50 ms after 20 s: it grows one second per second. The slope between
/// 22 s and 29 s is 1 up to the sampling instants' exactness (checked to 1 %); before the
/// partition and from 32 s on (the primary resends every 500 ms once the acknowledgements stop
/// moving) it stays under 100 ms; db/1 never falls behind.
#[test]
fn a_partitioned_replica_falls_behind_one_second_per_second_and_catches_up_after() {
    let text = r#"Scenario(
    name: "partitioned-replica",
    duration: "40s",
    clients: { "writers": (target: "db", rate: "20/s", arrivals: Fixed, key: Uniform(50)) },
    services: {
        "db": (instances: 3, workers: 100, steps: [Database(apply: Const("10ms"), reads: "0%")]),
    },
    network: (default: (latency: Const("5ms"))),
    faults: [Partition(groups: [["db/0", "db/1", "writers"], ["db/2"]], at: "20s", length: "10s")],
)"#;
    let outcome = run(&load_text(text), 1);
    let db = &outcome.metrics.databases[0];
    let lag_at = |replica: usize, from: f64, to: f64| -> Vec<(f64, f64)> {
        db.lag
            .iter()
            .map(|s| (s.at.as_secs_f64(), s.lag[replica].as_secs_f64()))
            .filter(|&(at, _)| at >= from && at <= to)
            .collect()
    };
    let inside = lag_at(1, 22.0, 29.0);
    assert!(inside.len() >= 8, "{inside:?}");
    let (first, last) = (inside[0], inside[inside.len() - 1]);
    let slope = (last.1 - first.1) / (last.0 - first.0);
    eprintln!("partitioned replica: lag grew {slope:.4} s/s from {first:?} to {last:?}");
    assert!((slope - 1.0).abs() < 0.01, "lag grew {slope} s/s: {inside:?}");
    assert!(inside.iter().all(|&(at, lag)| (lag - (at - 20.0)).abs() < 0.1), "{inside:?}");
    for (at, lag) in lag_at(1, 0.0, 19.0).into_iter().chain(lag_at(1, 32.0, 40.0)) {
        assert!(lag < 0.1, "db/2 was {lag}s behind at {at}s");
    }
    assert!(lag_at(0, 0.0, 40.0).iter().all(|&(_, lag)| lag < 0.1), "db/1 fell behind");
    assert!(db.resends > 0, "the catch-up came from resends");
}

/// A stale read's report names the session, the write it missed (position and time), the
/// replica and that replica's lag then. replica-lag `naive`, seed 1: the first request's read,
/// 100 ms after its write (plus a few ms on the links), finds db/1 with nothing applied, behind
/// since that very write: its lag is the time since the write (0.151 − 0.047 = 0.104 s).
#[test]
fn a_stale_read_names_the_session_the_write_it_missed_the_replica_and_its_lag() {
    let outcome = run(&load_bundled("replica-lag", Some("naive"), &[]), 1);
    let verdict = outcome.verdicts.iter().find(|v| v.name == "ReadYourWrites").expect("judged");
    let violation = verdict.violation.as_ref().expect("naive reads miss their own writes");
    let want = "session 746 read key 746 at db/1 at 0.151s, which reflected log position 0: it \
                missed the session's own write at position 1, made at 0.047s on db/0 (0.104s \
                before); db/1 was 0.104s behind then.";
    assert!(violation.detail.starts_with(want), "{}", violation.detail);
}

/// `WaitForPosition`: a read waits at its replica until it has applied the session's last
/// write. With 3 s of patience (a replica is at most 2 s of apply and a few ms of links
/// behind) every read is served and reflects it; with 200 ms most of replica-lag's read-backs
/// (100 ms after their write, with 0.5-2 s to apply) give up and fail, and those served still
/// reflect the write: the invariant holds either way, and the failures are the price.
#[test]
fn waiting_for_the_position_serves_every_read_or_fails_it_never_stale() {
    let patient = r#"services.db.steps.1.read=WaitForPosition("3s")"#;
    let outcome = run(&load_bundled("replica-lag", Some("naive"), &[patient]), 1);
    let db = &outcome.metrics.databases[0];
    assert!(outcome.all_hold(), "{:?}", outcome.verdicts);
    assert_eq!((db.waits_given_up, outcome.metrics.failed), (0, 0));
    let hasty = r#"services.db.steps.1.read=WaitForPosition("200ms")"#;
    let outcome = run(&load_bundled("replica-lag", Some("naive"), &[hasty]), 1);
    let db = &outcome.metrics.databases[0];
    assert!(outcome.all_hold(), "{:?}", outcome.verdicts);
    // ~1,200 read-backs; P(a replica applies within 300 ms of receiving) is 0: nearly all fail.
    assert!(db.waits_given_up > 1_000, "{} waits given up", db.waits_given_up);
    assert_eq!(outcome.metrics.failed, db.waits_given_up, "each give-up fails its request");
}

/// `PrimaryAfterWrite(3s)` sends a read to the primary exactly when its session wrote in the
/// last 3 s. In replica-lag `fixed` every read-back (100 ms after its write) goes there, and a
/// browsing read of a key (one of 1,000 sessions, whose writes come at w/1,000 per second for a
/// run-wide write rate w) does with probability 1 − exp(−3 s × w/1,000) ≈ 5 %. The expected
/// count of primary reads is then the read-backs plus that share of the browsing reads; the
/// measured one must lie within the 99 % binomial interval of the browsing part (±46 reads of
/// ~6,000 at seed 1). A 1 s window would give ~100 fewer, reading only the read-backs ~330
/// fewer.
#[test]
fn primary_after_write_sends_the_reads_within_the_window_to_the_primary() {
    let outcome = run(&load_bundled("replica-lag", Some("fixed"), &[]), 1);
    let db = &outcome.metrics.databases[0];
    let secs = 60.0; // the run's length
    // Each write's request reads back once, but for the few still in flight at the end.
    let read_backs = db.writes - outcome.in_flight.min(db.writes);
    let browsing = db.reads - read_backs;
    let p = 1.0 - (-3.0 * db.writes as f64 / secs / 1_000.0).exp();
    let expected = read_backs as f64 + p * browsing as f64;
    let half = 2.576 * (browsing as f64 * p * (1.0 - p)).sqrt();
    eprintln!("primary reads {} expected {expected:.0} ± {half:.0}", db.primary_reads);
    assert!((db.primary_reads as f64 - expected).abs() <= half, "{db:?}");
}
