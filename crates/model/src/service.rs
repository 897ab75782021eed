//! A service: a pool of identical workers in front of a FIFO queue with optional capacity.

use std::collections::VecDeque;

use faultline_engine::{RngStreams, SimDuration, SimRng};

use crate::{Dist, ServiceConfig};

/// What happened to a request that reached a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// A worker was free and took it.
    Started,
    /// It waits in the queue, which now holds this many requests.
    Queued(usize),
    /// The queue was full.
    Rejected,
}

#[derive(Debug)]
pub(crate) struct Service {
    workers: u32,
    busy: u32,
    queue: VecDeque<u32>,
    capacity: Option<u32>,
    service_time: Dist,
    rng: SimRng,
}

impl Service {
    pub(crate) fn new(config: &ServiceConfig, streams: &RngStreams) -> Self {
        Service {
            workers: config.workers,
            busy: 0,
            queue: VecDeque::with_capacity(64),
            capacity: config.queue_capacity,
            service_time: config.service_time,
            rng: streams.stream(&format!("service/{}/service_time", config.name)),
        }
    }

    /// Takes the request in `slot` into service, into the queue, or turns it away.
    pub(crate) fn admit(&mut self, slot: u32) -> Admission {
        if self.busy < self.workers {
            self.busy += 1;
            return Admission::Started;
        }
        if self.capacity.is_some_and(|cap| self.queue.len() >= cap as usize) {
            return Admission::Rejected;
        }
        self.queue.push_back(slot);
        Admission::Queued(self.queue.len())
    }

    /// A worker finished: it takes the next queued request, or goes idle.
    pub(crate) fn release(&mut self) -> Option<u32> {
        let next = self.queue.pop_front();
        if next.is_none() {
            self.busy -= 1;
        }
        next
    }

    pub(crate) fn draw_service_time(&mut self) -> SimDuration {
        self.service_time.sample(&mut self.rng)
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

    #[test]
    fn fills_workers_then_queue_then_rejects() {
        let config = ServiceConfig {
            name: "s".into(),
            workers: 2,
            queue_capacity: Some(1),
            service_time: Dist::Const { secs: 1.0 },
        };
        let mut service = Service::new(&config, &RngStreams::new(1));
        let outcomes: Vec<Admission> = (0..4).map(|slot| service.admit(slot)).collect();
        use Admission::*;
        assert_eq!(outcomes, vec![Started, Started, Queued(1), Rejected]);
        assert_eq!(service.release(), Some(2));
        assert_eq!((service.release(), service.busy()), (None, 1));
    }
}
