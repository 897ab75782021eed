//! The world's side of the network: with a `network:` configured, an attempt travels to its
//! callee's node as a message and the answer travels back; the network module decides each
//! message's fate. Without one, nothing here runs and attempts are admitted at once.
//!
//! Must never decide a fate itself (that is `crate::net`), and must never schedule an event
//! for a world without a network.

use super::nodes::Reach;
use super::*;
use crate::NetworkMetrics;
use crate::net::{Fate, Network};
use crate::{LinkConfig, NetworkConfig};

/// A message on its way between nodes.
#[derive(Clone, Copy, Debug)]
pub(super) enum Message {
    /// An attempt on its way to the callee: the job it becomes on arrival.
    Attempt(Job),
    /// The callee's answer to attempt `generation` of `call`.
    Answer { call: u32, generation: u32, outcome: Outcome },
    /// Between two replicas of a register (services `from` and `to`).
    Register { from: u32, to: u32, msg: crate::register::RegMsg },
    /// A broker's delivery `flight` on its way to its consumer, service `to`.
    Deliver { flight: u32, generation: u32, to: u32 },
    /// A consumer's acknowledgement (`ok`) or release of delivery `flight`, to the broker,
    /// service `to`.
    Settle { flight: u32, generation: u32, ok: bool, to: u32 },
    /// Between a database's primary and its replica `copy`.
    Data { db: u32, copy: u32, msg: super::data::DataMsg },
}

/// The network's events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetEvent {
    /// The message in slot `message` arrives.
    Arrive { message: u32 },
}

/// Everything the world keeps for its network.
#[derive(Debug)]
pub(super) struct Wire {
    network: Network,
    messages: Table<Message>,
    /// The node each call site's calls leave from.
    site_nodes: Vec<u32>,
    /// The node of each service.
    service_nodes: Vec<u32>,
}

impl Wire {
    /// The node of `service`.
    pub(super) fn service_node(&self, service: usize) -> u32 {
        self.service_nodes[service]
    }

    pub(super) fn stats(&self) -> NetworkMetrics {
        self.network.metrics()
    }

    /// The world's network: the configured one, or with crashes or pauses and no network, one
    /// that delivers at once (messages must be able to wait for a paused node or be lost at a
    /// crashed one).
    pub(super) fn new(config: &WorldConfig, site_nodes: Vec<u32>, seed: u64) -> Option<Self> {
        let perfect =
            || NetworkConfig { default: LinkConfig::PERFECT, rules: vec![], faults: vec![] };
        let network = match &config.network {
            Some(network) => network.clone(),
            None if !config.node_faults.is_empty()
                || config.has_registers()
                || config.has_databases() =>
            {
                perfect()
            }
            None => return None,
        };
        Some(Wire {
            network: Network::new(network, config.node_names(), seed),
            messages: Table::default(),
            site_nodes,
            service_nodes: (0..config.services.len()).map(|s| config.service_node(s)).collect(),
        })
    }
}

/// The call is waiting on the network: its attempt or its answer is a message in flight.
pub(super) const AWAY: u32 = NONE - 1;

impl<O: Observer> World<O> {
    /// Hands an attempt's job to its callee: at once, or as a message over the network.
    #[inline]
    pub(super) fn dispatch(&mut self, job: Job, site: u32, sched: &mut Scheduler<Event>) -> Flow {
        let Some(wire) = &mut self.wire else {
            let slot = self.jobs.insert(job);
            self.calls.get_mut(job.call).job = slot;
            return self.admit(job.service as usize, slot, sched);
        };
        let (from, to) = (wire.site_nodes[site as usize], wire.service_nodes[job.service as usize]);
        self.calls.get_mut(job.call).job = AWAY;
        self.transmit(from, to, Message::Attempt(job), sched);
        Ok(())
    }

    /// Sends the answer of a finished job back to its caller: at once, or over the network.
    pub(super) fn answer(
        &mut self,
        job: &Job,
        outcome: Outcome,
        sched: &mut Scheduler<Event>,
    ) -> Flow {
        if job.delivery {
            return self.settle(job, outcome, sched);
        }
        let Some(wire) = &mut self.wire else {
            return self.resolve_attempt(job.call, outcome, sched);
        };
        let site = self.calls.get(job.call).site;
        let (from, to) = (wire.service_nodes[job.service as usize], wire.site_nodes[site as usize]);
        self.calls.get_mut(job.call).job = AWAY;
        let answer = Message::Answer { call: job.call, generation: job.call_gen, outcome };
        self.transmit(from, to, answer, sched);
        Ok(())
    }

