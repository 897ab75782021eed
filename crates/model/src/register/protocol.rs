//! The replication protocol of one register: replicas' roles, terms and stores, and what each
//! does with a message, a heartbeat tick or a lapse of silence. Inputs come from the world;
//! outputs (messages to send, operations settled, leaders made and unmade) go into an [`Out`]
//! the world drains. Replicas are numbered `0 .. n` within the register.

use std::collections::BTreeMap;

use faultline_engine::SimTime;

use super::RegisterMode;
use crate::table::Table;

/// A value as a store holds it: the value (0 is "never written") and the version that wrote
/// it, (term, sequence within the term), which orders writes across leaders.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) value: u64,
    pub(crate) term: u32,
    pub(crate) seq: u32,
}

impl Entry {
    fn version(&self) -> (u32, u32) {
        (self.term, self.seq)
    }
}

/// A replica's data: key → entry.
pub(crate) type Store = BTreeMap<u64, Entry>;

/// What a replica says to another. Small and `Copy`; a store travels as a snapshot slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RegMsg {
    Heartbeat {
        term: u32,
        round: u32,
    },
    HeartbeatAck {
        term: u32,
        round: u32,
        ok: bool,
    },
    /// A write (`write`) or a read's confirmation round, for operation `op` at the leader
    /// (`NONE`: shipped without waiting for an answer).
    Append {
        term: u32,
        op: u32,
        key: u64,
        entry: Entry,
        write: bool,
    },
    AppendAck {
        term: u32,
        op: u32,
        ok: bool,
    },
    RequestVote {
        term: u32,
    },
    /// A vote, with the voter's store (a snapshot slot) when granted.
    Vote {
        term: u32,
        granted: bool,
        snapshot: u32,
    },
    /// A leader that stepped down asks the new one for its data.
    SyncRequest {
        term: u32,
    },
    Snapshot {
        term: u32,
        snapshot: u32,
    },
}

/// No operation or snapshot.
pub(crate) const NONE: u32 = u32::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Follower,
    Candidate,
    Leader,
}

#[derive(Debug)]
pub(crate) struct Replica {
    pub(crate) role: Role,
    pub(crate) term: u32,
    /// The replica it takes writes from (itself when leading).
    leader: Option<u32>,
    pub(crate) store: Store,
    /// When it last heard from a leader (or voted, or restarted): its election wait runs from
    /// here.
    pub(crate) heard: SimTime,
    /// When the heartbeat round a majority last acknowledged was sent: its lease runs from
    /// here.
    pub(crate) lease_from: Option<SimTime>,
    /// Writes in its current term.
    seq: u32,
    round: u32,
    round_sent: SimTime,
    round_acks: u32,
    votes: u32,
    /// It stepped down and waits for the new leader's data before it may lead again.
    syncing: bool,
}

impl Replica {
    fn new(role: Role) -> Self {
        Replica {
            role,
            term: 1,
            leader: Some(0),
            store: Store::new(),
            heard: SimTime::ZERO,
            lease_from: None,
            seq: 0,
            round: 0,
            round_sent: SimTime::ZERO,
            round_acks: 0,
            votes: 0,
            syncing: false,
        }
    }
}

/// An operation at a `Quorum` leader waiting for a majority.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pending {
    pub(crate) leader: u32,
    pub(crate) term: u32,
    acks: u32,
    pub(crate) since: SimTime,
    /// The job it serves, as the world knows it.
    pub(crate) job: u32,
    pub(crate) request: u64,
    pub(crate) generation: u32,
    pub(crate) key: u64,
    pub(crate) live: bool,
}

impl Pending {
    /// An operation for the world's job `job` (attempt `generation` of `request`) on `key`.
    pub(crate) fn for_job(job: u32, request: u64, generation: u32, key: u64, now: SimTime) -> Self {
        Pending {
            leader: 0,
            term: 0,
            acks: 0,
            since: now,
            job,
            request,
            generation,
            key,
            live: true,
        }
    }
}

