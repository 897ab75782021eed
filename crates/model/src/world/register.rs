//! The world's side of replicated registers: a service whose handler has a `Register` step
//! replicates one register over its instances. Replicas talk over the network (always a
//! network here: a perfect one when the scenario has none), their heartbeats and election
//! waits are timers on their own nodes (their clocks' rates, standing still while paused), and
//! each client request to the register is one operation in its history.
//!
//! Must never decide who leads or what a replica holds (that is `crate::register`), and must
//! never run for a world without a register.

use super::network::Message;
use super::*;
use crate::Step;
use crate::register::{
    Happened, LeaderChange, OpKind, OpStatus, Out, Pending, Recorder, RegMsg, Register,
    RegisterHistory, RegisterOp, RegisterStep,
};

/// A register's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegisterEvent {
    /// The leader on the node of `service` sends its next heartbeat round (if `epoch` is still
    /// its leadership's).
    Tick { service: u32, epoch: u32 },
    /// The follower on the node of `service` has waited long enough to act, unless it heard
    /// from a leader since (`epoch` counts its waits).
    Silence { service: u32, epoch: u32 },
}

/// One register and what the world keeps for it.
#[derive(Debug)]
struct Group {
    /// Its replicas are services `first .. first + count`.
    first: u32,
    step: RegisterStep,
    register: Register,
    recorder: Recorder,
    rng: SimRng,
    /// Per replica: how long it waits for a leader (the timeout stretched by a draw), and the
    /// epochs of its wait and of its leadership.
    patience: Vec<SimDuration>,
    wait_epoch: Vec<u32>,
    lead_epoch: Vec<u32>,
    out: Out,
}

/// Every register of a world.
#[derive(Debug)]
pub(super) struct Registers {
    groups: Vec<Group>,
    /// For each service: its register and replica, if it is one.
    of_service: Vec<Option<(u32, u32)>>,
}

impl Registers {
    /// The registers a world's services replicate; `None` when no handler has a `Register`
    /// step.
    pub(super) fn new(config: &WorldConfig, streams: &RngStreams) -> Option<Self> {
        let mut registers =
            Registers { groups: Vec::new(), of_service: vec![None; config.services.len()] };
        let clients: Vec<String> = config.clients.iter().map(|c| c.name.clone()).collect();
        let groups = config.replicated(|st| match st {
            Step::Register(step) => Some(*step),
            _ => None,
        });
        for crate::Replicated { step, first, count, name } in groups {
            let index = registers.groups.len() as u32;
            for replica in 0..count {
                registers.of_service[first + replica] = Some((index, replica as u32));
            }
            let mut rng = streams.stream(&format!("register/{name}/election"));
            let timeout = step.mode.timeout();
            let patience = (0..count).map(|_| stretch(timeout, &mut rng)).collect();
            let replicas = (first..first + count).map(|s| s as u32).collect();
            registers.groups.push(Group {
                first: first as u32,
                step,
                register: Register::new(step.mode, count),
                recorder: Recorder::new(name, replicas, clients.clone(), step.mode.name()),
                rng,
                patience,
                wait_epoch: vec![0; count],
                lead_epoch: vec![0; count],
                out: Out::default(),
            });
        }
        (!registers.groups.is_empty()).then_some(registers)
    }

    /// Every register's history, handed over at the end of the run (not copied: a history
    /// holds every operation).
    pub(super) fn into_histories(self) -> Vec<RegisterHistory> {
        self.groups.into_iter().map(|g| g.recorder.history).collect()
    }

    /// The register a client's requests go to, if its target replicates one.
    fn of_target(&self, first_instance: usize) -> Option<u32> {
        self.of_service[first_instance].map(|(g, _)| g)
    }
}

/// A wait of between one and one and a half `timeout`s, so that followers rarely act at once.
fn stretch(timeout: SimDuration, rng: &mut SimRng) -> SimDuration {
    SimDuration::from_secs_f64(timeout.as_secs_f64() * (1.0 + 0.5 * rng.random::<f64>()))
}

