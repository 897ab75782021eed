//! Client requests entering the system: each arrival is a new call from the client's site.
//!
//! Must never decide an outcome: a request's fate comes from the calls and jobs it sets off.

use super::*;

impl<O: Observer> World<O> {
    pub(super) fn schedule_next_arrival(&mut self, client: u32, sched: &mut Scheduler<Event>) {
        if let Some(at) = self.clients[client as usize].next_arrival(sched.now(), self.end) {
            sched.at(at, Event::Arrival { client });
        }
    }

    pub(super) fn arrive(&mut self, client: u32, sched: &mut Scheduler<Event>) -> Flow {
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
        self.observer
            .observe(now, &Observation::RequestArrived { client: client as usize, request });
        let class = self.client_class[client as usize];
        let payload = self.clients[client as usize].next_payload();
        let origin = Origin { request, class, arrived: now, payload };
        self.new_call(client, Caller::Client, origin, sched)?;
        self.schedule_next_arrival(client, sched);
        Ok(())
    }
}
