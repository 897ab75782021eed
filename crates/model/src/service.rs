//! A service: a pool of identical workers in front of a FIFO queue with optional capacity, and
//! optionally a token-bucket rate limiter at its door.

use faultline_engine::{RngStreams, SimRng, SimTime};

use crate::ServiceConfig;
use crate::call::Rejection;
use crate::policy::TokenBucket;
use crate::queue::JobQueue;

/// What happened to a job that reached a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// A worker was free and took it.
    Started,
    /// It waits in the queue, which now holds this many jobs.
    Queued(usize),
    Rejected(Rejection),
}

#[derive(Debug)]
pub(crate) struct Service {
    workers: u32,
    busy: u32,
    queue: JobQueue,
    capacity: Option<u32>,
    limiter: Option<TokenBucket>,
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
            work_rng: streams.stream(&format!("service/{}/service_time", config.name)),
            fault_rng: streams.stream(&format!("service/{}/faults", config.name)),
        }
    }

    /// Takes the job in `slot` into service, into the queue, or turns it away.
    pub(crate) fn admit(&mut self, slot: u32, class: u8, now: SimTime) -> Admission {
        if let Some(limiter) = &mut self.limiter
            && !limiter.try_take(now)
        {
            return Admission::Rejected(Rejection::RateLimited);
        }
        if self.busy < self.workers {
            self.busy += 1;
            return Admission::Started;
        }
        if self.capacity.is_some_and(|cap| self.queue.len() >= cap as usize) {
            return Admission::Rejected(Rejection::QueueFull);
        }
        self.queue.push(slot, class, now);
        Admission::Queued(self.queue.len())
    }

    /// A worker finished: it takes the next queued job, or goes idle.
    pub(crate) fn release(&mut self, now: SimTime) -> Option<u32> {
        let next = self.queue.pop(now);
        if next.is_none() {
            self.busy -= 1;
        }
        next
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
    use faultline_engine::SimDuration;

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
        }
    }

    #[test]
    fn fills_workers_then_queue_then_rejects() {
        let mut service = Service::new(&config(None), &RngStreams::new(1), 1);
        let outcomes: Vec<Admission> =
            (0..4).map(|slot| service.admit(slot, 0, SimTime::ZERO)).collect();
        use Admission::*;
        assert_eq!(outcomes, vec![Started, Started, Queued(1), Rejected(Rejection::QueueFull)]);
        assert_eq!(service.release(SimTime::ZERO), Some(2));
        assert_eq!((service.release(SimTime::ZERO), service.busy()), (None, 1));
    }

    #[test]
    fn the_rate_limiter_turns_away_before_the_queue() {
        let limit = crate::RateLimit { rate: 1.0, burst: 1 };
        let mut service = Service::new(&config(Some(limit)), &RngStreams::new(1), 1);
        assert_eq!(service.admit(0, 0, SimTime::ZERO), Admission::Started);
        assert_eq!(service.admit(1, 0, SimTime::ZERO), Admission::Rejected(Rejection::RateLimited));
        assert!(!service.withdraw(1));
    }
}
