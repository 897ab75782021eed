//! The world's side of brokers: a `Publish` step shaping its message and calling the topic's
//! broker, the append when the broker's handler ends, deliveries pushed to consumers while
//! they have prefetch room (over the network when there is one), each delivery a job at its
//! consumer whose outcome acknowledges or releases the message, visibility timers, dead-letter
//! alarms and replay jobs.
//!
//! Must never decide what happens to a message (that is `crate::broker`), and must never run
//! or schedule anything for a world without topics.

use super::network::Message;
use super::*;
use crate::Payload;
use crate::broker::{
    Delivery, DepthSample, MAX_ALERTS_KEPT, PublishConfig, Released, ReplayTrigger,
    SubscriberConfig, SubscriptionReport, Topic,
};

/// Brokers' timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrokerEvent {
    /// Delivery `flight` was not settled in time, if it is still the one of generation
    /// `generation` (its low 16 bits: with the deadline, enough to tell, and the event stays
    /// small).
    Expire { flight: u32, generation: u16 },
    /// The dead-letter alarm of subscription `sub` looks at its queue.
    Alarm { sub: u32 },
    /// The replay job of subscription `sub` runs.
    Replay { sub: u32 },
}

/// A subscription as the world runs it (numbered over all topics, in topic order).
#[derive(Debug)]
struct Sub {
    topic: u32,
    /// Its index within its topic.
    local: u32,
    config: SubscriberConfig,
    /// Dead letters at the alarm's last look (for growth).
    dead_at_last_look: u64,
    report: SubscriptionReport,
}

/// A delivery on its way to, or held by, a consumer.
#[derive(Clone, Copy, Debug)]
struct Flight {
    sub: u32,
    delivery: Delivery,
    /// When its visibility runs out.
    expires: SimTime,
    /// Bumped when the delivery is settled and when its slot is reused: a job, message or
    /// timer holding an older one is stale.
    generation: u32,
}

/// A `Publish` step's shaping, with the stream its shares draw from.
#[derive(Debug)]
struct Publisher {
    config: PublishConfig,
    rng: Option<Box<SimRng>>,
}

/// Everything the world keeps for its brokers.
#[derive(Debug)]
pub(super) struct Brokers {
    topics: Vec<Topic>,
    /// Each topic's broker service.
    brokers: Vec<u32>,
    subs: Vec<Sub>,
    /// Each topic's subscriptions: `topic_subs[t] .. topic_subs[t + 1]`.
    topic_subs: Vec<u32>,
    flights: Table<Flight>,
    publishers: Vec<Publisher>,
    window: SimDuration,
    /// Reused by every poll.
    polled: Vec<Delivery>,
    /// Whether a pump is on the stack: a pump nested in it (a delivery failing at once,
    /// settled, pumping again) only queues its subscription on `to_pump`.
    pumping: bool,
    /// Subscriptions a nested pump left for the outermost one, each once, in order.
    to_pump: VecDeque<u32>,
}

impl Brokers {
    pub(super) fn new(
        config: &WorldConfig,
        publishers: Vec<PublishConfig>,
        streams: &RngStreams,
    ) -> Option<Self> {
        if config.topics.is_empty() {
            return None;
        }
        let mut brokers = Brokers {
            topics: Vec::new(),
            brokers: Vec::new(),
            subs: Vec::new(),
            topic_subs: vec![0],
            flights: Table::default(),
            publishers: publishers
                .into_iter()
                .map(|config| {
                    let draws = config.malformed.is_some() || config.poison > 0.0;
                    let name = format!("publish/{}/shares", config.call.path);
                    let rng = draws.then(|| Box::new(streams.stream(&name)));
                    Publisher { config, rng }
                })
                .collect(),
            window: config.window,
            polled: Vec::new(),
            pumping: false,
            to_pump: VecDeque::new(),
        };
        for (t, topic) in config.topics.iter().enumerate() {
            let subs: Vec<_> = topic.subscriptions.iter().map(|s| s.broker_side()).collect();
            brokers.topics.push(Topic::new(topic.partitions, topic.retention, &subs));
            brokers.brokers.push(topic.broker as u32);
            for (local, sub) in topic.subscriptions.iter().enumerate() {
                let report = SubscriptionReport {
                    topic: topic.name.clone(),
                    group: sub.group.clone(),
                    ..SubscriptionReport::default()
                };
                brokers.subs.push(Sub {
                    topic: t as u32,
                    local: local as u32,
                    config: sub.clone(),
                    dead_at_last_look: 0,
                    report,
                });
            }
            brokers.topic_subs.push(brokers.subs.len() as u32);
        }
        Some(brokers)
    }

