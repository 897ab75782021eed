//! The world: clients and services wired together by calls, driven by the engine's step loop.
//!
//! A client request is a call; each attempt of a call is a job at the callee; a job runs its
//! service's handler steps on a worker, and a call step makes calls of its own. Timeouts,
//! retries and breakers act on calls; queues, workers and faults act on jobs. Nothing here
//! decides an outcome in advance: collapse and recovery come out of these mechanics.

use std::collections::VecDeque;

use faultline_engine::{
    Activity, LimitExceeded, Model, RngStreams, Scheduler, SimDuration, SimTime, TraceKey,
};
use rand::RngExt;

use crate::call::{Call, CallSite, Caller, NONE};
use crate::client::Client;
use crate::faults::Faults;
use crate::job::Job;
use crate::metrics::{JobDone, RootDone};
use crate::plan::{BatcherPlan, Plan, StepPlan, plan};
use crate::policy::BreakerState;
use crate::service::Service;
use crate::table::Table;
use crate::{Dist, Metrics, Observer, Outcome, Rejection, StarvedPool, WorldConfig};

/// Everything that can happen. Small and `Copy`: the queue holds events by value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A client sends its next request.
    Arrival { client: u32 },
    /// The job in `job` finished its current piece of local work.
    WorkDone { job: u32 },
    /// The caller of `call` stops waiting for attempt generation `generation`.
    Timeout { call: u32, generation: u32 },
    /// The backoff before the next attempt of `call` is over.
    Retry { call: u32, generation: u32 },
    /// A service held back or pacing its queue looks at it again.
    Wake { service: u32 },
    /// The batch of `batcher` that began in `epoch` has waited long enough: send it.
    Flush { batcher: u32, epoch: u32 },
}

/// Requests collected by a batching step, waiting to be sent together.
#[derive(Debug, Default)]
struct Batcher {
    members: Vec<u32>,
    /// Bumped at every send, so a flush timer for an earlier batch is ignored.
    epoch: u32,
}

/// Work a freed worker took from its queue while another worker was already taking work further
/// down the stack. The outer take runs it, in order, instead of the inner one nesting deeper: a
/// backlog of jobs that each end at once would otherwise nest one level per job.
#[derive(Clone, Copy, Debug)]
enum Taken {
    /// Start this job: popped, its worker claimed.
    Start(u32),
    /// Shed this job: popped, it waited too long; its caller gets the refusal.
    Shed(u32),
}

/// Handling an event goes on until it is done, or stops the run at a limit. Boxed so that the
/// result fits in a register: every function on the hot path returns one.
type Flow = Result<(), Box<LimitExceeded>>;

/// How often a service holding its queue (breaker open) checks whether it may resume.
const HOLD_POLL: SimDuration = SimDuration::from_millis(100);

/// The simulated system for one run.
#[derive(Debug)]
pub struct World<O> {
    clients: Vec<Client>,
    /// Names, only for saying where a run got stuck.
    client_names: Vec<String>,
    service_names: Vec<String>,
    /// The class of each client's requests.
    client_class: Vec<u8>,
    services: Vec<Service>,
    /// Call sites: one per client (same index), then one per call in each handler.
    sites: Vec<CallSite>,
    handlers: Vec<Vec<StepPlan>>,
    shed_after: Vec<Option<SimDuration>>,
    hold_while_open: Vec<bool>,
    /// The call sites with a breaker that each service's handlers call from.
    breaker_sites: Vec<Vec<u32>>,
    wake_pending: Vec<bool>,
    batcher_plans: Vec<BatcherPlan>,
    batchers: Vec<Batcher>,
    /// Batches sent and not answered yet: their member jobs.
    batches: Table<Vec<u32>>,
    /// Whether clients call the service directly (its completions count as throughput).
    entry: Vec<bool>,
    jobs: Table<Job>,
    calls: Table<Call>,
    faults: Faults,
    metrics: Metrics,
    observer: O,
    next_request_id: u64,
    requests_in_flight: usize,
    end: SimTime,
    max_in_flight: u32,
    /// True while a worker takes work from a queue (`take_next`) somewhere on the stack.
    taking: bool,
    /// Work taken by a worker while `taking`, for the outermost take to run. Empty otherwise.
    taken: VecDeque<Taken>,
}

