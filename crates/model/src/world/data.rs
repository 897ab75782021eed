//! The world's side of replicated databases: a service whose handler has a `Database` step
//! holds a database over its instances, instance 0 the primary and the others read replicas,
//! each on its own node. The primary ships each write over the network to every replica
//! (always a network here: a perfect one when the scenario has none), resends what a replica
//! has not acknowledged on a periodic tick, and each replica applies entries after a delay
//! drawn from the step's `apply`. Callers route a database's calls here: writes to the
//! primary, reads by the step's read strategy per session; session state lives here.
//!
//! Must never decide what a copy holds or how far behind it is (that is `crate::data`), and
//! must never run for a world without a database.

use std::collections::BTreeMap;

use super::network::Message;
use super::*;
use crate::data::{Database, DatabaseStep, ReadStrategy};
use crate::{DataOp, DatabaseMetrics, LagSample, Step};

/// A database's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataEvent {
    /// The replica on `service` applies the entries ready now.
    Apply { service: u32 },
    /// The primary of `db` looks at what each replica acknowledged, and resends.
    Tick { db: u32 },
    /// The read waiting under `ticket` for its replica to catch up gives up, unless it was
    /// served meanwhile. (One `u32` per event: the world's `Event` must stay 12 bytes.)
    GiveUp { ticket: u32 },
    /// Every replica's lag is sampled (once per window).
    Sample,
}

/// Between a database's primary and one replica.
#[derive(Clone, Copy, Debug)]
pub(super) enum DataMsg {
    /// Primary → replica: the log's positions `from ..= to`.
    Ship { from: u64, to: u64 },
    /// Replica → primary: it received everything up to `received`.
    Ack { received: u64 },
}

/// What the world keeps of one session: its last write and how far its reads reflected.
#[derive(Clone, Copy, Debug, Default)]
struct Session {
    written: u64,
    written_at: SimTime,
    read: u64,
}

/// A read waiting at a replica for the session's last written position.
#[derive(Clone, Copy, Debug)]
struct Waiter {
    /// Numbers the waits of a world: a give-up names its wait, so one for a read long served
    /// never ends another read that took the same job slot.
    ticket: u32,
    job: u32,
    request: u64,
    generation: u32,
    copy: u32,
    need: u64,
}

/// One database and what the world keeps for it.
#[derive(Debug)]
struct Db {
    /// Its copies are services `first ..= first + replicas`.
    first: u32,
    step: DatabaseStep,
    data: Database,
    sessions: BTreeMap<u64, Session>,
    /// Picks replicas for strategies that draw (`data/<name>/read`).
    pick: Option<SimRng>,
    /// Per replica, its apply delays (`data/<name>/<copy>/apply`).
    apply: Vec<SimRng>,
    waiters: Vec<Waiter>,
    metrics: DatabaseMetrics,
}

/// Every database of a world.
#[derive(Debug)]
pub(super) struct Databases {
    dbs: Vec<Db>,
    /// For each service: its database and copy (0 the primary), if it is one.
    of_service: Vec<Option<(u32, u32)>>,
    window: SimDuration,
    /// The next wait's ticket.
    tickets: u32,
}

impl Databases {
    /// The databases a world's services hold; `None` when no handler has a `Database` step.
    pub(super) fn new(config: &WorldConfig, streams: &RngStreams) -> Option<Self> {
        let mut dbs = Databases {
            dbs: Vec::new(),
            of_service: vec![None; config.services.len()],
            window: config.window,
            tickets: 0,
        };
        let groups = config.replicated(|st| match st {
            Step::Database(step) => Some(*step),
            _ => None,
        });
        for crate::Replicated { step, first, count, name } in groups {
            let index = dbs.dbs.len() as u32;
            for copy in 0..count {
                dbs.of_service[first + copy] = Some((index, copy as u32));
            }
            let replicas = count - 1;
            let names = (1..count).map(|c| config.services[first + c].name.clone()).collect();
            let draws = step.read.is_some_and(ReadStrategy::draws) && replicas > 0;
            dbs.dbs.push(Db {
                first: first as u32,
                step,
                data: Database::new(replicas),
                sessions: BTreeMap::new(),
                pick: draws.then(|| streams.stream(&format!("data/{name}/read"))),
                apply: (1..count)
                    .map(|c| streams.stream(&format!("data/{name}/{c}/apply")))
                    .collect(),
                waiters: Vec::new(),
                metrics: DatabaseMetrics::new(name, names, config.end - SimTime::ZERO),
            });
        }
        (!dbs.dbs.is_empty()).then_some(dbs)
    }