    pub(super) fn transmit(
        &mut self,
        from: u32,
        to: u32,
        message: Message,
        sched: &mut Scheduler<Event>,
    ) {
        let wire = self.wire.as_mut().expect("only called with a network");
        let Fate::Delivered { at, copy } = wire.network.send(sched.now(), from, to) else {
            return; // lost: the caller's timeout notices
        };
        for at in std::iter::once(at).chain(copy) {
            let slot = wire.messages.insert(message);
            sched.at(at, Event::Net(NetEvent::Arrive { message: slot }));
        }
    }

    /// Whether the node a message is for can take it now: the callee's for an attempt, the
    /// caller's for an answer (clients never crash or pause).
    fn reaching_node(&self, message: &Message, now: SimTime) -> Reach {
        let service = match *message {
            Message::Attempt(job) => Some(job.service),
            Message::Answer { call, .. } => self.site_services[self.calls.get(call).site as usize],
            Message::Register { to, .. } => Some(to),
            Message::Deliver { to, .. } | Message::Settle { to, .. } => Some(to),
            Message::Data { db, copy, ref msg } => Some(self.data_message_to(db, copy, msg)),
        };
        service.map_or(Reach::Now, |s| self.reaching(s as usize, now))
    }

    /// What the trace hash records of a message's arrival: its kind, callee or call, request.
    pub(super) fn message_trace_key(&self, slot: u32) -> TraceKey {
        let wire = self.wire.as_ref().expect("network events exist only with a network");
        match *wire.messages.get(slot) {
            Message::Attempt(job) => {
                TraceKey { kind: 6, component: job.service, request: job.request }
            }
            Message::Answer { call, .. } => {
                TraceKey { kind: 7, component: call, request: self.calls.get(call).request }
            }
            Message::Register { from, to, .. } => {
                TraceKey { kind: 9, component: to, request: u64::from(from) }
            }
            Message::Deliver { flight, generation, .. } => {
                TraceKey { kind: 17, component: flight, request: u64::from(generation) }
            }
            Message::Settle { flight, generation, .. } => {
                TraceKey { kind: 18, component: flight, request: u64::from(generation) }
            }
            Message::Data { db, copy, .. } => {
                TraceKey { kind: 12, component: db, request: u64::from(copy) }
            }
        }
    }