impl<O: Observer> World<O> {
    pub fn new(config: &WorldConfig, seed: u64, observer: O) -> Self {
        let streams = RngStreams::new(seed);
        let names: Vec<(String, u32)> =
            config.services.iter().map(|s| (s.name.clone(), s.workers)).collect();
        let Plan { sites, handlers, breaker_sites, batchers } = plan(config, &streams);
        let mut entry = vec![false; config.services.len()];
        config.clients.iter().for_each(|c| entry[c.call.target] = true);
        World {
            clients: config.clients.iter().map(|c| Client::new(c, &streams)).collect(),
            client_names: config.clients.iter().map(|c| c.name.clone()).collect(),
            service_names: config.services.iter().map(|s| s.name.clone()).collect(),
            client_class: config.clients.iter().map(|c| c.class).collect(),
            services: config
                .services
                .iter()
                .map(|s| Service::new(s, &streams, config.classes.len()))
                .collect(),
            sites,
            handlers,
            shed_after: config.services.iter().map(|s| s.shed_after).collect(),
            hold_while_open: config.services.iter().map(|s| s.hold_while_open).collect(),
            breaker_sites,
            wake_pending: vec![false; config.services.len()],
            batchers: batchers.iter().map(|_| Batcher::default()).collect(),
            batcher_plans: batchers,
            batches: Table::default(),
            entry,
            jobs: Table::default(),
            calls: Table::default(),
            faults: Faults::new(&config.faults, config.services.len()),
            metrics: Metrics::new(
                &names,
                &config.classes,
                config.warmup,
                config.end,
                config.window,
            ),
            observer,
            next_request_id: 0,
            requests_in_flight: 0,
            end: config.end,
            max_in_flight: config.max_in_flight,
            taking: false,
            taken: VecDeque::new(),
        }
    }

    /// Closes the time series and hands back what the run measured and the number of client
    /// requests still in flight.
    pub fn finish(mut self) -> (Metrics, O, u64) {
        self.metrics.oldest_in_flight = self.oldest_request();
        self.metrics.starved_pools = self.starved_pools();
        self.metrics.finish();
        (self.metrics, self.observer, self.requests_in_flight as u64)
    }

    /// The client request in flight the longest: (request, arrival).
    fn oldest_request(&self) -> Option<(u64, SimTime)> {
        self.calls
            .iter()
            .filter(|c| c.live && c.caller == Caller::Client)
            .map(|c| (c.arrived, c.request))
            .min()
            .map(|(arrived, request)| (request, arrived))
    }

    /// Services whose every worker is held by a job waiting on sub-tasks of the same service
    /// while jobs wait in its queue: the answers wait for a worker that only they could free, so
    /// nothing there will ever move again (a pool-induced deadlock).
    fn starved_pools(&self) -> Vec<StarvedPool> {
        let mut holding: Vec<Vec<&Job>> = vec![Vec::new(); self.services.len()];
        for job in self.jobs.iter().filter(|j| j.live && j.running) {
            holding[job.service as usize].push(job);
        }
        holding
            .iter()
            .enumerate()
            .filter(|(s, jobs)| self.is_starved(*s, jobs))
            .map(|(s, jobs)| StarvedPool {
                service: s,
                workers: jobs.len() as u32,
                queued: self.services[s].queue_len(),
                waiting_requests: jobs.iter().map(|j| j.request).take(10).collect(),
            })
            .collect()
    }

    fn is_starved(&self, service: usize, holding: &[&Job]) -> bool {
        let s = &self.services[service];
        s.busy() as usize == holding.len()
            && s.is_full()
            && s.queue_len() > 0
            && holding.iter().all(|j| j.pending > 0 && self.waits_on_itself(j))
    }

    /// True when a waiting job's pending calls go to its own service.
    fn waits_on_itself(&self, job: &Job) -> bool {
        match self.handlers[job.handler as usize].get(job.step as usize) {
            Some(StepPlan::Calls { first, count }) => (*first..first + u32::from(*count))
                .any(|site| self.sites[site as usize].target == job.service as usize),
            _ => false,
        }
    }

    fn free_job(&mut self, slot: u32) {
        self.jobs.get_mut(slot).live = false;
        self.jobs.free(slot);
    }

    fn schedule_next_arrival(&mut self, client: u32, sched: &mut Scheduler<Event>) {
        if let Some(at) = self.clients[client as usize].next_arrival(sched.now(), self.end) {
            sched.at(at, Event::Arrival { client });
        }
    }

    fn arrive(&mut self, client: u32, sched: &mut Scheduler<Event>) -> Flow {
        let now = sched.now();
        if self.requests_in_flight >= self.max_in_flight as usize {
            return Err(Box::new(LimitExceeded::Model {
                what: "client requests in flight",
                limit: u64::from(self.max_in_flight),
                at: now,
                hint: "the system is not keeping up; bound a queue, add timeouts, or raise `limits.max_in_flight`",
            }));
        }
        let request = self.next_request_id;
        self.next_request_id += 1;
        self.requests_in_flight += 1;
        self.metrics.on_arrival(now, self.requests_in_flight);
        self.observer.on_arrival(now, client as usize, request);
        let class = self.client_class[client as usize];
        self.new_call(client, Caller::Client, (request, class), now, sched)?;
        self.schedule_next_arrival(client, sched);
        Ok(())
    }