    /// Every database's figures, handed over at the end of the run.
    pub(super) fn into_metrics(self) -> Vec<DatabaseMetrics> {
        self.dbs.into_iter().map(|d| d.metrics).collect()
    }
}

/// Whether `request` reads (a share `reads` of requests do), the same on every attempt: a
/// hash of its id, with no random stream.
fn reads(request: u64, share: f64) -> bool {
    ((faultline_engine::mix(request) >> 11) as f64 / (1u64 << 53) as f64) < share
}

impl Db {
    /// The copy a read of `session` goes to at `now`: 0 the primary, else a replica.
    fn copy_for_read(&mut self, session: u64, now: SimTime) -> u32 {
        let replicas = self.data.replicas() as u64;
        let Some(strategy) = self.step.read.filter(|_| replicas > 0) else { return 0 };
        let mut any = || {
            1 + self
                .pick
                .as_mut()
                .expect("drawing strategies have a stream")
                .random_range(0..replicas) as u32
        };
        match strategy {
            ReadStrategy::Any | ReadStrategy::WaitForPosition(_) => any(),
            ReadStrategy::Sticky => 1 + (faultline_engine::mix(session) % replicas) as u32,
            ReadStrategy::PrimaryAfterWrite(window) => {
                let recent = self
                    .sessions
                    .get(&session)
                    .is_some_and(|s| s.written > 0 && now - s.written_at < window);
                if recent { 0 } else { any() }
            }
        }
    }
}

impl<O: Observer> World<O> {
    fn db(&mut self, index: u32) -> &mut Db {
        &mut self.databases.as_mut().expect("database events exist only with databases").dbs
            [index as usize]
    }

    /// The database and copy on `service`.
    pub(super) fn copy_of(&self, service: u32) -> (u32, u32) {
        self.databases.as_ref().expect("only with databases").of_service[service as usize]
            .expect("a database copy's service")
    }

    fn data_node(&self, service: u32) -> u32 {
        self.client_names.len() as u32 + service
    }

    /// Each primary starts its resend tick; the lag sampling starts.
    pub(super) fn start_databases(&mut self, sched: &mut Scheduler<Event>) {
        let Some(databases) = &self.databases else { return };
        let window = databases.window;
        let ticks: Vec<SimDuration> = databases.dbs.iter().map(|d| d.step.resend).collect();
        for (db, resend) in ticks.into_iter().enumerate() {
            sched.at(sched.now() + resend, Event::Data(DataEvent::Tick { db: db as u32 }));
        }
        sched.at(sched.now() + window, Event::Data(DataEvent::Sample));
    }

    pub(super) fn data_event(&mut self, event: DataEvent, sched: &mut Scheduler<Event>) -> Flow {
        match event {
            DataEvent::Apply { service } => {
                let (db, copy) = self.copy_of(service);
                self.apply_due(db, copy, sched)
            }
            DataEvent::Tick { db } => {
                self.resend_tick(db, sched);
                Ok(())
            }
            DataEvent::GiveUp { ticket } => self.give_up(ticket, sched),
            DataEvent::Sample => {
                self.sample_lag(sched);
                Ok(())
            }
        }
    }

    /// Where an attempt to `picked` (the balancer's choice) goes, whether it reads, and for a
    /// read its session's last write now (which it must reflect): a database's writes go to
    /// its primary, its reads where the read strategy says. Any other callee keeps the
    /// balancer's choice.
    #[inline]
    pub(super) fn route_data(
        &mut self,
        call: u32,
        picked: usize,
        now: SimTime,
    ) -> (usize, bool, (u64, SimTime)) {
        const NOT_DATA: (u64, SimTime) = (0, SimTime::ZERO);
        let Some(databases) = &mut self.databases else { return (picked, false, NOT_DATA) };
        let Some((index, _)) = databases.of_service[picked] else {
            return (picked, false, NOT_DATA);
        };
        let (site, request, payload) = {
            let c = self.calls.get(call);
            (c.site as usize, c.request, c.payload)
        };
        let db = &mut databases.dbs[index as usize];
        let read = match self.sites[site].op {
            Some(op) => op == DataOp::Read,
            None => reads(request, db.step.reads),
        };
        let session = db.step.session.of(&payload);
        let own_write = match db.sessions.get(&session) {
            Some(s) if read => (s.written, s.written_at),
            _ => NOT_DATA,
        };
        if self.sites[site].instances <= 1 {
            return (picked, read, own_write); // addressed to one copy by name
        }
        let copy = if read { db.copy_for_read(session, now) } else { 0 };
        let chosen = (db.first + copy) as usize;
        self.sites[site].reroute(picked, chosen);
        (chosen, read, own_write)
    }