/// Something the world must act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Happened {
    BecameLeader {
        replica: u32,
        term: u32,
    },
    SteppedDown {
        replica: u32,
    },
    /// The operation has its majority: its job goes on (a read reads now).
    Settled(Pending),
    /// The operation will never have its majority here: its job ends without an answer.
    Abandoned(Pending),
}

/// What one input made the register do, drained by the world after each.
#[derive(Debug, Default)]
pub(crate) struct Out {
    pub(crate) sends: Vec<(u32, u32, RegMsg)>,
    pub(crate) happened: Vec<Happened>,
}

/// A message's passage: when it arrives, from which replica, at which.
#[derive(Clone, Copy, Debug)]
struct Hop {
    now: SimTime,
    from: u32,
    to: u32,
}

/// One register: its replicas, the operations in flight at its leaders, and stores in transit.
#[derive(Debug)]
pub(crate) struct Register {
    pub(crate) mode: RegisterMode,
    pub(crate) replicas: Vec<Replica>,
    pub(crate) pending: Table<Pending>,
    snapshots: Table<Store>,
}

impl Register {
    /// Replica 0 leads term 1; the others follow it.
    pub(crate) fn new(mode: RegisterMode, count: usize) -> Self {
        let replicas = (0..count)
            .map(|r| Replica::new(if r == 0 { Role::Leader } else { Role::Follower }))
            .collect();
        Register { mode, replicas, pending: Table::default(), snapshots: Table::default() }
    }

    fn majority(&self) -> u32 {
        self.replicas.len() as u32 / 2 + 1
    }

    fn others(&self, replica: u32) -> impl Iterator<Item = u32> + use<> {
        (0..self.replicas.len() as u32).filter(move |&r| r != replica)
    }

    /// Whether `replica` may serve an operation now; `lease_runs` says whether its lease (only
    /// looked at in `Lease` mode) still runs on its clock.
    pub(crate) fn serves(&self, replica: u32, lease_runs: bool) -> bool {
        let r = &self.replicas[replica as usize];
        if r.role != Role::Leader || r.syncing {
            return false;
        }
        !matches!(self.mode, RegisterMode::Lease { .. }) || lease_runs
    }

    /// When the heartbeat round a majority last acknowledged was sent, if `replica` leads.
    pub(crate) fn lease_from(&self, replica: u32) -> Option<SimTime> {
        self.replicas[replica as usize].lease_from
    }

    /// A leader's heartbeat: a new round to every other replica. `Quorum` operations waiting
    /// longer than the election timeout are given up.
    pub(crate) fn tick(&mut self, replica: u32, now: SimTime, out: &mut Out) {
        let r = &mut self.replicas[replica as usize];
        r.round += 1;
        r.round_sent = now;
        r.round_acks = 1 << replica;
        let (term, round) = (r.term, r.round);
        if self.replicas.len() == 1 {
            self.replicas[0].lease_from = Some(now);
        }
        for to in self.others(replica) {
            out.sends.push((replica, to, RegMsg::Heartbeat { term, round }));
        }
        let timeout = self.mode.timeout();
        self.abandon(out, |p| p.leader == replica && p.since + timeout <= now);
    }

    /// A follower (or candidate) heard nothing for its whole wait: it promotes itself
    /// (`Failover`, `Lease`) or stands for election (`Quorum`).
    pub(crate) fn silence(&mut self, replica: u32, now: SimTime, out: &mut Out) {
        let quorum = self.mode.is_quorum();
        let majority = self.majority();
        let r = &mut self.replicas[replica as usize];
        r.term += 1;
        r.heard = now;
        if !quorum {
            self.lead(replica, out);
            return;
        }
        r.role = Role::Candidate;
        r.votes = 1 << replica;
        let term = r.term;
        if majority == 1 {
            self.lead(replica, out);
            return;
        }
        for to in self.others(replica) {
            out.sends.push((replica, to, RegMsg::RequestVote { term }));
        }
    }