    /// Starts a call from `site` and sends its first attempt.
    fn new_call(
        &mut self,
        site: u32,
        caller: Caller,
        (request, class): (u64, u8),
        arrived: SimTime,
        sched: &mut Scheduler<Event>,
    ) -> Flow {
        let weight = self.sites[site as usize].weight;
        self.new_weighted_call(site, caller, (request, class), arrived, weight, sched)
    }

    fn new_weighted_call(
        &mut self,
        site: u32,
        caller: Caller,
        (request, class): (u64, u8),
        arrived: SimTime,
        weight: f64,
        sched: &mut Scheduler<Event>,
    ) -> Flow {
        let call = Call {
            weight,
            site,
            caller,
            request,
            arrived,
            attempt: 0,
            generation: 0,
            sent: sched.now(),
            job: NONE,
            last_delay: None,
            entered: false,
            class,
            live: true,
        };
        let slot = self
            .calls
            .insert_with(call, |old, new| new.generation = old.generation.wrapping_add(1));
        self.send_attempt(slot, sched)
    }

    fn send_attempt(&mut self, slot: u32, sched: &mut Scheduler<Event>) -> Flow {
        let now = sched.now();
        let call = self.calls.get_mut(slot);
        call.attempt += 1;
        call.generation = call.generation.wrapping_add(1);
        call.sent = now;
        let (site_index, attempt, generation, request, arrived) =
            (call.site, call.attempt, call.generation, call.request, call.arrived);
        self.metrics.on_attempt(attempt > 1);
        let site = &mut self.sites[site_index as usize];
        if attempt == 1 {
            site.note_first_attempt(now);
        }
        let (permitted, moved) = site.permit(now);
        self.note_breaker(site_index, now, moved);
        if !permitted {
            self.metrics.on_reject(self.sites[site_index as usize].target, Rejection::BreakerOpen);
            return self.resolve_attempt(slot, Outcome::Rejected(Rejection::BreakerOpen), sched);
        }
        let site = &mut self.sites[site_index as usize];
        let (target, timeout) = (site.target, site.timeout);
        if !site.enter() {
            self.metrics.on_reject(target, Rejection::Bulkhead);
            return self.resolve_attempt(slot, Outcome::Rejected(Rejection::Bulkhead), sched);
        }
        self.calls.get_mut(slot).entered = true;
        if self.faults.is_down(target, now) {
            return self.resolve_attempt(slot, Outcome::Error, sched);
        }
        if let Some(timeout) = timeout {
            sched.after(timeout, Event::Timeout { call: slot, generation });
        }
        let job = Job {
            request,
            call: slot,
            call_gen: generation,
            service: target as u32,
            step: 0,
            pending: 0,
            issuing: false,
            failed: false,
            cancellable: self.sites[site_index as usize].cancel_on_timeout,
            weight: self.calls.get(slot).weight,
            handler: self.sites[site_index as usize].handler,
            running: false,
            live: true,
            arrived,
            counted: arrived >= self.metrics.warmup(),
            class: self.calls.get(slot).class,
            enqueued: now,
            started: now,
        };
        let job_slot = self.jobs.insert(job);
        self.calls.get_mut(slot).job = job_slot;
        self.admit(target, job_slot, sched)
    }

    fn admit(&mut self, service: usize, job: u32, sched: &mut Scheduler<Event>) -> Flow {
        let now = sched.now();
        let class = self.jobs.get(job).class;
        let rejection = if !self.services[service].passes_limiter(now) {
            Some(Rejection::RateLimited)
        } else if self.services[service].has_idle_worker() && self.may_start(service, now) {
            self.services[service].occupy();
            self.start_job(job, sched)?;
            None
        } else if self.services[service].queue_full() {
            Some(Rejection::QueueFull)
        } else {
            let depth = self.services[service].push(job, class, now);
            self.observer.on_enqueue(now, service, depth, self.jobs.get(job).request);
            if self.services[service].has_idle_worker() {
                self.schedule_wake(service, sched); // held back or paced: look again later
            }
            None
        };
        if let Some(reason) = rejection {
            let call = self.jobs.get(job).call;
            self.free_job(job);
            self.metrics.on_reject(service, reason);
            self.resolve_attempt(call, Outcome::Rejected(reason), sched)?;
        }
        self.note_queue(service, now);
        Ok(())
    }