    /// The `Database` step: the job's copy writes or reads. Returns whether the job waits (a
    /// read for a position its replica has not applied).
    pub(super) fn data_act(
        &mut self,
        slot: u32,
        sched: &mut Scheduler<Event>,
    ) -> Result<bool, Box<LimitExceeded>> {
        let now = sched.now();
        let job = *self.jobs.get(slot);
        let Some((index, copy)) =
            self.databases.as_ref().and_then(|d| d.of_service[job.service as usize])
        else {
            return Ok(false);
        };
        if !job.reads {
            if copy != 0 {
                self.jobs.get_mut(slot).failed = true; // a replica refuses writes
                return Ok(false);
            }
            self.data_write(index, &job, sched);
            return Ok(false);
        }
        let databases = self.databases.as_mut().expect("checked above");
        let ticket = databases.tickets;
        let db = &mut databases.dbs[index as usize];
        if let (Some(ReadStrategy::WaitForPosition(patience)), true) = (db.step.read, copy > 0) {
            let need = job.own_write.0;
            if db.data.applied(copy) < need {
                let (request, generation) = (job.request, job.call_gen);
                db.waiters.push(Waiter { ticket, job: slot, request, generation, copy, need });
                databases.tickets = ticket.wrapping_add(1);
                let event = DataEvent::GiveUp { ticket };
                sched.at(now + patience, Event::Data(event));
                return Ok(true);
            }
        }
        self.serve_read(index, copy, &job, now);
        Ok(false)
    }

    fn data_write(&mut self, index: u32, job: &Job, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        let db = self.db(index);
        let position = db.data.write(job.payload.key, now);
        let session = db.step.session.of(&job.payload);
        let s = db.sessions.entry(session).or_default();
        s.written = position;
        s.written_at = now;
        db.metrics.writes += 1;
        for copy in 1..=db.data.replicas() as u32 {
            self.ship(index, copy, (position, position), sched);
        }
    }

    fn ship(
        &mut self,
        index: u32,
        copy: u32,
        (from, to): (u64, u64),
        sched: &mut Scheduler<Event>,
    ) {
        let db = self.db(index);
        db.metrics.shipments += 1;
        let primary = db.first;
        let message = Message::Data { db: index, copy, msg: DataMsg::Ship { from, to } };
        self.transmit(self.data_node(primary), self.data_node(primary + copy), message, sched);
    }

    /// The copy serves the job's read now: what it returns, how stale, the session's view.
    fn serve_read(&mut self, index: u32, copy: u32, job: &Job, now: SimTime) {
        let db = self.db(index);
        let session = db.step.session.of(&job.payload);
        let key = job.payload.key;
        let (_, position) = db.data.read(copy, key);
        let stale = db.data.is_stale(copy, key);
        let lag = db.data.lag(copy, now);
        let s = db.sessions.entry(session).or_default();
        let read = Observation::DataRead {
            service: (db.first + copy) as usize,
            primary: db.first as usize,
            session,
            request: job.request,
            key,
            position,
            written: job.own_write.0,
            written_at: job.own_write.1,
            last_read: s.read,
            lag,
            stale,
        };
        s.read = s.read.max(position);
        let m = &mut db.metrics;
        m.reads += 1;
        m.primary_reads += u64::from(copy == 0);
        m.stale_reads += u64::from(stale);
        m.staleness.record(lag);
        self.observer.observe(now, &read);
    }