/// Whether `request` reads (a share `reads` of requests do), the same on every attempt: a
/// hash of its id, with no random stream.
fn reads(request: u64, share: f64) -> bool {
    ((faultline_engine::mix(request) >> 11) as f64 / (1u64 << 53) as f64) < share
}

impl<O: Observer> World<O> {
    fn group(&mut self, index: u32) -> &mut Group {
        &mut self.registers.as_mut().expect("register events exist only with registers").groups
            [index as usize]
    }

    /// The first leaders start their heartbeats; every other replica starts waiting.
    pub(super) fn start_registers(&mut self, sched: &mut Scheduler<Event>) {
        let Some(registers) = &self.registers else { return };
        let starts: Vec<(u32, u32)> = registers
            .groups
            .iter()
            .flat_map(|g| (0..g.patience.len() as u32).map(move |r| (g.first, r)))
            .collect();
        for (first, replica) in starts {
            let service = first + replica;
            if replica == 0 {
                sched.at(sched.now(), Event::Register(RegisterEvent::Tick { service, epoch: 0 }));
            } else {
                self.wait_for_leader(service, sched);
            }
        }
    }

    pub(super) fn register_event(
        &mut self,
        event: RegisterEvent,
        sched: &mut Scheduler<Event>,
    ) -> Flow {
        match event {
            RegisterEvent::Tick { service, epoch } => self.heartbeat(service, epoch, sched),
            RegisterEvent::Silence { service, epoch } => self.silence(service, epoch, sched),
        }
    }

    fn replica_of(&self, service: u32) -> (u32, u32) {
        self.registers.as_ref().expect("only with registers").of_service[service as usize]
            .expect("a replica's service")
    }

    fn heartbeat(&mut self, service: u32, epoch: u32, sched: &mut Scheduler<Event>) -> Flow {
        let (g, replica) = self.replica_of(service);
        let now = sched.now();
        let group = self.group(g);
        if group.lead_epoch[replica as usize] != epoch || !group.register.leads(replica) {
            return Ok(());
        }
        let Group { register, out, step, .. } = group;
        register.tick(replica, now, out);
        let heartbeat = step.mode.heartbeat();
        let next = self.service_timer(service as usize, now, heartbeat);
        sched.at(next, Event::Register(RegisterEvent::Tick { service, epoch }));
        self.drain(g, sched)
    }

    /// (Re)starts the wait of the replica on `service` for word from a leader.
    fn wait_for_leader(&mut self, service: u32, sched: &mut Scheduler<Event>) {
        let (g, replica) = self.replica_of(service);
        let group = self.group(g);
        group.wait_epoch[replica as usize] += 1;
        let epoch = group.wait_epoch[replica as usize];
        let at = self.silence_ends(g, replica).max(sched.now());
        sched.at(at, Event::Register(RegisterEvent::Silence { service, epoch }));
    }

    /// When the replica's wait, begun when it last heard from a leader, runs out.
    fn silence_ends(&mut self, g: u32, replica: u32) -> SimTime {
        let group = self.group(g);
        let (heard, patience) =
            (group.register.replicas[replica as usize].heard, group.patience[replica as usize]);
        let service = (group.first + replica) as usize;
        self.service_timer(service, heard, patience)
    }

    fn silence(&mut self, service: u32, epoch: u32, sched: &mut Scheduler<Event>) -> Flow {
        let (g, replica) = self.replica_of(service);
        let now = sched.now();
        let group = self.group(g);
        if group.wait_epoch[replica as usize] != epoch || group.register.leads(replica) {
            return Ok(());
        }
        if let Some(restart) = self.nodes.as_ref().and_then(|n| n.restarts(service as usize, now)) {
            sched.at(restart, Event::Register(RegisterEvent::Silence { service, epoch }));
            return Ok(()); // down: it waits again once restarted
        }
        let ends = self.silence_ends(g, replica);
        if ends > now {
            sched.at(ends, Event::Register(RegisterEvent::Silence { service, epoch }));
            return Ok(()); // it heard from a leader since it began waiting
        }
        let Group { register, out, rng, patience, step, .. } = self.group(g);
        register.silence(replica, now, out);
        patience[replica as usize] = stretch(step.mode.timeout(), rng);
        self.wait_for_leader(service, sched);
        self.drain(g, sched)
    }