    /// Whether the service may start a job now: not held back by an open breaker, and (when
    /// draining is paced) a start token is available, which this takes.
    fn may_start(&mut self, service: usize, now: SimTime) -> bool {
        !self.is_held(service, now) && self.services[service].take_start_token(now)
    }

    /// True while a breaker on one of the service's own calls would refuse another call (open,
    /// or half-open with its probes out) and the service holds its queue back.
    fn is_held(&self, service: usize, now: SimTime) -> bool {
        self.hold_while_open[service]
            && self.breaker_sites[service]
                .iter()
                .any(|&site| !self.sites[site as usize].admits_more(now))
    }

    /// Looks at the queue again a little later; one pending look per service is enough.
    fn schedule_wake(&mut self, service: usize, sched: &mut Scheduler<Event>) {
        if std::mem::replace(&mut self.wake_pending[service], true) {
            return;
        }
        let after = self.services[service].pacing_interval().unwrap_or(HOLD_POLL);
        sched.after(
            after.min(HOLD_POLL).max(SimDuration::from_nanos(1)),
            Event::Wake { service: service as u32 },
        );
    }

    /// Idle workers take queued jobs, as far as holding and pacing allow.
    fn wake(&mut self, service: usize, sched: &mut Scheduler<Event>) -> Flow {
        self.wake_pending[service] = false;
        let now = sched.now();
        while self.services[service].has_idle_worker() && self.services[service].queue_len() > 0 {
            // Ends only when starting a job changes the queue or the workers.
            sched.tick(|| self.activity_at(service, "starting queued work"))?;
            if !self.may_start(service, now) {
                self.schedule_wake(service, sched);
                return Ok(());
            }
            self.services[service].occupy();
            self.take_next(service, sched)?;
        }
        self.note_queue(service, now);
        Ok(())
    }

    /// A service and what it is doing, for a run stuck at one instant.
    fn activity_at(&self, service: usize, doing: &str) -> Activity {
        let component = format!("service `{}`", self.service_names[service]);
        Activity { component, doing: doing.to_string() }
    }

    #[inline(always)] // into `admit` and `take_now`, on the hot path
    fn start_job(&mut self, slot: u32, sched: &mut Scheduler<Event>) -> Flow {
        let now = sched.now();
        let job = self.jobs.get_mut(slot);
        job.started = now;
        job.running = true;
        let (service, wait, counted) = (job.service as usize, now - job.enqueued, job.counted);
        let (request, class) = (job.request, job.class);
        self.metrics.on_start(counted, service, class, wait);
        self.observer.on_start(now, service, request, class, wait);
        self.advance(slot, sched)
    }

    /// Runs the job's handler from its current step until it waits for something or ends.
    fn advance(&mut self, slot: u32, sched: &mut Scheduler<Event>) -> Flow {
        loop {
            let job = self.jobs.get(slot);
            if self.is_cancelled(job) {
                return self.finish_job(slot, sched);
            }
            let (service, weight) = (job.service as usize, job.weight);
            let Some(step) = self.handlers[job.handler as usize].get(job.step as usize) else {
                return self.finish_job(slot, sched);
            };
            match step {
                StepPlan::Work { time, contention } => {
                    let (time, contention) = (*time, *contention);
                    let took = self.work_time(service, time, contention, weight, sched.now());
                    sched.after(took, Event::WorkDone { job: slot });
                    return Ok(());
                }
                StepPlan::Calls { first, count } => {
                    let (first, count) = (*first, *count);
                    if self.issue_calls(slot, first, count, sched)? > 0 {
                        return Ok(());
                    }
                    self.jobs.get_mut(slot).step += 1;
                }
                StepPlan::Batch { batcher } => {
                    let batcher = *batcher;
                    if self.join_batch(slot, batcher, sched)? > 0 {
                        return Ok(());
                    }
                    self.jobs.get_mut(slot).step += 1;
                }
            }
            // A step answered at once (its calls rejected, say): the next one runs at this
            // same instant.
            sched.tick(|| self.activity_at(service, "running handler steps"))?;
        }
    }

    /// Adds the job to a batch; sends the batch when full. Returns whether the job still waits.
    fn join_batch(
        &mut self,
        slot: u32,
        batcher: u32,
        sched: &mut Scheduler<Event>,
    ) -> Result<u16, Box<LimitExceeded>> {
        let job = self.jobs.get_mut(slot);
        job.pending = 1;
        job.issuing = true;
        let plan = self.batcher_plans[batcher as usize];
        let b = &mut self.batchers[batcher as usize];
        b.members.push(slot);
        if b.members.len() == 1 {
            let epoch = b.epoch;
            sched.after(plan.wait, Event::Flush { batcher, epoch });
        }
        if b.members.len() >= usize::from(plan.max) {
            self.send_batch(batcher, sched)?;
        }
        let job = self.jobs.get_mut(slot);
        job.issuing = false;
        Ok(job.pending)
    }

