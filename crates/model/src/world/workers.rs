//! Workers taking queued work: holding the queue behind an open breaker, pacing, shedding
//! work that waited too long, and the `taken` list that keeps the stack bounded.
//!
//! Must never nest one level per queued job (ARCHITECTURE.md, invariant 8).

use super::*;

/// Work a freed worker took from its queue while another worker was already taking work further
/// down the stack. The outer take runs it, in order, instead of the inner one nesting deeper: a
/// backlog of jobs that each end at once would otherwise nest one level per job.
#[derive(Clone, Copy, Debug)]
pub(super) enum Taken {
    /// Start this job: popped, its worker claimed.
    Start(u32),
    /// Shed this job: popped, it waited too long; its caller gets the refusal.
    Shed(u32),
}

impl<O: Observer> World<O> {
    /// Whether the service may start a job now: not held back by an open breaker, and (when
    /// draining is paced) a start token is available, which this takes.
    pub(super) fn may_start(&mut self, service: usize, now: SimTime) -> bool {
        !self.is_held(service, now) && self.services[service].take_start_token(now)
    }

    /// True while a breaker on one of the service's own calls would refuse another call (open,
    /// or half-open with its probes out) and the service holds its queue back.
    pub(super) fn is_held(&self, service: usize, now: SimTime) -> bool {
        self.hold_while_open[service]
            && self.breaker_sites[service]
                .iter()
                .any(|&site| !self.sites[site as usize].admits_more(now))
    }

    /// Looks at the queue again a little later; one pending look per service is enough.
    pub(super) fn schedule_wake(&mut self, service: usize, sched: &mut Scheduler<Event>) {
        if std::mem::replace(&mut self.wake_pending[service], true) {
            return;
        }
        let after = self.services[service].pacing_interval().unwrap_or(HOLD_POLL);
        let fires = self.service_timer(service, sched.now(), after.min(HOLD_POLL));
        sched.at(fires, Event::Wake { service: service as u32 });
    }

    /// Idle workers take queued jobs, as far as holding and pacing allow.
    pub(super) fn wake(&mut self, service: usize, sched: &mut Scheduler<Event>) -> Flow {
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

    /// A worker is free: it takes the next queued job if it may start one now; otherwise it
    /// goes idle and the service looks again later.
    pub(super) fn next_for_worker(&mut self, service: usize, sched: &mut Scheduler<Event>) -> Flow {
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
    pub(super) fn take_next(&mut self, service: usize, sched: &mut Scheduler<Event>) -> Flow {
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

    pub(super) fn take_now(&mut self, service: usize, sched: &mut Scheduler<Event>) -> Flow {
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
    pub(super) fn take_later(&mut self, service: usize, now: SimTime) {
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
    pub(super) fn run_taken(&mut self, flow: Flow, sched: &mut Scheduler<Event>) -> Flow {
        let flow = flow.and_then(|()| {
            while let Some(taken) = self.taken.pop_front() {
                self.run_one_taken(taken, sched)?;
            }
            Ok(())
        });
        self.taken.clear(); // empty already unless the run stopped
        flow
    }

    pub(super) fn run_one_taken(&mut self, taken: Taken, sched: &mut Scheduler<Event>) -> Flow {
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
    pub(super) fn is_fresh(&self, job: u32, service: usize, now: SimTime) -> bool {
        let waited = now - self.jobs.get(job).enqueued;
        self.shed_after[service].is_none_or(|limit| waited <= limit)
    }

    pub(super) fn shed(&mut self, slot: u32, service: usize, sched: &mut Scheduler<Event>) -> Flow {
        let job = *self.jobs.get(slot);
        self.free_job(slot);
        self.metrics.on_reject(service, Rejection::Shed);
        if self.is_waited_for(&job) {
            self.answer(&job, Outcome::Rejected(Rejection::Shed), sched)?;
        }
        Ok(())
    }
}
