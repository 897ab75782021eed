//! The protocol's decisions, message by message, against what each mode promises.

use faultline_engine::{SimDuration, SimTime};

use super::RegisterMode;
use super::protocol::{Happened, Out, Pending, RegMsg, Register, Role};

fn at(ms: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_millis(ms)
}

const HEARTBEAT: SimDuration = SimDuration::from_millis(50);
const TIMEOUT: SimDuration = SimDuration::from_millis(500);

fn register(mode: RegisterMode) -> Register {
    Register::new(mode, 3)
}

/// Delivers every message in `out` at once, in order, until none are left (a perfect network);
/// returns what happened on the way.
fn deliver_all(r: &mut Register, now: SimTime, out: &mut Out) -> Vec<Happened> {
    let mut happened = std::mem::take(&mut out.happened);
    while !out.sends.is_empty() {
        let sends = std::mem::take(&mut out.sends);
        for (from, to, msg) in sends {
            r.receive(now, from, to, msg, out);
        }
        happened.append(&mut out.happened);
    }
    happened
}

fn job(n: u32) -> Pending {
    Pending::for_job(n, u64::from(n), 0, 7, SimTime::ZERO)
}

/// Naive failover: a follower that hears nothing promotes itself in a newer term; the old
/// leader, once it hears the new one, steps down and takes its data, losing its own write.
#[test]
fn failover_promotes_without_a_majority_and_the_old_leader_loses_its_writes() {
    let mut r = register(RegisterMode::Failover { heartbeat: HEARTBEAT, timeout: TIMEOUT });
    let mut out = Out::default();
    // Cut off, replica 0 still writes and acknowledges at once (no operation to wait for).
    assert_eq!(r.write(0, 7, 100, job(1), &mut out), None);
    out.sends.clear(); // the partition drops its shipping
    r.silence(1, at(600), &mut out);
    assert_eq!(out.happened, vec![Happened::BecameLeader { replica: 1, term: 2 }]);
    out.happened.clear();
    assert!(r.serves(1, false) && r.serves(0, false), "two leaders serve at once");
    r.write(1, 7, 200, job(2), &mut out);
    out.sends.clear();
    // The heal: the new leader's heartbeat reaches the old one.
    r.tick(1, at(700), &mut out);
    out.sends.retain(|&(_, to, _)| to == 0);
    let happened = deliver_all(&mut r, at(700), &mut out);
    assert!(happened.contains(&Happened::SteppedDown { replica: 0 }));
    assert_eq!(r.replicas[0].role, Role::Follower);
    assert_eq!(r.value(0, 7), 200, "its own write 100 is gone");
}

/// Quorum: a write settles only once a majority holds it, and a leader of an older term is
/// refused and steps down.
#[test]
fn quorum_writes_need_a_majority_and_older_terms_are_fenced_off() {
    let mut r = register(RegisterMode::Quorum { heartbeat: HEARTBEAT, timeout: TIMEOUT });
    let mut out = Out::default();
    let op = r.write(0, 7, 100, job(1), &mut out).expect("waits for a majority");
    assert_eq!(out.sends.len(), 2);
    // Only replica 1 answers: with the leader itself, 2 of 3.
    out.sends.retain(|&(_, to, _)| to == 1);
    let happened = deliver_all(&mut r, at(1), &mut out);
    assert!(
        matches!(happened.as_slice(), [Happened::Settled(p)] if p.job == 1),
        "{happened:?} {op}"
    );
    // Replica 2 stands for election and wins with replica 1's vote.
    r.silence(2, at(600), &mut out);
    out.sends.retain(|&(_, to, _)| to == 1);
    let happened = deliver_all(&mut r, at(600), &mut out);
    assert!(happened.contains(&Happened::BecameLeader { replica: 2, term: 2 }), "{happened:?}");
    assert_eq!(r.value(2, 7), 100, "the new leader learned the acknowledged write from its voter");
    // The old leader's next write carries term 1: replica 1 refuses it, and it steps down.
    r.write(0, 7, 300, job(3), &mut out);
    out.sends.retain(|&(_, to, _)| to == 1);
    let happened = deliver_all(&mut r, at(700), &mut out);
    assert!(happened.contains(&Happened::SteppedDown { replica: 0 }), "{happened:?}");
    assert!(happened.iter().any(|h| matches!(h, Happened::Abandoned(p) if p.job == 3)));
    assert_eq!(r.value(1, 7), 100, "the refused write never reached a store");
}

/// A minority cannot elect: a candidate that hears no votes stays a candidate and serves
/// nothing.
#[test]
fn a_candidate_without_votes_never_leads() {
    let mut r = register(RegisterMode::Quorum { heartbeat: HEARTBEAT, timeout: TIMEOUT });
    let mut out = Out::default();
    r.silence(1, at(600), &mut out);
    assert!(matches!(out.sends.as_slice(), [(1, 0, RegMsg::RequestVote { term: 2 }), (1, 2, _)]));
    assert!(out.happened.is_empty());
    assert!(!r.serves(1, true));
}

/// A leased leader serves only while its lease runs, and only once a majority answered a
/// heartbeat round.
#[test]
fn a_lease_begins_with_a_majority_and_must_still_run() {
    let lease = SimDuration::from_millis(300);
    let mut r = register(RegisterMode::Lease { heartbeat: HEARTBEAT, lease, timeout: TIMEOUT });
    let mut out = Out::default();
    assert_eq!(r.lease_from(0), None);
    r.tick(0, at(10), &mut out);
    out.sends.retain(|&(_, to, _)| to == 2);
    deliver_all(&mut r, at(11), &mut out);
    assert_eq!(r.lease_from(0), Some(at(10)), "the round was sent at 10 ms");
    assert!(r.serves(0, true));
    assert!(!r.serves(0, false), "a lease that ran out");
}