    fn flush(&mut self, batcher: u32, epoch: u32, sched: &mut Scheduler<Event>) -> Flow {
        let b = &self.batchers[batcher as usize];
        if b.epoch == epoch && !b.members.is_empty() {
            self.send_batch(batcher, sched)?;
        }
        Ok(())
    }

    /// One call for every request collected so far.
    fn send_batch(&mut self, batcher: u32, sched: &mut Scheduler<Event>) -> Flow {
        let plan = self.batcher_plans[batcher as usize];
        let b = &mut self.batchers[batcher as usize];
        b.epoch = b.epoch.wrapping_add(1);
        let members = std::mem::take(&mut b.members);
        let first = *self.jobs.get(members[0]);
        let extra = plan.per_item * (members.len() - 1) as f64;
        let weight = self.sites[plan.site as usize].weight * (1.0 + extra);
        let batch = self.batches.insert(members);
        let owner = (first.request, first.class);
        self.new_weighted_call(plan.site, Caller::Batch(batch), owner, first.arrived, weight, sched)
    }

    /// Sends one call per site for the job's current step; returns how many are still pending.
    fn issue_calls(
        &mut self,
        slot: u32,
        first: u32,
        count: u16,
        sched: &mut Scheduler<Event>,
    ) -> Result<u16, Box<LimitExceeded>> {
        let job = self.jobs.get_mut(slot);
        job.pending = count;
        job.issuing = true;
        let (request, arrived) = ((job.request, job.class), job.arrived);
        for site in first..first + u32::from(count) {
            self.new_call(site, Caller::Job(slot), request, arrived, sched)?;
        }
        let job = self.jobs.get_mut(slot);
        job.issuing = false;
        Ok(job.pending)
    }

    fn work_time(
        &mut self,
        service: usize,
        time: Dist,
        contention: SimDuration,
        weight: f64,
        now: SimTime,
    ) -> SimDuration {
        let s = &mut self.services[service];
        let base = time.sample_secs(&mut s.work_rng) * weight * self.faults.slowdown(service, now);
        let crowd = contention.as_secs_f64() * f64::from(s.busy().saturating_sub(1));
        SimDuration::from_secs_f64(base + crowd)
    }

    /// True when nobody waits for this job and its caller asked for cancellation.
    fn is_cancelled(&self, job: &Job) -> bool {
        job.cancellable && !self.is_waited_for(job)
    }

    fn is_waited_for(&self, job: &Job) -> bool {
        let call = self.calls.get(job.call);
        call.generation == job.call_gen && call.job != NONE
    }

    fn work_done(&mut self, slot: u32, sched: &mut Scheduler<Event>) -> Flow {
        self.jobs.get_mut(slot).step += 1;
        self.advance(slot, sched)
    }

    /// The job ends: its worker moves on, and its caller gets the answer if still waiting.
    fn finish_job(&mut self, slot: u32, sched: &mut Scheduler<Event>) -> Flow {
        let now = sched.now();
        let job = *self.jobs.get(slot);
        let service = job.service as usize;
        let waited_for = self.is_waited_for(&job);
        let outcome = self.job_outcome(&job, now);
        let wasted = (!waited_for).then(|| now - job.started);
        let done = JobDone {
            service,
            enqueued: job.enqueued,
            counted: job.counted,
            entry: self.entry[service],
            wasted,
        };
        self.metrics.on_job_done(now, done);
        self.free_job(slot);
        self.next_for_worker(service, sched)?;
        self.note_queue(service, now);
        if waited_for {
            self.resolve_attempt(job.call, outcome, sched)?;
        }
        Ok(())
    }

    /// Success, unless a call failed or an injected fault strikes.
    fn job_outcome(&mut self, job: &Job, now: SimTime) -> Outcome {
        let service = job.service as usize;
        let share = self.faults.fail_share(service, now);
        let struck = share > 0.0 && self.services[service].fault_rng.random::<f64>() < share;
        if job.failed || struck { Outcome::Error } else { Outcome::Success }
    }

    /// A worker is free: it takes the next queued job if it may start one now; otherwise it
    /// goes idle and the service looks again later.
    fn next_for_worker(&mut self, service: usize, sched: &mut Scheduler<Event>) -> Flow {
        let now = sched.now();
        if self.services[service].queue_len() == 0 {
            self.services[service].idle();
            return Ok(());
        }
        if !self.may_start(service, now) {
            self.services[service].idle();
            self.schedule_wake(service, sched);
            return Ok(());
        }
        self.take_next(service, sched)
    }

