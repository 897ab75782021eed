//! Calls over their attempts: sending an attempt (breaker, bulkhead, a callee that is down),
//! timeouts, retries, and the final answer going back to whoever waits for it.
//!
//! Must never touch a service's queue or workers except through `admit` and `withdraw`.

use super::*;

impl<O: Observer> World<O> {
    /// Starts a call from `site` and sends its first attempt.
    pub(super) fn new_call(
        &mut self,
        site: u32,
        caller: Caller,
        origin: Origin,
        sched: &mut Scheduler<Event>,
    ) -> Flow {
        let weight = self.sites[site as usize].weight;
        self.new_weighted_call(site, caller, origin, weight, sched)
    }

    pub(super) fn new_weighted_call(
        &mut self,
        site: u32,
        caller: Caller,
        Origin { request, class, arrived, payload }: Origin,
        weight: f64,
        sched: &mut Scheduler<Event>,
    ) -> Flow {
        let call = Call {
            weight,
            site,
            caller,
            request,
            arrived,
            payload,
            instance: NONE,
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

    pub(super) fn send_attempt(&mut self, slot: u32, sched: &mut Scheduler<Event>) -> Flow {
        let now = sched.now();
        let call = self.calls.get_mut(slot);
        call.attempt += 1;
        call.generation = call.generation.wrapping_add(1);
        call.sent = now;
        let (site_index, attempt, generation, request, arrived) =
            (call.site, call.attempt, call.generation, call.request, call.arrived);
        let previous = (attempt > 1).then_some(call.instance as usize);
        self.metrics.on_attempt(attempt > 1);
        let site = &mut self.sites[site_index as usize];
        if attempt == 1 {
            site.note_first_attempt(now);
        }
        let picked = site.pick(now, previous);
        let (target, reads, own_write) = self.route_data(slot, picked, now);
        self.calls.get_mut(slot).instance = target as u32;
        let site = &mut self.sites[site_index as usize];
        let (permitted, moved) = site.permit(now);
        self.note_breaker(site_index, now, moved);
        if !permitted {
            self.metrics.on_reject(target, Rejection::BreakerOpen);
            return self.resolve_attempt(slot, Outcome::Rejected(Rejection::BreakerOpen), sched);
        }
        let site = &mut self.sites[site_index as usize];
        let timeout = site.timeout;
        if !site.enter() {
            self.metrics.on_reject(target, Rejection::Bulkhead);
            return self.resolve_attempt(slot, Outcome::Rejected(Rejection::Bulkhead), sched);
        }
        self.calls.get_mut(slot).entered = true;
        if self.faults.is_down(target, now) {
            return self.resolve_attempt(slot, Outcome::Error, sched);
        }
        let sent = Observation::AttemptSent { request, attempt, service: target };
        self.observer.observe(now, &sent);
        if let Some(timeout) = timeout {
            let fires = self.site_timer(site_index, now, timeout);
            sched.at(fires, Event::Timeout { call: slot, generation });
        }
        let job = Job {
            request,
            call: slot,
            call_gen: generation,
            attempt: self.calls.get(slot).attempt,
            service: target as u32,
            step: 0,
            pending: 0,
            issuing: false,
            failed: false,
            cancellable: self.sites[site_index as usize].cancel_on_timeout,
            silent: false,
            delivery: false,
            weight: self.calls.get(slot).weight,
            handler: self.sites[site_index as usize].handler_at(target),
            running: false,
            lost: false,
            live: true,
            arrived,
            counted: arrived >= self.metrics.warmup(),
            class: self.calls.get(slot).class,
            reads,
            own_write,
            payload: self.calls.get(slot).payload,
            enqueued: now,
            started: now,
        };
        self.dispatch(job, site_index, sched)
    }

    /// The current attempt of `slot` ended: retry it, or finish the call.
    pub(super) fn resolve_attempt(
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
        let instance = call.instance as usize;
        let site = &mut self.sites[site_index as usize];
        site.note_instance(instance, outcome, now);
        let moved = site.record(now, outcome, now - sent);
        let retry = if outcome.is_success() {
            None
        } else {
            site.retry_delay(now, outcome, attempt, previous)
        };
        self.note_breaker(site_index, now, moved);
        match retry {
            Some(delay) => {
                let request = self.calls.get(slot).request;
                let retry = Observation::RetryScheduled { request, attempt, outcome, after: delay };
                self.observer.observe(now, &retry);
                self.calls.get_mut(slot).last_delay = Some(delay);
                let fires = self.site_timer(site_index, now, delay);
                sched.at(fires, Event::Retry { call: slot, generation });
                Ok(())
            }
            None => self.finish_call(slot, outcome, sched),
        }
    }

    pub(super) fn finish_call(
        &mut self,
        slot: u32,
        outcome: Outcome,
        sched: &mut Scheduler<Event>,
    ) -> Flow {
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
                let (request, arrived) = (call.request, call.arrived);
                self.observer
                    .observe(now, &Observation::RequestEnded { request, arrived, outcome });
                self.register_ended(&call, outcome, now);
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
    pub(super) fn answer_job(
        &mut self,
        slot: u32,
        outcome: Outcome,
        sched: &mut Scheduler<Event>,
    ) -> Flow {
        let job = self.jobs.get_mut(slot);
        job.failed |= !outcome.is_success();
        job.pending -= 1;
        if job.pending == 0 && !job.issuing {
            job.step += 1;
            return self.advance(slot, sched);
        }
        Ok(())
    }

    pub(super) fn timeout(
        &mut self,
        slot: u32,
        generation: u32,
        sched: &mut Scheduler<Event>,
    ) -> Flow {
        let call = *self.calls.get(slot);
        if call.generation != generation || call.job == NONE {
            return Ok(()); // answered already, or between attempts
        }
        if self.sites[call.site as usize].cancel_on_timeout {
            self.withdraw(call.job, sched.now());
        }
        self.register_attempt_timed_out(&call);
        let (request, attempt, service) = (call.request, call.attempt, call.instance as usize);
        let timed_out = Observation::AttemptTimedOut { request, attempt, service };
        self.observer.observe(sched.now(), &timed_out);
        self.resolve_attempt(slot, Outcome::Timeout, sched)
    }

    /// Cancellation: a queued job leaves the queue at once; a running one stops at its next step.
    pub(super) fn withdraw(&mut self, job: u32, now: SimTime) {
        if job == AWAY {
            return; // on the network: the callee finds it cancelled when it arrives
        }
        let service = self.jobs.get(job).service as usize;
        if self.services[service].withdraw(job) {
            self.free_job(job);
            self.note_queue(service, now);
        }
    }

    pub(super) fn retry(
        &mut self,
        slot: u32,
        generation: u32,
        sched: &mut Scheduler<Event>,
    ) -> Flow {
        let call = self.calls.get(slot);
        if call.generation == generation && call.job == NONE {
            return self.send_attempt(slot, sched);
        }
        Ok(())
    }
}