    fn is_current(&self, flight: u32, generation: u32) -> bool {
        self.flights.get(flight).generation == generation
    }

    /// Sets the message's fields and key and draws whether it is malformed or poison; returns
    /// whether it is malformed.
    fn shape(&mut self, publisher: u32, payload: &mut Payload) -> bool {
        let Publisher { config, rng } = &mut self.publishers[publisher as usize];
        for &(field, value) in &config.set {
            payload.fields[field] = value;
        }
        if let Some(field) = config.key_field {
            payload.key = payload.fields[field];
        }
        let Some(rng) = rng else { return false };
        let mut malformed = false;
        if let Some((field, share)) = config.malformed
            && rng.random::<f64>() < share
        {
            payload.missing |= 1 << field;
            malformed = true;
        }
        if config.poison > 0.0 && rng.random::<f64>() < config.poison {
            payload.poison = true;
        }
        malformed
    }

    /// Samples the depths of `sub` once per metrics window in which it changed.
    fn sample(&mut self, sub: u32, now: SimTime) {
        let s = &mut self.subs[sub as usize];
        let window = self.window.as_nanos().max(1);
        let at = SimTime::from_nanos(now.as_nanos() / window * window);
        let stats = self.topics[s.topic as usize].subscription_stats(s.local as usize);
        let (backlog, dead_letters) = (stats.waiting + stats.in_flight, stats.dlq_depth);
        match s.report.depths.last_mut() {
            Some(last) if last.at == at => {
                last.backlog = last.backlog.max(backlog);
                last.dead_letters = last.dead_letters.max(dead_letters);
            }
            _ => s.report.depths.push(DepthSample { at, backlog, dead_letters }),
        }
    }

    pub(super) fn into_reports(self) -> Vec<SubscriptionReport> {
        let topics = self.topics;
        self.subs
            .into_iter()
            .map(|s| {
                let topic = &topics[s.topic as usize];
                SubscriptionReport {
                    published: topic.stats().published,
                    stats: topic.subscription_stats(s.local as usize),
                    ..s.report
                }
            })
            .collect()
    }
}

impl SubscriberConfig {
    /// What the broker module needs of it.
    fn broker_side(&self) -> crate::broker::SubscriptionConfig {
        crate::broker::SubscriptionConfig {
            consumers: self.count as u32,
            mode: self.mode,
            prefetch: self.prefetch,
            max_receives: self.max_receives,
        }
    }
}

impl<O: Observer> World<O> {
    fn brokers(&mut self) -> &mut Brokers {
        self.brokers.as_mut().expect("only called in a world with topics")
    }

    /// Schedules every dead-letter alarm's first look and every replay job.
    pub(super) fn start_brokers(&mut self, sched: &mut Scheduler<Event>) {
        let Some(brokers) = &self.brokers else { return };
        for (sub, s) in brokers.subs.iter().enumerate() {
            let sub = sub as u32;
            if let Some(alarm) = s.config.alarm {
                sched.at(SimTime::ZERO + alarm.every, Event::Broker(BrokerEvent::Alarm { sub }));
            }
            if let Some(replay) = s.config.replay {
                let first = match replay.trigger {
                    ReplayTrigger::At(at) => at,
                    ReplayTrigger::Every { from, .. } => from,
                };
                sched.at(first, Event::Broker(BrokerEvent::Replay { sub }));
            }
        }
    }

    pub(super) fn broker_event(
        &mut self,
        event: BrokerEvent,
        sched: &mut Scheduler<Event>,
    ) -> Flow {
        match event {
            BrokerEvent::Expire { flight, generation } => self.expire(flight, generation, sched),
            BrokerEvent::Alarm { sub } => {
                self.look_at_dead_letters(sub, sched);
                Ok(())
            }
            BrokerEvent::Replay { sub } => self.replay(sub, sched),
        }
    }