    /// The worker already claimed takes the next queued job, dropping (shedding) those that
    /// waited too long to be worth starting; it goes idle if none is left.
    ///
    /// Starting or shedding a job can free another worker at once (a job whose calls are all
    /// refused ends as it starts; a shed job's caller may end), which takes work in turn. So
    /// that the stack stays bounded however long the queues, only the outermost take runs that
    /// work directly: a take nested inside it pops its jobs and leaves them on `taken`, which
    /// the outermost take runs in order before it returns.
    fn take_next(&mut self, service: usize, sched: &mut Scheduler<Event>) -> Flow {
        if self.taking {
            self.take_later(service, sched.now());
            return Ok(());
        }
        self.taking = true;
        let mut flow = self.take_now(service, sched);
        if !self.taken.is_empty() {
            flow = self.run_taken(flow, sched);
        }
        self.taking = false;
        flow
    }

    fn take_now(&mut self, service: usize, sched: &mut Scheduler<Event>) -> Flow {
        let now = sched.now();
        while let Some(next) = self.services[service].pop(now) {
            if self.is_fresh(next, service, now) {
                return self.start_job(next, sched);
            }
            self.shed(next, service, sched)?;
            // Answering a shed job's caller may queue more work here at this same instant.
            sched.tick(|| self.activity_at(service, "shedding queued work"))?;
        }
        self.services[service].idle();
        Ok(())
    }

    /// A take nested in another: pops what `take_now` would and leaves it to the outer take.
    #[cold]
    #[inline(never)]
    fn take_later(&mut self, service: usize, now: SimTime) {
        while let Some(next) = self.services[service].pop(now) {
            if self.is_fresh(next, service, now) {
                self.taken.push_back(Taken::Start(next));
                return;
            }
            self.taken.push_back(Taken::Shed(next));
        }
        self.services[service].idle();
    }

    /// Runs the work nested takes left, in the order they took it, including what running it
    /// takes in turn; after `flow` stopped the run, only forgets it.
    #[cold]
    #[inline(never)]
    fn run_taken(&mut self, flow: Flow, sched: &mut Scheduler<Event>) -> Flow {
        let flow = flow.and_then(|()| {
            while let Some(taken) = self.taken.pop_front() {
                self.run_one_taken(taken, sched)?;
            }
            Ok(())
        });
        self.taken.clear(); // empty already unless the run stopped
        flow
    }

    fn run_one_taken(&mut self, taken: Taken, sched: &mut Scheduler<Event>) -> Flow {
        match taken {
            Taken::Start(job) => {
                let service = self.jobs.get(job).service as usize;
                sched.tick(|| self.activity_at(service, "starting queued work"))?;
                self.start_job(job, sched)
            }
            Taken::Shed(job) => {
                let service = self.jobs.get(job).service as usize;
                sched.tick(|| self.activity_at(service, "shedding queued work"))?;
                self.shed(job, service, sched)
            }
        }
    }

    /// True unless the job waited in the queue longer than the service's `shed_after`.
    fn is_fresh(&self, job: u32, service: usize, now: SimTime) -> bool {
        let waited = now - self.jobs.get(job).enqueued;
        self.shed_after[service].is_none_or(|limit| waited <= limit)
    }

    fn shed(&mut self, slot: u32, service: usize, sched: &mut Scheduler<Event>) -> Flow {
        let job = *self.jobs.get(slot);
        self.free_job(slot);
        self.metrics.on_reject(service, Rejection::Shed);
        if self.is_waited_for(&job) {
            self.resolve_attempt(job.call, Outcome::Rejected(Rejection::Shed), sched)?;
        }
        Ok(())
    }

    /// The current attempt of `slot` ended: retry it, or finish the call.
    fn resolve_attempt(
        &mut self,
        slot: u32,
        outcome: Outcome,
        sched: &mut Scheduler<Event>,
    ) -> Flow {
        let now = sched.now();
        let call = self.calls.get_mut(slot);
        call.job = NONE;
        if std::mem::take(&mut call.entered) {
            let site = call.site as usize;
            self.sites[site].leave();
        }
        let call = self.calls.get(slot);
        let (site_index, attempt, sent, previous, generation) =
            (call.site, call.attempt, call.sent, call.last_delay, call.generation);
        let site = &mut self.sites[site_index as usize];
        let moved = site.record(now, outcome, now - sent);
        let retry = if outcome.is_success() {
            None
        } else {
            site.retry_delay(now, outcome, attempt, previous)
        };
        self.note_breaker(site_index, now, moved);
        match retry {
            Some(delay) => {
                self.calls.get_mut(slot).last_delay = Some(delay);
                sched.after(delay, Event::Retry { call: slot, generation });
                Ok(())
            }
            None => self.finish_call(slot, outcome, sched),
        }
    }

