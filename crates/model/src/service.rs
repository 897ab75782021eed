//! A service: a pool of identical workers in front of a FIFO queue with optional capacity, and
//! optionally a token-bucket rate limiter at its door.

use faultline_engine::{RngStreams, SimDuration, SimRng, SimTime};

use crate::ServiceConfig;
use crate::policy::TokenBucket;
use crate::queue::JobQueue;

#[derive(Debug)]
pub(crate) struct Service {
    workers: u32,
    busy: u32,
    queue: JobQueue,
    capacity: Option<u32>,
    limiter: Option<TokenBucket>,
    /// Paces starts from the queue (gradual draining), with the gap between tokens.
    pacer: Option<TokenBucket>,
    pace_every: Option<SimDuration>,
    /// Draws for local work.
    pub(crate) work_rng: SimRng,
    /// Draws for injected failures, separate so that a fault never shifts work draws.
    pub(crate) fault_rng: SimRng,
}

impl Service {
    pub(crate) fn new(config: &ServiceConfig, streams: &RngStreams, classes: usize) -> Self {
        Service {
            workers: config.workers,
            busy: 0,
            queue: JobQueue::new(config.discipline.clone(), config.ageing, classes),
            capacity: config.queue_capacity,
            limiter: config.rate_limit.map(|r| TokenBucket::new(r.rate, r.burst)),
            pacer: config.drain_rate.map(|r| TokenBucket::new(r.rate, r.burst)),
            pace_every: config.drain_rate.map(|r| SimDuration::from_secs_f64(1.0 / r.rate)),
            work_rng: streams.stream(&format!("service/{}/service_time", config.name)),
            fault_rng: streams.stream(&format!("service/{}/faults", config.name)),
        }
    }

    /// The rate limiter at the door lets this arrival in (always, without a limiter).
    pub(crate) fn passes_limiter(&mut self, now: SimTime) -> bool {
        self.limiter.as_mut().is_none_or(|l| l.try_take(now))
    }

    pub(crate) fn has_idle_worker(&self) -> bool {
        self.busy < self.workers
    }

    /// Paced draining: takes a start token if the service paces its starts.
    pub(crate) fn take_start_token(&mut self, now: SimTime) -> bool {
        self.pacer.as_mut().is_none_or(|p| p.try_take(now))
    }

    /// How long until a paced start may be tried again.
    pub(crate) fn pacing_interval(&self) -> Option<SimDuration> {
        self.pace_every
    }

    pub(crate) fn occupy(&mut self) {
        self.busy += 1;
    }

    /// The node crashed: no worker is busy any more (the queue was emptied by the caller).
    pub(crate) fn crash(&mut self) {
        self.busy = 0;
    }

    pub(crate) fn idle(&mut self) {
        self.busy -= 1;
    }

    pub(crate) fn queue_full(&self) -> bool {
        self.capacity.is_some_and(|cap| self.queue.len() >= cap as usize)
    }

    /// Queues the job; returns the new depth.
    pub(crate) fn push(&mut self, slot: u32, class: u8, now: SimTime) -> usize {
        self.queue.push(slot, class, now);
        self.queue.len()
    }

    pub(crate) fn pop(&mut self, now: SimTime) -> Option<u32> {
        self.queue.pop(now)
    }

    /// Withdraws a queued job (its caller cancelled it). False if it was not queued.
    pub(crate) fn withdraw(&mut self, slot: u32) -> bool {
        self.queue.remove(slot)
    }

    /// Every worker is busy.
    pub(crate) fn is_full(&self) -> bool {
        self.busy == self.workers
    }

    pub(crate) fn busy(&self) -> u32 {
        self.busy
    }

    pub(crate) fn queue_len(&self) -> usize {
        self.queue.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dist, Step};

    fn config(rate_limit: Option<crate::RateLimit>) -> ServiceConfig {
        ServiceConfig {
            name: "s".into(),
            workers: 2,
            queue_capacity: Some(1),
            steps: vec![Step::Work {
                time: Dist::Const { secs: 1.0 },
                contention: SimDuration::ZERO,
            }],
            rate_limit,
            shed_after: None,
            discipline: crate::Discipline::Fifo,
            ageing: None,
            hold_while_open: false,
            drain_rate: None,
        }
    }

    #[test]
    fn workers_then_queue_then_full() {
        let mut service = Service::new(&config(None), &RngStreams::new(1), 1);
        service.occupy();
        service.occupy();
        assert!(!service.has_idle_worker());
        assert_eq!(service.push(7, 0, SimTime::ZERO), 1);
        assert!(service.queue_full());
        assert_eq!(service.pop(SimTime::ZERO), Some(7));
        service.idle();
        assert_eq!((service.busy(), service.queue_len()), (1, 0));
    }

    #[test]
    fn the_rate_limiter_admits_its_burst() {
        let limit = crate::RateLimit { rate: 1.0, burst: 1 };
        let mut service = Service::new(&config(Some(limit)), &RngStreams::new(1), 1);
        assert!(service.passes_limiter(SimTime::ZERO));
        assert!(!service.passes_limiter(SimTime::ZERO));
        assert!(!service.withdraw(1));
    }
}