    /// A `Publish` step: shapes the message and calls the topic's broker; returns the calls
    /// still pending (0 when the producer refused a malformed message: the job fails).
    pub(super) fn publish(
        &mut self,
        slot: u32,
        site: u32,
        publisher: u32,
        sched: &mut Scheduler<Event>,
    ) -> Result<u16, Box<LimitExceeded>> {
        let mut origin = Origin::of_job(self.jobs.get(slot));
        let malformed = self.brokers().shape(publisher, &mut origin.payload);
        if malformed && self.brokers().publishers[publisher as usize].config.validate {
            self.jobs.get_mut(slot).failed = true; // refused before it left: the caller sees it
            return Ok(0);
        }
        // As `issue_calls` does for one site, with the reshaped payload. (Sharing one function
        // with it changed what the compiler inlines on the call path: +8 M instructions on mm1.)
        let job = self.jobs.get_mut(slot);
        job.pending = 1;
        job.issuing = true;
        self.new_call(site, Caller::Job(slot), origin, sched)?;
        let job = self.jobs.get_mut(slot);
        job.issuing = false;
        Ok(job.pending)
    }

    /// The broker's handler for a publish ended: the message joins the topic, and every
    /// subscription's consumers with room get what they can take.
    pub(super) fn append(&mut self, slot: u32, topic: u32, sched: &mut Scheduler<Event>) -> Flow {
        let now = sched.now();
        let job = *self.jobs.get(slot);
        let brokers = self.brokers();
        brokers.topics[topic as usize].publish(job.request, job.payload, now);
        let subs = brokers.topic_subs[topic as usize]..brokers.topic_subs[topic as usize + 1];
        for sub in subs {
            self.pump(sub, sched)?;
        }
        Ok(())
    }

    /// Hands each consumer of `sub` what it may still take.
    ///
    /// A delivery can fail as soon as it reaches a free worker (poison, a missing field, a call
    /// refused at once) and, released, be delivered again at once, and so on through a whole
    /// backlog: so that the stack stays bounded, only the outermost pump delivers; a nested one
    /// leaves its subscription on `to_pump`, which the outermost runs, a tick each, before it
    /// returns (a consumer failing every receive at once with no receive limit is then
    /// `LimitExceeded::Stuck`, not a stack overflow).
    fn pump(&mut self, sub: u32, sched: &mut Scheduler<Event>) -> Flow {
        let brokers = self.brokers();
        if brokers.pumping {
            if !brokers.to_pump.contains(&sub) {
                brokers.to_pump.push_back(sub);
            }
            return Ok(());
        }
        brokers.pumping = true;
        let flow = self.pump_all(sub, sched);
        let brokers = self.brokers();
        brokers.pumping = false;
        brokers.to_pump.clear(); // empty already unless the run stopped
        flow
    }

    /// The outermost pump: `sub`, then every subscription nested pumps left.
    fn pump_all(&mut self, sub: u32, sched: &mut Scheduler<Event>) -> Flow {
        self.pump_now(sub, sched)?;
        while let Some(next) = self.brokers().to_pump.pop_front() {
            sched.tick(|| self.redelivery_activity(next))?;
            self.pump_now(next, sched)?;
        }
        Ok(())
    }

    #[cold]
    fn redelivery_activity(&self, sub: u32) -> Activity {
        let brokers = self.brokers.as_ref().expect("pumps exist only with topics");
        let s = &brokers.subs[sub as usize];
        Activity {
            component: format!("consumer group `{}` of topic `{}`", s.report.group, s.report.topic),
            doing: "delivering released messages again at once".into(),
        }
    }

    fn pump_now(&mut self, sub: u32, sched: &mut Scheduler<Event>) -> Flow {
        let now = sched.now();
        let brokers = self.brokers();
        brokers.sample(sub, now);
        let (topic, local, count) = {
            let s = &brokers.subs[sub as usize];
            (s.topic as usize, s.local as usize, s.config.count as u32)
        };
        let mut polled = std::mem::take(&mut brokers.polled);
        for consumer in 0..count {
            polled.clear();
            self.brokers().topics[topic].poll(local, consumer, now, &mut polled);
            for &delivery in &polled {
                self.send_delivery(sub, delivery, sched)?;
            }
        }
        self.brokers().polled = polled;
        Ok(())
    }