    fn finish_call(&mut self, slot: u32, outcome: Outcome, sched: &mut Scheduler<Event>) -> Flow {
        let now = sched.now();
        let call = *self.calls.get(slot);
        // Bumping the generation invalidates every timer and late answer for this call.
        self.calls.get_mut(slot).generation = call.generation.wrapping_add(1);
        self.calls.get_mut(slot).live = false;
        self.calls.free(slot);
        match call.caller {
            Caller::Client => {
                self.requests_in_flight -= 1;
                let done = RootDone { arrived: call.arrived, class: call.class, outcome };
                self.metrics.on_root_done(now, done, self.requests_in_flight);
                self.observer.on_done(now, call.request, call.arrived, outcome);
                Ok(())
            }
            Caller::Job(job) => self.answer_job(job, outcome, sched),
            Caller::Batch(batch) => {
                let members = std::mem::take(self.batches.get_mut(batch));
                self.batches.free(batch);
                members.into_iter().try_for_each(|job| self.answer_job(job, outcome, sched))
            }
        }
    }

    /// One of the calls a job waits for has its final answer.
    fn answer_job(&mut self, slot: u32, outcome: Outcome, sched: &mut Scheduler<Event>) -> Flow {
        let job = self.jobs.get_mut(slot);
        job.failed |= !outcome.is_success();
        job.pending -= 1;
        if job.pending == 0 && !job.issuing {
            job.step += 1;
            return self.advance(slot, sched);
        }
        Ok(())
    }

    fn timeout(&mut self, slot: u32, generation: u32, sched: &mut Scheduler<Event>) -> Flow {
        let call = *self.calls.get(slot);
        if call.generation != generation || call.job == NONE {
            return Ok(()); // answered already, or between attempts
        }
        if self.sites[call.site as usize].cancel_on_timeout {
            self.withdraw(call.job, sched.now());
        }
        self.resolve_attempt(slot, Outcome::Timeout, sched)
    }

    /// Cancellation: a queued job leaves the queue at once; a running one stops at its next step.
    fn withdraw(&mut self, job: u32, now: SimTime) {
        let service = self.jobs.get(job).service as usize;
        if self.services[service].withdraw(job) {
            self.free_job(job);
            self.note_queue(service, now);
        }
    }

    fn retry(&mut self, slot: u32, generation: u32, sched: &mut Scheduler<Event>) -> Flow {
        let call = self.calls.get(slot);
        if call.generation == generation && call.job == NONE {
            return self.send_attempt(slot, sched);
        }
        Ok(())
    }

    fn note_queue(&mut self, service: usize, now: SimTime) {
        let s = &self.services[service];
        self.metrics.on_queue_change(now, service, s.queue_len(), s.busy());
    }

    fn note_breaker(&mut self, site: u32, now: SimTime, moved: Option<BreakerState>) {
        if let Some(state) = moved {
            self.metrics.on_breaker(now, &self.sites[site as usize].name, state);
        }
    }
}

impl<O: Observer> Model for World<O> {
    type Event = Event;

    fn start(&mut self, sched: &mut Scheduler<Event>) -> Result<(), LimitExceeded> {
        for client in 0..self.clients.len() as u32 {
            self.schedule_next_arrival(client, sched);
        }
        Ok(())
    }

    #[inline]
    fn handle(&mut self, event: Event, sched: &mut Scheduler<Event>) -> Result<(), LimitExceeded> {
        self.metrics.advance_to(sched.now());
        let flow = match event {
            Event::Arrival { client } => self.arrive(client, sched),
            Event::WorkDone { job } => self.work_done(job, sched),
            Event::Timeout { call, generation } => self.timeout(call, generation, sched),
            Event::Retry { call, generation } => self.retry(call, generation, sched),
            Event::Wake { service } => self.wake(service as usize, sched),
            Event::Flush { batcher, epoch } => self.flush(batcher, epoch, sched),
        };
        flow.map_err(|stop| *stop)
    }

    fn trace_key(&self, event: &Event) -> TraceKey {
        match *event {
            Event::Arrival { client } => {
                TraceKey { kind: 0, component: client, request: self.next_request_id }
            }
            Event::WorkDone { job } => {
                let job = self.jobs.get(job);
                TraceKey { kind: 1, component: job.service, request: job.request }
            }
            Event::Timeout { call, .. } => {
                TraceKey { kind: 2, component: call, request: self.calls.get(call).request }
            }
            Event::Wake { service } => TraceKey { kind: 4, component: service, request: 0 },
            Event::Flush { batcher, epoch } => {
                TraceKey { kind: 5, component: batcher, request: u64::from(epoch) }
            }
            Event::Retry { call, .. } => {
                TraceKey { kind: 3, component: call, request: self.calls.get(call).request }
            }
        }
    }

