//! The log, shipping positions, apply order and lag against hand computation.

use faultline_engine::{SimDuration, SimTime};

use super::Database;

fn t(ms: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_millis(ms)
}

fn ms(ms: u64) -> SimDuration {
    SimDuration::from_millis(ms)
}

#[test]
fn a_write_takes_the_next_position_and_becomes_its_keys_value() {
    let mut db = Database::new(1);
    assert_eq!(db.write(7, t(0)), 1);
    assert_eq!(db.write(8, t(1)), 2);
    assert_eq!(db.write(7, t(2)), 3);
    assert_eq!(db.read(0, 7), (3, 3));
    assert_eq!(db.read(0, 8), (2, 3));
    assert_eq!(db.read(1, 7), (0, 0), "the replica has nothing yet");
    assert!(db.is_stale(1, 7));
    assert!(!db.is_stale(1, 9), "a key nobody wrote is 0 everywhere");
}

/// Shipped at 0, received at 100 ms with 50 ms to apply: lag grows until 150 ms, then is 0.
#[test]
fn a_replica_applies_after_its_delay_and_its_lag_is_the_oldest_unapplied_write() {
    let mut db = Database::new(1);
    db.write(1, t(0));
    assert_eq!(db.lag(1, t(80)), ms(80), "not received yet: behind since the write");
    let (ack, first) = db.receive(1, (1, 1), t(100), || ms(50));
    assert_eq!((ack, first), (1, Some(t(150))));
    assert_eq!(db.apply_due(1, t(149)), Some(t(150)));
    assert_eq!(db.lag(1, t(149)), ms(149));
    assert_eq!(db.apply_due(1, t(150)), None);
    assert_eq!(db.read(1, 1), (1, 1));
    assert_eq!(db.lag(1, t(150)), SimDuration::ZERO);
    assert_eq!(db.lag(0, t(150)), SimDuration::ZERO, "the primary is never behind");
}

/// Entry 2 draws 10 ms, entry 1 draws 100 ms: entry 2 waits for entry 1 (FIFO).
#[test]
fn an_entry_is_never_applied_before_the_one_ahead_of_it() {
    let mut db = Database::new(1);
    db.write(1, t(0));
    db.write(2, t(0));
    let mut delays = [ms(100), ms(10)].into_iter();
    let (_, first) = db.receive(1, (1, 2), t(0), || delays.next().expect("two draws"));
    assert_eq!(first, Some(t(100)));
    assert_eq!(db.apply_due(1, t(50)), Some(t(100)), "entry 2 is not applied alone");
    assert_eq!(db.applied(1), 0);
    assert_eq!(db.apply_due(1, t(100)), None);
    assert_eq!(db.applied(1), 2);
}

/// Shipment 2 is lost: 3 arrives with a gap and is ignored; the resend of 2..3 fills it.
#[test]
fn a_gap_waits_for_the_resend_and_duplicates_are_ignored() {
    let mut db = Database::new(2);
    for k in 0..3 {
        db.write(k, t(0));
    }
    let zero = || SimDuration::ZERO;
    assert_eq!(db.receive(1, (1, 1), t(1), zero).0, 1);
    assert_eq!(db.receive(1, (3, 3), t(2), zero).0, 1, "a gap: 3 is not taken");
    db.acknowledged(1, 1);
    assert_eq!(db.resend(1), None, "its acknowledgement moved since the primary last looked");
    assert_eq!(db.resend(1), Some((2, 3)), "stuck at 1: resend the rest");
    assert_eq!(db.receive(1, (2, 3), t(3), zero).0, 3);
    assert_eq!(db.receive(1, (1, 3), t(4), zero).0, 3, "a duplicate changes nothing");
    db.apply_due(1, t(4));
    assert_eq!(db.applied(1), 3);
    assert_eq!(db.resend(2), Some((1, 3)), "replica 2 never acknowledged anything");
}

/// The log keeps what some replica has not acknowledged, and nothing else.
#[test]
fn the_log_is_trimmed_below_every_acknowledgement() {
    let mut db = Database::new(2);
    for k in 0..10 {
        db.write(k, t(k));
    }
    let zero = || SimDuration::ZERO;
    db.receive(1, (1, 10), t(10), zero);
    db.receive(2, (1, 6), t(10), zero);
    db.apply_due(1, t(10));
    db.apply_due(2, t(10));
    db.acknowledged(1, 10);
    assert_eq!(db.held(), 10, "replica 2 acknowledged nothing");
    db.acknowledged(2, 6);
    assert_eq!(db.held(), 4);
    assert_eq!(db.entry(6), None);
    assert_eq!(db.entry(7).map(|e| (e.key, e.at)), Some((6, t(6))));
    assert_eq!(db.lag(2, t(20)), ms(14), "behind since write 7 at 6 ms (received up to 6)");
}

/// Behind by a partition: lag = now − the first write it missed, growing 1 s per second.
#[test]
fn lag_grows_one_second_per_second_while_nothing_arrives() {
    let mut db = Database::new(1);
    for s in 0..5 {
        db.write(s, t(s * 1000));
    }
    for now in [1_000, 2_500, 4_000] {
        assert_eq!(db.lag(1, t(now)), ms(now));
    }
}
