//! How a scenario sets up its topics, their subscribers and its producers: typed, validated
//! configuration the world is built from. Nothing here decides anything.

use faultline_engine::{SimDuration, SimTime};

use super::{DeliveryMode, Retention};
use crate::CallConfig;

/// A topic: where it lives, how it is split, how long it keeps messages, who reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct TopicConfig {
    pub name: String,
    /// The service (one instance) whose node holds the topic: a publish is a call to it, its
    /// handler runs, and the message is appended when the handler ends.
    pub broker: usize,
    pub partitions: u32,
    pub retention: Retention,
    /// Every subscription gets every message (publish/subscribe).
    pub subscriptions: Vec<SubscriberConfig>,
}

/// A consumer group: a service whose instances are its consumers.
#[derive(Clone, Debug, PartialEq)]
pub struct SubscriberConfig {
    /// The consumer service's name (the group's).
    pub group: String,
    /// Its instances: services `first .. first + count`, consumer `i` being `first + i`.
    pub first: usize,
    pub count: usize,
    pub mode: DeliveryMode,
    /// Deliveries one consumer holds at once.
    pub prefetch: u32,
    /// A delivery not settled this long after it left the broker is delivered again.
    pub visibility: SimDuration,
    /// Receives after which a failing message goes to the dead-letter queue.
    pub max_receives: u32,
    pub alarm: Option<DlqAlarm>,
    pub replay: Option<ReplayConfig>,
}

/// An alarm on a dead-letter queue, evaluated every `every` (as a metrics alarm is): it raises
/// an alert when the queue holds at least `depth` messages, or when at least `growth` arrived
/// since the last evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DlqAlarm {
    pub every: SimDuration,
    pub depth: Option<u64>,
    pub growth: Option<u64>,
}

/// A job that moves dead letters back to be delivered again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplayConfig {
    pub trigger: ReplayTrigger,
    /// Replays one message may have; past it the message is parked. `None`: no limit (a
    /// message that always fails comes back for ever).
    pub limit: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplayTrigger {
    /// Once, at this instant (a fix deployed then).
    At(SimTime),
    /// Every `every`, the first run at `from` (a fix deployed then).
    Every { every: SimDuration, from: SimTime },
}

/// A `Publish` step: a call to a topic's broker carrying the request's payload, with fields
/// set, maybe a different key, and a share of messages malformed or poison.
#[derive(Clone, Debug, PartialEq)]
pub struct PublishConfig {
    /// Its target is the topic ([`Endpoint::Topic`](crate::Endpoint::Topic)).
    pub call: CallConfig,
    /// The field whose value becomes the message's key; `None` keeps the request's key.
    pub key_field: Option<usize>,
    /// Fields set to constant values (an event kind, a version).
    pub set: Vec<(usize, u64)>,
    /// This share of messages lack this field.
    pub malformed: Option<(usize, f64)>,
    /// This share of messages fail at every consumer, whatever it does.
    pub poison: f64,
    /// The producer refuses to publish a malformed message: its job fails, visibly.
    pub validate: bool,
}