    /// Sends what the register said to send, and acts on what became of leaders and
    /// operations, until nothing is left (acting can make the register say more).
    fn drain(&mut self, g: u32, sched: &mut Scheduler<Event>) -> Flow {
        loop {
            let group = self.group(g);
            let first = group.first;
            let mut out = std::mem::take(&mut group.out);
            if out.sends.is_empty() && out.happened.is_empty() {
                self.group(g).out = out; // keeps its capacity
                return Ok(());
            }
            for (from, to, msg) in out.sends.drain(..) {
                let (from, to) = (first + from, first + to);
                let message = Message::Register { from, to, msg };
                self.transmit(self.service_node(from), self.service_node(to), message, sched);
            }
            for happened in out.happened.drain(..) {
                self.act_on(g, happened, sched)?;
            }
            let group = self.group(g);
            if group.out.sends.is_empty() && group.out.happened.is_empty() {
                group.out = out;
            }
        }
    }

    fn service_node(&self, service: u32) -> u32 {
        self.client_names.len() as u32 + service
    }

    fn act_on(&mut self, g: u32, happened: Happened, sched: &mut Scheduler<Event>) -> Flow {
        let now = sched.now();
        let first = self.group(g).first;
        match happened {
            Happened::BecameLeader { replica, term } => {
                let group = self.group(g);
                group.lead_epoch[replica as usize] += 1;
                let epoch = group.lead_epoch[replica as usize];
                let change = LeaderChange { at: now, replica: first + replica, term };
                group.recorder.history.leaders.push(change);
                let service = first + replica;
                sched.at(now, Event::Register(RegisterEvent::Tick { service, epoch }));
                Ok(())
            }
            Happened::SteppedDown { replica } => {
                self.wait_for_leader(first + replica, sched);
                Ok(())
            }
            Happened::Settled(p) => {
                if !self.is_job_of(&p) {
                    return Ok(());
                }
                let group = self.group(g);
                if reads(p.request, group.step.reads) {
                    let value = group.register.value(p.leader, p.key);
                    group.recorder.served(p.request, first + p.leader, Some(value));
                }
                self.jobs.get_mut(p.job).step += 1;
                self.advance(p.job, sched)
            }
            Happened::Abandoned(p) => {
                if !self.is_job_of(&p) {
                    return Ok(());
                }
                let job = self.jobs.get_mut(p.job);
                job.silent = true;
                job.step = u16::MAX;
                self.advance(p.job, sched)
            }
        }
    }

    /// Whether the job an operation waits for is still the one it was (not ended by a crash,
    /// its slot not reused).
    fn is_job_of(&self, p: &Pending) -> bool {
        let job = self.jobs.get(p.job);
        job.live && job.running && job.request == p.request && job.call_gen == p.generation
    }

    /// A register message arrives at the replica on `to`.
    pub(super) fn register_message(
        &mut self,
        from: u32,
        to: u32,
        msg: RegMsg,
        sched: &mut Scheduler<Event>,
    ) -> Flow {
        let (g, replica) = self.replica_of(to);
        let first = self.group(g).first;
        let now = sched.now();
        let Group { register, out, .. } = self.group(g);
        register.receive(now, from - first, replica, msg, out);
        self.drain(g, sched)
    }

    /// The replica on a crashed node restarts as a follower.
    pub(super) fn crash_replica(&mut self, service: usize, sched: &mut Scheduler<Event>) {
        let Some(registers) = &self.registers else { return };
        let Some((g, replica)) = registers.of_service[service] else { return };
        let now = sched.now();
        let restarts = self.nodes.as_ref().and_then(|n| n.restarts(service, now)).unwrap_or(now);
        self.group(g).register.crash(replica, restarts);
        self.wait_for_leader(service as u32, sched);
    }