    fn send_delivery(
        &mut self,
        sub: u32,
        delivery: Delivery,
        sched: &mut Scheduler<Event>,
    ) -> Flow {
        let now = sched.now();
        let brokers = self.brokers();
        let config = &brokers.subs[sub as usize].config;
        let consumer = config.first + delivery.consumer as usize;
        let (visibility, broker) =
            (config.visibility, brokers.brokers[brokers.subs[sub as usize].topic as usize]);
        let expires = self.service_timer(broker as usize, now, visibility);
        let brokers = self.brokers();
        let fresh = Flight { sub, delivery, expires, generation: 1 };
        let flight = brokers
            .flights
            .insert_with(fresh, |old, new| new.generation = old.generation.wrapping_add(1));
        let generation = brokers.flights.get(flight).generation;
        let timer = BrokerEvent::Expire { flight, generation: generation as u16 };
        sched.at(expires, Event::Broker(timer));
        match &self.wire {
            None => self.deliver(flight, generation, sched),
            Some(wire) => {
                let from = wire.service_node(broker as usize);
                let to = wire.service_node(consumer);
                let deliver = Message::Deliver { flight, generation, to: consumer as u32 };
                self.transmit(from, to, deliver, sched);
                Ok(())
            }
        }
    }

    /// The consumer a delivery is for.
    pub(super) fn delivery_consumer(&self, flight: u32) -> u32 {
        let brokers = self.brokers.as_ref().expect("deliveries exist only with topics");
        let f = brokers.flights.get(flight);
        (brokers.subs[f.sub as usize].config.first as u32) + f.delivery.consumer
    }

    /// The broker service a delivery came from.
    pub(super) fn delivery_broker(&self, flight: u32) -> u32 {
        let brokers = self.brokers.as_ref().expect("deliveries exist only with topics");
        let sub = brokers.flights.get(flight).sub as usize;
        brokers.brokers[brokers.subs[sub].topic as usize]
    }

    /// A delivery reaches its consumer: unless its visibility ran out meanwhile, it becomes a
    /// job there. A poison message fails as soon as it gets a worker.
    pub(super) fn deliver(
        &mut self,
        flight: u32,
        generation: u32,
        sched: &mut Scheduler<Event>,
    ) -> Flow {
        let brokers = self.brokers.as_ref().expect("deliveries exist only with topics");
        if !brokers.is_current(flight, generation) {
            return Ok(()); // released already: someone else has it
        }
        let now = sched.now();
        let delivery = brokers.flights.get(flight).delivery;
        let message = delivery.message;
        let service = self.delivery_consumer(flight);
        let poison = message.payload.poison;
        let job = Job {
            request: message.request,
            call: flight,
            call_gen: generation,
            service,
            step: if poison { u16::MAX } else { 0 },
            pending: 0,
            issuing: false,
            failed: poison,
            handler: service,
            live: true,
            running: false,
            lost: false,
            class: 0,
            payload: message.payload,
            weight: 1.0,
            cancellable: false,
            silent: false,
            delivery: true,
            attempt: delivery.receive,
            reads: false,
            own_write: (0, SimTime::ZERO),
            arrived: now,
            counted: now >= self.metrics.warmup(),
            enqueued: now,
            started: now,
        };
        let slot = self.jobs.insert(job);
        self.admit(service as usize, slot, sched)
    }

    /// Whether the delivery a consumer's job handles is still its to settle.
    #[inline]
    pub(super) fn delivery_is_current(&self, job: &Job) -> bool {
        self.brokers.as_ref().is_some_and(|b| b.is_current(job.call, job.call_gen))
    }

    /// A consumer's job ended: its outcome goes back to the broker as an acknowledgement
    /// (success) or a release.
    pub(super) fn settle(
        &mut self,
        job: &Job,
        outcome: Outcome,
        sched: &mut Scheduler<Event>,
    ) -> Flow {
        let (flight, generation, ok) = (job.call, job.call_gen, outcome.is_success());
        match &self.wire {
            None => self.settled(flight, generation, ok, sched),
            Some(wire) => {
                let from = wire.service_node(job.service as usize);
                let broker = self.delivery_broker(flight);
                let to = wire.service_node(broker as usize);
                let settle = Message::Settle { flight, generation, ok, to: broker };
                self.transmit(from, to, settle, sched);
                Ok(())
            }
        }
    }

