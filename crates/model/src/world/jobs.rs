//! Jobs at a service: admission, then a handler's steps on a worker (local work, waits for a
//! schedule, calls, batches) until the job ends and its answer goes back.
//!
//! Must never decide when a worker takes queued work: that is `workers.rs`.

use super::*;
use crate::{Schedule, Timestamp, instant_at};

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
                StepPlan::Wait(schedule) => {
                    let Some(firing) = next_firing(schedule, self.start, sched.now()) else {
                        return Ok(()); // never fires again: the job waits for good
                    };
                    let ends = self.work_ends(service, firing, SimDuration::ZERO);
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
                StepPlan::CheckToken { leeway } => {
                    let leeway = *leeway;
                    if !self.check_token(slot, leeway, sched.now()) {
                        // Refused: the job answers with an error at once, as a 401 would.
                        self.jobs.get_mut(slot).failed = true;
                        return self.finish_job(slot, sched);
                    }
                    self.jobs.get_mut(slot).step += 1;
                }
                StepPlan::RegisterCheck => {
                    if self.register_serves(slot, sched.now()) {
                        self.jobs.get_mut(slot).step += 1;
                    } else {
                        let job = self.jobs.get_mut(slot);
                        job.failed = true; // not the leader (or its lease ran out): refused
                        job.step = u16::MAX;
                    }
                }
                StepPlan::Publish { site, publisher } => {
                    let (site, publisher) = (*site, *publisher);
                    if self.publish(slot, site, publisher, sched)? > 0 {
                        return Ok(());
                    }
                    self.jobs.get_mut(slot).step += 1;
                }
                StepPlan::Require { fields } => {
                    if self.jobs.get(slot).payload.missing & *fields != 0 {
                        let job = self.jobs.get_mut(slot);
                        job.failed = true; // a malformed message: the consumer throws
                        job.step = u16::MAX;
                    } else {
                        self.jobs.get_mut(slot).step += 1;
                    }
                }
                StepPlan::Append { topic } => {
                    let topic = *topic;
                    self.append(slot, topic, sched)?;
                    self.jobs.get_mut(slot).step += 1;
                }
                StepPlan::Effect { effect, once_per, dedup } => {
                    let (effect, once_per, dedup) = (*effect, *once_per, *dedup);
                    self.effect(slot, effect, once_per, dedup, sched.now());
                    self.jobs.get_mut(slot).step += 1;
                }
                StepPlan::Apply { step } => {
                    if self.apply_event(slot, *step, sched.now()) {
                        self.jobs.get_mut(slot).step += 1;
                    } else {
                        self.jobs.get_mut(slot).failed = true;
                        return self.finish_job(slot, sched);
                    }
                }
                StepPlan::DataAct => {
                    if self.data_act(slot, sched)? {
                        return Ok(()); // a read waits for its replica to catch up
                    }
                    self.jobs.get_mut(slot).step += 1;
                }
                StepPlan::RegisterAct => {
                    if self.register_act(slot, sched)? {
                        return Ok(()); // waits for a majority
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

    #[inline]
    pub(super) fn is_waited_for(&self, job: &Job) -> bool {
        if job.delivery {
            return self.delivery_is_current(job);
        }
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
        let ended = Observation::JobEnded {
            service,
            request: job.request,
            started: job.started,
            outcome,
            waited_for,
            lost: false,
        };
        self.observer.observe(now, &ended);
        self.free_job(slot);
        self.next_for_worker(service, sched)?;
        self.note_queue(service, now);
        if waited_for && !job.silent {
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

/// When `schedule` next fires at or after `now`, in a run whose time zero is `start`; `None`
/// if never (or beyond simulated time).
fn next_firing(schedule: &Schedule, start: Timestamp, now: SimTime) -> Option<SimTime> {
    let from = instant_at(start, now).as_nanosecond() - 1;
    let firing = schedule.next_after(Timestamp::from_nanosecond(from).ok()?)?;
    let at = u64::try_from(firing.as_nanosecond() - start.as_nanosecond()).ok()?;
    Some(SimTime::from_nanos(at))
}

#[cfg(test)]
mod tests {
    use faultline_engine::{Limits, run};

    use super::*;
    use crate::{CallConfig, ClientConfig, Cron, Endpoint, ServiceConfig, Step, Zone};

    /// When each request that ended arrived and ended, in hours from the start.
    #[derive(Default)]
    struct Ends(Vec<(u64, u64)>);

    impl Observer for Ends {
        fn observe(&mut self, now: SimTime, what: &Observation) {
            if let Observation::RequestEnded { arrived, .. } = *what {
                let hours = |t: SimTime| t.as_nanos() / 3_600_000_000_000;
                self.0.push((hours(arrived), hours(now)));
            }
        }
    }

    fn schedule(cron: &str, zone: &str) -> Schedule {
        Schedule {
            cron: Cron::parse(cron).expect("valid"),
            zone: Zone::named(zone).expect("bundled"),
        }
    }

    /// Requests every 6 h (UTC) from 00:00 UTC on 7 March 2026 (19:00 EST on the 6th) for 72 h,
    /// the first at the start, reach a handler that
    /// waits for 02:00 in New York: 07:00 UTC on the 7th (7 h, EST), on the 8th the gap (02:00
    /// does not exist) ends at 03:00 EDT, 07:00 UTC (31 h), then 06:00 UTC on the 9th (54 h);
    /// the 10th's, 78 h, is after the end. A request arriving right at a firing goes on at once.
    #[test]
    fn a_handler_waits_for_its_schedule_to_fire() {
        let call = CallConfig::plain(Endpoint::Service(0), None);
        let every_6h = ClientConfig::scheduled("feed", schedule("0 */6 * * *", "UTC"), call);
        let wait = Step::Wait { schedule: schedule("0 2 * * *", "America/New_York") };
        let night = ServiceConfig::new("night", 20, vec![wait]);
        let end = SimTime::ZERO + SimDuration::from_secs(72 * 3_600);
        let config = WorldConfig {
            start: "2026-03-07T00:00:00Z".parse().expect("instant"),
            ..WorldConfig::new(vec![every_6h], vec![night], end)
        };
        let mut world = World::new(&config, 1, Ends::default());
        let limits = Limits { end, max_events: 1_000, max_work_per_instant: 1_000 };
        run(&mut world, limits).expect("runs");
        let (metrics, ends, in_flight) = world.finish();
        let want = [
            (0, 7),
            (6, 7),
            (12, 31),
            (18, 31),
            (24, 31),
            (30, 31),
            (36, 54),
            (42, 54),
            (48, 54),
            (54, 54),
        ];
        let mut got = ends.0;
        got.sort_unstable();
        assert_eq!(got, want);
        // 13 arrivals (0, 6, …, 72 h); the last three still wait for 78 h.
        assert_eq!((metrics.arrived, in_flight), (13, 3));
    }
}
