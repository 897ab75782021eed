//! Jobs at a service: admission, then a handler's steps on a worker (local work, calls,
//! batches) until the job ends and its answer goes back.
//!
//! Must never decide when a worker takes queued work: that is `workers.rs`.

use super::*;

impl<O: Observer> World<O> {
    pub(super) fn admit(&mut self, service: usize, job: u32, sched: &mut Scheduler<Event>) -> Flow {
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
            let request = self.jobs.get(job).request;
            self.observer.observe(now, &Observation::AttemptQueued { service, request, depth });
            if self.services[service].has_idle_worker() {
                self.schedule_wake(service, sched); // held back or paced: look again later
            }
            None
        };
        if let Some(reason) = rejection {
            let refused = *self.jobs.get(job);
            self.free_job(job);
            self.metrics.on_reject(service, reason);
            // Over a network the caller may have given up before the attempt arrived.
            if self.is_waited_for(&refused) {
                self.answer(&refused, Outcome::Rejected(reason), sched)?;
            }
        }
        self.note_queue(service, now);
        Ok(())
    }

    #[inline(always)] // into `admit` and `take_now`, on the hot path
    pub(super) fn start_job(&mut self, slot: u32, sched: &mut Scheduler<Event>) -> Flow {
        let now = sched.now();
        let job = self.jobs.get_mut(slot);
        job.started = now;
        job.running = true;
        let (service, wait, counted) = (job.service as usize, now - job.enqueued, job.counted);
        let (request, class, key) = (job.request, job.class, job.payload.key);
        self.metrics.on_start(counted, service, class, wait);
        let started = Observation::JobStarted { service, request, class, key, wait };
        self.observer.observe(now, &started);
        self.advance(slot, sched)
    }

    /// Runs the job's handler from its current step until it waits for something or ends.
    pub(super) fn advance(&mut self, slot: u32, sched: &mut Scheduler<Event>) -> Flow {
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
                    let ends = self.work_ends(service, sched.now(), took);
                    sched.at(ends, Event::WorkDone { job: slot });
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

    /// Sends one call per site for the job's current step; returns how many are still pending.
    pub(super) fn issue_calls(
        &mut self,
        slot: u32,
        first: u32,
        count: u16,
        sched: &mut Scheduler<Event>,
    ) -> Result<u16, Box<LimitExceeded>> {
        let job = self.jobs.get_mut(slot);
        job.pending = count;
        job.issuing = true;
        let origin = Origin::of_job(job);
        for site in first..first + u32::from(count) {
            self.new_call(site, Caller::Job(slot), origin, sched)?;
        }
        let job = self.jobs.get_mut(slot);
        job.issuing = false;
        Ok(job.pending)
    }

    pub(super) fn work_time(
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
    pub(super) fn is_cancelled(&self, job: &Job) -> bool {
        job.cancellable && !self.is_waited_for(job)
    }

    pub(super) fn is_waited_for(&self, job: &Job) -> bool {
        let call = self.calls.get(job.call);
        call.generation == job.call_gen && call.job != NONE
    }

    pub(super) fn work_done(&mut self, slot: u32, sched: &mut Scheduler<Event>) -> Flow {
        if self.jobs.get(slot).lost {
            self.free_job(slot); // its node crashed while it worked
            return Ok(());
        }
        self.jobs.get_mut(slot).step += 1;
        self.advance(slot, sched)
    }

    /// The job ends: its worker moves on, and its caller gets the answer if still waiting.
    pub(super) fn finish_job(&mut self, slot: u32, sched: &mut Scheduler<Event>) -> Flow {
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
            self.answer(&job, outcome, sched)?;
        }
        Ok(())
    }

    /// Success, unless a call failed or an injected fault strikes.
    pub(super) fn job_outcome(&mut self, job: &Job, now: SimTime) -> Outcome {
        let service = job.service as usize;
        let share = self.faults.fail_share(service, now);
        let struck = share > 0.0 && self.services[service].fault_rng.random::<f64>() < share;
        if job.failed || struck { Outcome::Error } else { Outcome::Success }
    }
}