    /// A message arrives: an attempt becomes a job at its callee; an answer reaches its caller
    /// if the caller still waits for that attempt.
    pub(super) fn arrive_message(&mut self, slot: u32, sched: &mut Scheduler<Event>) -> Flow {
        let wire = self.wire.as_mut().expect("network events exist only with a network");
        let message = *wire.messages.get(slot);
        let now = sched.now();
        match self.reaching_node(&message, now) {
            Reach::Now => {}
            Reach::At(resumes) => {
                sched.at(resumes, Event::Net(NetEvent::Arrive { message: slot }));
                return Ok(()); // the node is paused: the message waits for it
            }
            Reach::Lost => {
                let wire = self.wire.as_mut().expect("checked above");
                wire.messages.free(slot);
                wire.network.stats.lost_at_crashed_node();
                return Ok(());
            }
        }
        let wire = self.wire.as_mut().expect("checked above");
        wire.messages.free(slot);
        match message {
            Message::Attempt(job) => {
                let now = sched.now();
                let job = Job { enqueued: now, started: now, ..job };
                let job_slot = self.jobs.insert(job);
                let call = self.calls.get_mut(job.call);
                if call.generation == job.call_gen && call.job == AWAY {
                    call.job = job_slot;
                }
                self.admit(job.service as usize, job_slot, sched)
            }
            Message::Answer { call, generation, outcome } => {
                let waiting = self.calls.get(call);
                if waiting.generation == generation && waiting.job != NONE {
                    return self.resolve_attempt(call, outcome, sched);
                }
                Ok(()) // late: the caller gave up or was answered by a duplicate
            }
            Message::Register { from, to, msg } => self.register_message(from, to, msg, sched),
            Message::Deliver { flight, generation, .. } => self.deliver(flight, generation, sched),
            Message::Settle { flight, generation, ok, .. } => {
                self.settled(flight, generation, ok, sched)
            }
            Message::Data { db, copy, msg } => {
                self.data_message(db, copy, msg, sched);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use faultline_engine::{Limits, run};

    use super::*;
    use crate::{
        ArrivalProcess, CallConfig, ClientConfig, Dist, Endpoint, LinkConfig, NetworkConfig,
        NoObserver, Ordering, ServiceConfig, Step,
    };

    /// One client calling one M/M/1 service (10 ms per request) with a 1 s timeout for 200 s.
    fn world(rate: f64, network: Option<NetworkConfig>) -> WorldConfig {
        let call = CallConfig::plain(Endpoint::Service(0), Some(SimDuration::from_secs(1)));
        let work = Step::Work { time: Dist::Exp { mean: 0.01 }, contention: SimDuration::ZERO };
        let users = ClientConfig::new("users", ArrivalProcess::Poisson, rate, call);
        let api = ServiceConfig::new("api", 1, vec![work]);
        let end = SimTime::ZERO + SimDuration::from_secs(200);
        WorldConfig { network, ..WorldConfig::new(vec![users], vec![api], end) }
    }

    /// The run's metrics, its event count and the requests still in flight at its end.
    fn run_world(config: &WorldConfig) -> (Metrics, u64, u64) {
        let mut world = World::new(config, 3, NoObserver);
        let limits =
            Limits { end: config.end, max_events: 10_000_000, max_work_per_instant: 10_000 };
        let stats = run(&mut world, limits).expect("runs");
        let (metrics, _, in_flight) = world.finish();
        (metrics, stats.events, in_flight)
    }

    fn network(link: LinkConfig) -> Option<NetworkConfig> {
        Some(NetworkConfig { default: link, rules: vec![], faults: vec![] })
    }

    /// With no arrival times in common, a network that delivers at once changes when nothing
    /// happens: the same requests succeed with the same latencies; only the messages are extra
    /// events (an attempt and an answer per request, but for the one still at work at the end).
    #[test]
    fn a_perfect_network_changes_nothing_but_the_event_count() {
        let (direct, direct_events, _) = run_world(&world(50.0, None));
        let (wired, wired_events, in_flight) =
            run_world(&world(50.0, network(LinkConfig::PERFECT)));
        assert_eq!((direct.arrived, direct.completed), (wired.arrived, wired.completed));
        assert_eq!(direct.latency().p99, wired.latency().p99);
        let stats = wired.network.expect("counted").messages;
        assert_eq!(stats.sent, 2 * wired.attempts - in_flight);
        assert_eq!(stats.delivered, stats.sent);
        assert_eq!(wired_events, direct_events + stats.delivered);
    }

    /// A request succeeds only when neither its attempt nor the answer is lost: with loss p on
    /// every link, (1 − p)² of requests; the rest time out. Checked within a 99 % binomial
    /// interval over ~10,000 requests.
    #[test]
    fn lost_attempts_and_answers_become_timeouts() {
        let lossy = LinkConfig { loss: 0.2, ..LinkConfig::PERFECT };
        let (m, _, _) = run_world(&world(50.0, network(lossy)));
        let ended = m.completed + m.failed;
        let p = 0.8 * 0.8;
        let half_width = 2.576 * (p * (1.0 - p) / ended as f64).sqrt();
        let share = m.completed as f64 / ended as f64;
        assert!((share - p).abs() <= half_width, "{share} of {ended} succeeded, expected {p}");
        assert_eq!(m.failed, m.timed_out, "every failure is a timeout");
    }

    #[test]
    fn a_duplicated_attempt_is_handled_twice_and_answered_once() {
        let doubled = LinkConfig {
            duplicate: 1.0,
            latency: Dist::Exp { mean: 0.001 },
            ordering: Ordering::Datagram,
            ..LinkConfig::PERFECT
        };
        let (m, _, in_flight) = run_world(&world(20.0, network(doubled)));
        assert_eq!(m.completed + m.failed + in_flight, m.arrived, "every request ends once");
        let handled = m.services[0].completed;
        // ρ = 2 × 20/s × 10 ms = 0.4: at most a few jobs are still at work at the end.
        let unfinished = 2 * m.attempts - handled;
        assert!(unfinished <= 5, "{handled} jobs for {} attempts", m.attempts);
        let stats = m.network.expect("counted").messages;
        assert_eq!(stats.duplicated, stats.sent, "every message doubled");
    }
}