    /// The `Register` step's check, before its work: whether the job's replica may serve. A
    /// lease is read on the replica's wall clock: it runs while the clock reads less than it
    /// did when the lease began, plus the lease.
    pub(super) fn register_serves(&mut self, job: u32, now: SimTime) -> bool {
        let service = self.jobs.get(job).service;
        let (g, replica) = self.replica_of(service);
        let group = &self.registers.as_ref().expect("only with registers").groups[g as usize];
        let lease = group.step.mode.lease().unwrap_or(SimDuration::ZERO);
        let lease = i64::try_from(lease.as_nanos()).unwrap_or(i64::MAX);
        let began = group.register.lease_from(replica);
        let node = self.service_node(service);
        let runs = began.is_some_and(|from| {
            self.local_now(node, now) < self.local_now(node, from).saturating_add(lease)
        });
        let group = &self.registers.as_ref().expect("only with registers").groups[g as usize];
        group.register.serves(replica, runs)
    }

    /// The `Register` step's act, after its work: the job's replica reads or writes. Returns
    /// whether the job waits for a majority.
    pub(super) fn register_act(
        &mut self,
        slot: u32,
        sched: &mut Scheduler<Event>,
    ) -> Result<bool, Box<LimitExceeded>> {
        let now = sched.now();
        let job = *self.jobs.get(slot);
        let (g, replica) = self.replica_of(job.service);
        let group = self.group(g);
        let quorum = group.step.mode.is_quorum();
        if quorum && !group.register.leads(replica) {
            self.jobs.get_mut(slot).failed = true; // it lost its leadership while it worked
            return Ok(false);
        }
        let key = job.payload.key;
        let waiting = Pending::for_job(slot, job.request, job.call_gen, key, now);
        let Group { register, out, recorder, step, .. } = self.group(g);
        let op = if reads(job.request, step.reads) {
            let op = register.read(replica, key, waiting, out);
            if op.is_none() {
                let value = register.value(replica, key);
                recorder.served(job.request, job.service, Some(value));
            }
            op
        } else {
            recorder.served(job.request, job.service, None);
            register.write(replica, key, job.request + 1, waiting, out)
        };
        self.drain(g, sched)?;
        Ok(op.is_some() && self.jobs.get(slot).live && self.jobs.get(slot).step != u16::MAX)
    }

    /// A client request to a register is invoked.
    pub(super) fn register_invoked(&mut self, client: u32, request: u64, key: u64, now: SimTime) {
        let Some(registers) = &mut self.registers else { return };
        let (first, _) = self.client_targets[client as usize];
        let Some(g) = registers.of_target(first) else { return };
        let group = &mut registers.groups[g as usize];
        let kind = if reads(request, group.step.reads) {
            OpKind::Read
        } else {
            OpKind::Write(request + 1)
        };
        group.recorder.invoked(RegisterOp {
            request,
            client,
            key,
            kind,
            read: 0,
            status: OpStatus::Unknown,
            invoked: now,
            completed: None,
            replica: None,
            applied: false,
            timed_out: false,
        });
    }

    /// A client request ended: if it was a register operation, so did that.
    pub(super) fn register_ended(&mut self, call: &Call, outcome: Outcome, now: SimTime) {
        let Some(registers) = &mut self.registers else { return };
        let (first, _) = self.client_targets[call.site as usize];
        let Some(g) = registers.of_target(first) else { return };
        registers.groups[g as usize].recorder.ended(call.request, outcome, now);
    }

    /// An attempt of a client request timed out: if it was a register operation, it may yet
    /// take effect.
    pub(super) fn register_attempt_timed_out(&mut self, call: &Call) {
        let Some(registers) = &mut self.registers else { return };
        if !matches!(call.caller, Caller::Client) {
            return;
        }
        let (first, _) = self.client_targets[call.site as usize];
        let Some(g) = registers.of_target(first) else { return };
        registers.groups[g as usize].recorder.timed_out(call.request);
    }
}