    /// The broker hears how a delivery ended (or its visibility ran out: `ok` false).
    pub(super) fn settled(
        &mut self,
        flight: u32,
        generation: u32,
        ok: bool,
        sched: &mut Scheduler<Event>,
    ) -> Flow {
        let brokers = self.brokers();
        if !brokers.is_current(flight, generation) {
            return Ok(()); // late: its visibility ran out and it was released already
        }
        let Flight { sub, delivery, .. } = *brokers.flights.get(flight);
        let settled = brokers.flights.get_mut(flight);
        settled.generation = settled.generation.wrapping_add(1);
        brokers.flights.free(flight);
        let s = &brokers.subs[sub as usize];
        let (topic, local) = (s.topic as usize, s.local as usize);
        if ok {
            brokers.topics[topic].ack(local, delivery);
        } else if brokers.topics[topic].release(local, delivery) == Released::DeadLettered {
            let message = delivery.message;
            let dead = Observation::MessageDeadLettered {
                subscription: sub as usize,
                message: message.id,
                key: message.key,
                request: message.request,
                receives: delivery.receive,
            };
            self.observer.observe(sched.now(), &dead);
        }
        self.pump(sub, sched)
    }

    fn expire(&mut self, flight: u32, low: u16, sched: &mut Scheduler<Event>) -> Flow {
        let brokers = self.brokers();
        let generation = brokers.flights.get(flight).generation;
        // A timer of an earlier flight in this slot has the same low bits only after 65,536
        // reuses, and then its deadline is before this flight's.
        if generation as u16 != low || sched.now() < brokers.flights.get(flight).expires {
            return Ok(());
        }
        let sub = brokers.flights.get(flight).sub;
        brokers.subs[sub as usize].report.expired += 1;
        self.settled(flight, generation, false, sched)
    }

    /// The alarm's look: an alert when the dead-letter queue is deep enough or grew enough.
    fn look_at_dead_letters(&mut self, sub: u32, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        let brokers = self.brokers();
        let s = &brokers.subs[sub as usize];
        let alarm = s.config.alarm.expect("only an alarm looks");
        let stats = brokers.topics[s.topic as usize].subscription_stats(s.local as usize);
        let grew = stats.dead_lettered - s.dead_at_last_look;
        let deep = alarm.depth.is_some_and(|d| stats.dlq_depth >= d);
        let growing = alarm.growth.is_some_and(|g| grew >= g);
        let s = &mut brokers.subs[sub as usize];
        s.dead_at_last_look = stats.dead_lettered;
        if deep || growing {
            s.report.alerts += 1;
            if s.report.alert_times.len() < MAX_ALERTS_KEPT {
                s.report.alert_times.push(now);
            }
            let alert =
                Observation::DeadLetterAlert { subscription: sub as usize, depth: stats.dlq_depth };
            self.observer.observe(now, &alert);
        }
        if now + alarm.every < self.end {
            sched.at(now + alarm.every, Event::Broker(BrokerEvent::Alarm { sub }));
        }
    }

    /// The replay job moves every dead letter back (parking those past their limit).
    fn replay(&mut self, sub: u32, sched: &mut Scheduler<Event>) -> Flow {
        let now = sched.now();
        let brokers = self.brokers();
        let s = &mut brokers.subs[sub as usize];
        let replay = s.config.replay.expect("only a replay job replays");
        s.report.replay_runs += 1;
        let (topic, local) = (s.topic as usize, s.local as usize);
        brokers.topics[topic].replay(local, usize::MAX, replay.limit.unwrap_or(u32::MAX));
        if let ReplayTrigger::Every { every, .. } = replay.trigger
            && now + every < self.end
        {
            sched.at(now + every, Event::Broker(BrokerEvent::Replay { sub }));
        }
        self.pump(sub, sched)
    }

    pub(super) fn broker_trace_key(&self, event: BrokerEvent) -> TraceKey {
        match event {
            BrokerEvent::Expire { flight, generation } => {
                TraceKey { kind: 19, component: flight, request: u64::from(generation) }
            }
            BrokerEvent::Alarm { sub } => TraceKey { kind: 20, component: sub, request: 0 },
            BrokerEvent::Replay { sub } => TraceKey { kind: 21, component: sub, request: 0 },
        }
    }

    pub(super) fn broker_activity(&self, event: BrokerEvent) -> Activity {
        let doing = match event {
            BrokerEvent::Expire { .. } => "delivering messages again",
            BrokerEvent::Alarm { .. } => "watching a dead-letter queue",
            BrokerEvent::Replay { .. } => "replaying dead letters",
        };
        Activity { component: "a broker".into(), doing: doing.into() }
    }

    /// What the brokers leave behind for the report.
    pub(super) fn broker_reports(&mut self) -> Vec<SubscriptionReport> {
        self.brokers.take().map_or_else(Vec::new, |b| b.into_reports())
    }
}