    fn activity(&self, event: &Event) -> Activity {
        let site = |site: u32, doing: &str| Activity {
            component: format!("call `{}`", self.sites[site as usize].name),
            doing: doing.to_string(),
        };
        match *event {
            Event::Arrival { client } => Activity {
                component: format!("client `{}`", self.client_names[client as usize]),
                doing: "sending requests".into(),
            },
            Event::WorkDone { job } => {
                self.activity_at(self.jobs.get(job).service as usize, "finishing work")
            }
            Event::Timeout { call, .. } => site(self.calls.get(call).site, "timing out"),
            Event::Retry { call, .. } => site(self.calls.get(call).site, "retrying"),
            Event::Wake { service } => self.activity_at(service as usize, "looking at its queue"),
            Event::Flush { batcher, .. } => {
                site(self.batcher_plans[batcher as usize].site, "sending a batch")
            }
        }
    }
}

#[cfg(test)]
mod size_tests {
    /// The queue holds events by value: keep them small.
    #[test]
    fn events_stay_small() {
        assert!(std::mem::size_of::<super::Event>() <= 12);
    }
}

#[cfg(test)]
mod stuck_tests {
    use faultline_engine::{Limits, run};

    use super::*;
    use crate::policy::{BreakerConfig, CountsAsFailure, Window};
    use crate::{
        ArrivalProcess, CallConfig, ClientConfig, Discipline, Fault, FaultKind, LoadShape,
        NoObserver, Rate, ServiceConfig, Step,
    };

    fn service(name: &str, steps: Vec<Step>, discipline: Discipline) -> ServiceConfig {
        ServiceConfig {
            name: name.into(),
            workers: 4,
            queue_capacity: None,
            steps,
            rate_limit: None,
            discipline,
            hold_while_open: true,
            drain_rate: None,
            ageing: None,
            shed_after: None,
        }
    }

    fn client(name: &str, rate: f64, class: u8) -> ClientConfig {
        ClientConfig {
            name: name.into(),
            process: ArrivalProcess::Fixed,
            rate: Rate(rate),
            shape: LoadShape::Const,
            call: CallConfig::plain(0, None),
            class,
        }
    }

    /// A service whose strict priority leaves out the class most of its work has (a config
    /// validation refuses), held while its breaker is open: when the breaker lets calls through
    /// again, idle workers face a queue they cannot take from.
    fn unreachable_class() -> WorldConfig {
        let breaker = BreakerConfig {
            window: Window::Count(10),
            failure_rate: 0.5,
            slow_call_rate: f64::INFINITY,
            slow_call_duration: SimDuration::MAX,
            minimum_calls: 2,
            open_duration: SimDuration::from_secs(2),
            half_open_probes: 1,
            count_as_failure: CountsAsFailure { error: true, timeout: true, rejected: false },
        };
        let call = CallConfig { breaker: Some(breaker), ..CallConfig::plain(1, None) };
        let work = Step::Work { time: Dist::Exp { mean: 0.001 }, contention: SimDuration::ZERO };
        let start = SimTime::ZERO + SimDuration::from_secs(5);
        WorldConfig {
            classes: vec!["high".into(), "low".into()],
            clients: vec![client("a", 1.0, 0), client("b", 50.0, 1)],
            services: vec![
                service("api", vec![Step::Call(call)], Discipline::Strict { order: vec![0] }),
                service("db", vec![work], Discipline::Fifo),
            ],
            faults: vec![Fault {
                service: 1,
                kind: FaultKind::Fail { share: 1.0 },
                start,
                end: start + SimDuration::from_secs(5),
            }],
            warmup: SimTime::ZERO,
            end: SimTime::ZERO + SimDuration::from_secs(60),
            window: SimDuration::from_secs(1),
            max_in_flight: 1_000_000,
        }
    }

    #[test]
    fn a_queue_no_worker_can_take_from_stops_the_run_saying_where() {
        let config = unreachable_class();
        let mut world = World::new(&config, 1, NoObserver);
        let limits =
            Limits { end: config.end, max_events: 10_000_000, max_work_per_instant: 10_000 };
        let err = run(&mut world, limits).unwrap_err();
        let LimitExceeded::Stuck { limit, at, component, doing } = err else { panic!("{err}") };
        assert_eq!((limit, component.as_str()), (10_000, "service `api`"));
        assert_eq!(doing, "starting queued work");
        assert!(at > SimTime::ZERO + SimDuration::from_secs(5), "stuck at {at}");
    }
}