    /// A database message arrives: a shipment at a replica, an acknowledgement at the primary.
    pub(super) fn data_message(
        &mut self,
        index: u32,
        copy: u32,
        msg: DataMsg,
        sched: &mut Scheduler<Event>,
    ) {
        let now = sched.now();
        match msg {
            DataMsg::Ship { from, to } => {
                let Db { data, apply, step, .. } = self.db(index);
                let rng = &mut apply[copy as usize - 1];
                let dist = step.apply;
                let delay = || SimDuration::from_secs_f64(dist.sample_secs(rng));
                let (received, first) = data.receive(copy, (from, to), now, delay);
                let primary = self.db(index).first;
                if let Some(ready) = first {
                    let service = primary + copy;
                    sched.at(ready, Event::Data(DataEvent::Apply { service }));
                }
                let ack = Message::Data { db: index, copy, msg: DataMsg::Ack { received } };
                self.transmit(self.data_node(primary + copy), self.data_node(primary), ack, sched);
            }
            DataMsg::Ack { received } => self.db(index).data.acknowledged(copy, received),
        }
    }

    /// The copy a database message is for: the replica for a shipment, the primary for an
    /// acknowledgement.
    pub(super) fn data_message_to(&self, index: u32, copy: u32, msg: &DataMsg) -> u32 {
        let first = self.databases.as_ref().expect("only with databases").dbs[index as usize].first;
        match msg {
            DataMsg::Ship { .. } => first + copy,
            DataMsg::Ack { .. } => first,
        }
    }

    fn apply_due(&mut self, index: u32, copy: u32, sched: &mut Scheduler<Event>) -> Flow {
        let now = sched.now();
        let db = self.db(index);
        if let Some(next) = db.data.apply_due(copy, now) {
            let service = db.first + copy;
            sched.at(next, Event::Data(DataEvent::Apply { service }));
        }
        self.wake_waiters(index, copy, sched)
    }

    /// Reads waiting at `copy` for a position it has now applied are served and go on.
    fn wake_waiters(&mut self, index: u32, copy: u32, sched: &mut Scheduler<Event>) -> Flow {
        let applied = self.db(index).data.applied(copy);
        let mut i = 0;
        while i < self.db(index).waiters.len() {
            let w = self.db(index).waiters[i];
            if w.copy != copy || w.need > applied {
                i += 1;
                continue;
            }
            self.db(index).waiters.swap_remove(i);
            if self.is_waiting_job(&w) {
                let job = *self.jobs.get(w.job);
                self.serve_read(index, copy, &job, sched.now());
                self.jobs.get_mut(w.job).step += 1;
                self.advance(w.job, sched)?;
            }
        }
        Ok(())
    }

    /// Whether the job a waiter waits for is still the one it was (not ended by a crash, its
    /// slot not reused).
    fn is_waiting_job(&self, w: &Waiter) -> bool {
        let job = self.jobs.get(w.job);
        job.live && job.running && job.request == w.request && job.call_gen == w.generation
    }

    /// A read waited for its position too long: it fails.
    fn give_up(&mut self, ticket: u32, sched: &mut Scheduler<Event>) -> Flow {
        let databases = self.databases.as_mut().expect("only with databases");
        let found = databases.dbs.iter().enumerate().find_map(|(d, db)| {
            let i = db.waiters.iter().position(|w| w.ticket == ticket)?;
            Some((d, i))
        });
        let Some((d, i)) = found else { return Ok(()) }; // served in time
        let db = &mut databases.dbs[d];
        let w = db.waiters.swap_remove(i);
        db.metrics.waits_given_up += 1;
        if !self.is_waiting_job(&w) {
            return Ok(());
        }
        let job = self.jobs.get_mut(w.job);
        job.failed = true;
        job.step += 1;
        self.advance(w.job, sched)
    }

    /// The primary resends to each replica stuck behind; it looks again after `resend`.
    fn resend_tick(&mut self, index: u32, sched: &mut Scheduler<Event>) {
        let replicas = self.db(index).data.replicas() as u32;
        for copy in 1..=replicas {
            if let Some(range) = self.db(index).data.resend(copy) {
                self.db(index).metrics.resends += 1;
                self.ship(index, copy, range, sched);
            }
        }
        let resend = self.db(index).step.resend;
        sched.at(sched.now() + resend, Event::Data(DataEvent::Tick { db: index }));
    }

    /// Every replica's lag now; the next sample a window later.
    fn sample_lag(&mut self, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        let databases = self.databases.as_mut().expect("only with databases");
        for db in &mut databases.dbs {
            let replicas = db.data.replicas() as u32;
            let lag = (1..=replicas).map(|c| db.data.lag(c, now)).collect();
            db.metrics.lag.push(LagSample { at: now, lag });
        }
        sched.at(now + databases.window, Event::Data(DataEvent::Sample));
    }
}