    fn lead(&mut self, replica: u32, out: &mut Out) {
        let r = &mut self.replicas[replica as usize];
        r.role = Role::Leader;
        r.leader = Some(replica);
        r.seq = 0;
        r.lease_from = None;
        r.syncing = false;
        out.happened.push(Happened::BecameLeader { replica, term: r.term });
    }

    /// `replica` stops leading or standing: its waiting operations are given up.
    fn step_down(&mut self, replica: u32, now: SimTime, out: &mut Out) {
        let r = &mut self.replicas[replica as usize];
        let was_leader = r.role == Role::Leader;
        r.role = Role::Follower;
        r.lease_from = None;
        r.heard = now;
        if was_leader {
            out.happened.push(Happened::SteppedDown { replica });
            self.abandon(out, |p| p.leader == replica);
        }
    }

    fn abandon(&mut self, out: &mut Out, which: impl Fn(&Pending) -> bool) {
        for op in self.pending.slots() {
            let p = self.pending.get(op);
            if p.live && which(p) {
                self.pending.get_mut(op).live = false;
                self.pending.free(op);
                out.happened.push(Happened::Abandoned(*self.pending.get(op)));
            }
        }
    }

    /// A crashed replica restarts as a follower that has heard from nobody; its store is on
    /// disk and survives. Operations waiting at it are gone with their jobs.
    pub(crate) fn crash(&mut self, replica: u32, restarts: SimTime) {
        let r = &mut self.replicas[replica as usize];
        r.role = Role::Follower;
        r.leader = None;
        r.lease_from = None;
        r.syncing = false;
        r.heard = restarts;
        for op in self.pending.slots() {
            if self.pending.get(op).live && self.pending.get(op).leader == replica {
                self.pending.get_mut(op).live = false;
                self.pending.free(op);
            }
        }
    }

    /// The leader writes `value` to `key`: held at once; in `Quorum` mode acknowledged when a
    /// majority holds it (`Some(op)` to wait for), otherwise shipped to the followers without
    /// waiting (`None`: done).
    pub(crate) fn write(
        &mut self,
        replica: u32,
        key: u64,
        value: u64,
        waiting: Pending,
        out: &mut Out,
    ) -> Option<u32> {
        let r = &mut self.replicas[replica as usize];
        r.seq += 1;
        let entry = Entry { value, term: r.term, seq: r.seq };
        put_if_newer(&mut r.store, key, entry);
        self.replicate(replica, key, entry, true, waiting, out)
    }

    /// The leader reads `key`: at once, or in `Quorum` mode after a majority confirms it still
    /// leads (`Some(op)`: read with [`Register::value`] once settled).
    pub(crate) fn read(
        &mut self,
        replica: u32,
        key: u64,
        waiting: Pending,
        out: &mut Out,
    ) -> Option<u32> {
        if !self.mode.is_quorum() {
            return None;
        }
        self.replicate(replica, key, Entry::default(), false, waiting, out)
    }

    fn replicate(
        &mut self,
        replica: u32,
        key: u64,
        entry: Entry,
        write: bool,
        waiting: Pending,
        out: &mut Out,
    ) -> Option<u32> {
        let term = self.replicas[replica as usize].term;
        let op = if self.mode.is_quorum() {
            let pending =
                Pending { leader: replica, term, acks: 1 << replica, key, live: true, ..waiting };
            Some(self.pending.insert(pending))
        } else {
            None
        };
        if !write && op.is_none() {
            return None;
        }
        for to in self.others(replica) {
            let msg = RegMsg::Append { term, op: op.unwrap_or(NONE), key, entry, write };
            out.sends.push((replica, to, msg));
        }
        if let Some(op) = op
            && self.majority() == 1
        {
            self.settle(op, out);
            return None;
        }
        op
    }

    fn settle(&mut self, op: u32, out: &mut Out) {
        self.pending.get_mut(op).live = false;
        self.pending.free(op);
        out.happened.push(Happened::Settled(*self.pending.get(op)));
    }

