//! The world: clients and services wired together, driven by the engine's step loop.

use faultline_engine::{LimitExceeded, Model, RngStreams, Scheduler, SimTime, TraceKey};

use crate::client::Client;
use crate::request::{Request, RequestTable};
use crate::service::{Admission, Service};
use crate::{Metrics, Observer, WorldConfig};

/// Everything that can happen. Small and `Copy`: the queue holds events by value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A client sends its next request.
    Arrival { client: u32 },
    /// A worker of `service` finishes the request in `slot`.
    Departure { service: u32, slot: u32 },
}

/// The simulated system for one run.
#[derive(Debug)]
pub struct World<O> {
    clients: Vec<Client>,
    services: Vec<Service>,
    requests: RequestTable,
    metrics: Metrics,
    observer: O,
    next_request_id: u64,
    end: SimTime,
    max_in_flight: u32,
}

impl<O: Observer> World<O> {
    pub fn new(config: &WorldConfig, seed: u64, observer: O) -> Self {
        let streams = RngStreams::new(seed);
        let names: Vec<(String, u32)> =
            config.services.iter().map(|s| (s.name.clone(), s.workers)).collect();
        World {
            clients: config.clients.iter().map(|c| Client::new(c, &streams)).collect(),
            services: config.services.iter().map(|s| Service::new(s, &streams)).collect(),
            requests: RequestTable::default(),
            metrics: Metrics::new(&names, config.warmup, config.end, config.window),
            observer,
            next_request_id: 0,
            end: config.end,
            max_in_flight: config.max_in_flight,
        }
    }

    /// Closes the time series and hands back what the run measured.
    pub fn finish(mut self) -> (Metrics, O, u64) {
        self.metrics.finish();
        let in_flight = self.requests.live() as u64;
        (self.metrics, self.observer, in_flight)
    }

    pub fn in_flight(&self) -> usize {
        self.requests.live()
    }

    fn schedule_next_arrival(&mut self, client: u32, sched: &mut Scheduler<Event>) {
        if let Some(at) = self.clients[client as usize].next_arrival(sched.now(), self.end) {
            sched.at(at, Event::Arrival { client });
        }
    }

    fn arrive(&mut self, client: u32, sched: &mut Scheduler<Event>) -> Result<(), LimitExceeded> {
        let now = sched.now();
        if self.requests.live() >= self.max_in_flight as usize {
            return Err(LimitExceeded::Model {
                what: "requests in flight",
                limit: u64::from(self.max_in_flight),
                at: now,
                hint: "the system is not keeping up; bound a queue or raise `limits.max_in_flight`",
            });
        }
        let id = self.next_request_id;
        self.next_request_id += 1;
        let slot = self.requests.insert(Request { id, arrived: now, enqueued: now });
        self.metrics.on_arrival(now, self.requests.live());
        self.observer.on_arrival(now, client as usize, id);
        let target = self.clients[client as usize].target;
        self.admit(target, slot, sched);
        self.schedule_next_arrival(client, sched);
        Ok(())
    }

    fn admit(&mut self, service: usize, slot: u32, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        let id = self.requests.get(slot).id;
        match self.services[service].admit(slot) {
            Admission::Started => self.start(service, slot, sched),
            Admission::Queued(depth) => {
                self.requests.get_mut(slot).enqueued = now;
                self.observer.on_enqueue(now, service, depth, id);
            }
            Admission::Rejected => {
                self.requests.remove(slot);
                self.metrics.on_reject(now, service, self.requests.live());
                self.observer.on_reject(now, service, id);
            }
        }
        self.note_queue(service, now);
    }

    fn start(&mut self, service: usize, slot: u32, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        let request = *self.requests.get(slot);
        self.metrics.on_start(request.arrived, service, now - request.enqueued);
        let service_time = self.services[service].draw_service_time();
        sched.after(service_time, Event::Departure { service: service as u32, slot });
    }

    fn depart(&mut self, service: u32, slot: u32, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        let service = service as usize;
        let request = self.requests.remove(slot);
        self.metrics.on_complete(now, request.arrived, service, self.requests.live());
        self.observer.on_complete(now, request.id, request.arrived, now - request.arrived);
        if let Some(next) = self.services[service].release() {
            self.start(service, next, sched);
        }
        self.note_queue(service, now);
    }

    fn note_queue(&mut self, service: usize, now: SimTime) {
        let s = &self.services[service];
        self.metrics.on_queue_change(now, service, s.queue_len(), s.busy());
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
        match event {
            Event::Arrival { client } => self.arrive(client, sched)?,
            Event::Departure { service, slot } => self.depart(service, slot, sched),
        }
        Ok(())
    }

    fn trace_key(&self, event: &Event) -> TraceKey {
        match *event {
            Event::Arrival { client } => {
                TraceKey { kind: 0, component: client, request: self.next_request_id }
            }
            Event::Departure { service, slot } => {
                TraceKey { kind: 1, component: service, request: self.requests.get(slot).id }
            }
        }
    }
}