    /// Whether `replica` leads (whatever its lease says).
    pub(crate) fn leads(&self, replica: u32) -> bool {
        self.replicas[replica as usize].role == Role::Leader
    }

    /// What `replica` holds for `key` (0: never written).
    pub(crate) fn value(&self, replica: u32, key: u64) -> u64 {
        self.replicas[replica as usize].store.get(&key).map_or(0, |e| e.value)
    }

    /// `to` receives `msg` from `from` at `now`.
    pub(crate) fn receive(&mut self, now: SimTime, from: u32, to: u32, msg: RegMsg, out: &mut Out) {
        let hop = Hop { now, from, to };
        match msg {
            RegMsg::Heartbeat { term, round } => self.on_heartbeat(hop, term, round, out),
            RegMsg::HeartbeatAck { term, round, ok } => {
                self.on_heartbeat_ack(hop, term, round, ok, out)
            }
            RegMsg::Append { term, op, key, entry, write } => {
                self.on_append(hop, (term, op, key), entry, write, out)
            }
            RegMsg::AppendAck { term, op, ok } => self.on_append_ack(hop, term, op, ok, out),
            RegMsg::RequestVote { term } => self.on_request_vote(hop, term, out),
            RegMsg::Vote { term, granted, snapshot } => {
                self.on_vote(hop, term, granted, snapshot, out)
            }
            RegMsg::SyncRequest { term } => {
                let store = self.replicas[to as usize].store.clone();
                let snapshot = self.snapshots.insert(store);
                out.sends.push((to, from, RegMsg::Snapshot { term, snapshot }));
            }
            RegMsg::Snapshot { term, snapshot } => {
                let store = std::mem::take(self.snapshots.get_mut(snapshot));
                self.snapshots.free(snapshot);
                let r = &mut self.replicas[to as usize];
                if r.syncing && r.term == term {
                    r.store = store;
                    r.syncing = false;
                }
            }
        }
    }

    /// Whether a message of `term` from `from` makes `to` its follower: a newer term always;
    /// the same term from another leader (two promoted at once) only the lower-numbered one.
    fn follows(&self, from: u32, to: u32, term: u32) -> bool {
        let r = &self.replicas[to as usize];
        term > r.term || (term == r.term && (r.role != Role::Leader || from < to))
    }

    /// `to` accepts `from` as its leader in `term`. A leader it replaces steps down; without
    /// quorum it then takes the new leader's data as its own (its own writes are lost).
    fn accept_leader(&mut self, now: SimTime, from: u32, to: u32, term: u32, out: &mut Out) {
        let was_leading = self.replicas[to as usize].role != Role::Follower;
        if was_leading {
            self.step_down(to, now, out);
        }
        let quorum = self.mode.is_quorum();
        let r = &mut self.replicas[to as usize];
        if !quorum && (was_leading || (r.syncing && term > r.term)) {
            r.syncing = true;
            out.sends.push((to, from, RegMsg::SyncRequest { term }));
        }
        r.term = term;
        r.leader = Some(from);
        r.heard = now;
    }

    fn on_heartbeat(&mut self, Hop { now, from, to }: Hop, term: u32, round: u32, out: &mut Out) {
        if !self.follows(from, to, term) {
            if self.mode.is_quorum() {
                let mine = self.replicas[to as usize].term;
                out.sends.push((to, from, RegMsg::HeartbeatAck { term: mine, round, ok: false }));
            }
            return;
        }
        self.accept_leader(now, from, to, term, out);
        out.sends.push((to, from, RegMsg::HeartbeatAck { term, round, ok: true }));
    }

    fn on_heartbeat_ack(
        &mut self,
        Hop { now, from, to }: Hop,
        term: u32,
        round: u32,
        ok: bool,
        out: &mut Out,
    ) {
        let majority = self.majority();
        let r = &mut self.replicas[to as usize];
        if !ok {
            if term > r.term {
                r.term = term;
                self.step_down(to, now, out);
            }
            return;
        }
        if r.role != Role::Leader || term != r.term || round != r.round {
            return;
        }
        r.round_acks |= 1 << from;
        if r.round_acks.count_ones() >= majority {
            r.lease_from = Some(r.lease_from.map_or(r.round_sent, |t| t.max(r.round_sent)));
        }
    }

    fn on_append(
        &mut self,
        Hop { now, from, to }: Hop,
        (term, op, key): (u32, u32, u64),
        entry: Entry,
        write: bool,
        out: &mut Out,
    ) {
        if self.mode.is_quorum() {
            let mine = self.replicas[to as usize].term;
            if term < mine {
                out.sends.push((to, from, RegMsg::AppendAck { term: mine, op, ok: false }));
                return;
            }
            if self.follows(from, to, term) {
                self.accept_leader(now, from, to, term, out);
            }
        }
        // Without quorum nothing is fenced by term: a follower takes whatever the replica it
        // follows sends.
        let r = &mut self.replicas[to as usize];
        if write {
            if self.mode.is_quorum() {
                put_if_newer(&mut r.store, key, entry);
            } else if r.role == Role::Follower && r.leader == Some(from) {
                r.store.insert(key, entry);
            }
        }
        if op != NONE {
            out.sends.push((to, from, RegMsg::AppendAck { term, op, ok: true }));
        }
    }

    fn on_append_ack(
        &mut self,
        Hop { now, from, to }: Hop,
        term: u32,
        op: u32,
        ok: bool,
        out: &mut Out,
    ) {
        if !ok {
            if term > self.replicas[to as usize].term {
                self.replicas[to as usize].term = term;
                self.step_down(to, now, out);
            }
            return;
        }
        let majority = self.majority();
        let p = self.pending.get_mut(op);
        if !p.live || p.leader != to || p.term != term {
            return; // settled, given up, or another operation in a reused slot
        }
        p.acks |= 1 << from;
        if p.acks.count_ones() >= majority {
            self.settle(op, out);
        }
    }

    fn on_request_vote(&mut self, Hop { now, from, to }: Hop, term: u32, out: &mut Out) {
        let mine = self.replicas[to as usize].term;
        if term <= mine {
            out.sends.push((to, from, RegMsg::Vote { term: mine, granted: false, snapshot: NONE }));
            return;
        }
        if self.replicas[to as usize].role != Role::Follower {
            self.step_down(to, now, out);
        }
        let r = &mut self.replicas[to as usize];
        r.term = term;
        r.leader = None;
        r.heard = now;
        let snapshot = self.snapshots.insert(r.store.clone());
        out.sends.push((to, from, RegMsg::Vote { term, granted: true, snapshot }));
    }

    fn on_vote(
        &mut self,
        Hop { now, from, to }: Hop,
        term: u32,
        granted: bool,
        snapshot: u32,
        out: &mut Out,
    ) {
        let store = (snapshot != NONE).then(|| {
            let store = std::mem::take(self.snapshots.get_mut(snapshot));
            self.snapshots.free(snapshot);
            store
        });
        let majority = self.majority();
        let r = &mut self.replicas[to as usize];
        if !granted {
            if term > r.term {
                r.term = term;
                self.step_down(to, now, out);
                self.replicas[to as usize].role = Role::Follower;
            }
            return;
        }
        if r.role != Role::Candidate || term != r.term {
            return;
        }
        // A majority's stores hold every acknowledged write: the newest version of each key
        // among them is what the new leader serves.
        for (key, entry) in store.into_iter().flatten() {
            put_if_newer(&mut r.store, key, entry);
        }
        r.votes |= 1 << from;
        if r.votes.count_ones() >= majority {
            self.lead(to, out);
        }
    }
}

/// Keeps the newer of what `store` holds for `key` and `entry`.
fn put_if_newer(store: &mut Store, key: u64, entry: Entry) {
    let held = store.entry(key).or_default();
    if entry.version() > held.version() {
        *held = entry;
    }
}
