//! Topics and the services around them: each topic on a broker service of one instance, with
//! its partitions and retention; consumers (a service's `consumer:`) subscribed to a topic,
//! with prefetch, visibility, a receive limit and dead letters (an alarm, a replay job);
//! `Publish` and `Require` steps. Never accepts an unknown topic, a consumer subscribed to
//! nothing, a replay limit of 0, dead letters without a receive limit, or a malformed or
//! poison share above 100 %.

use faultline_engine::{SimDuration, SimTime};
use faultline_model::broker::{
    DeliveryMode, DlqAlarm, PublishConfig, ReplayConfig, ReplayTrigger, Retention,
    SubscriberConfig, TopicConfig,
};
use faultline_model::{Endpoint, Step};

use crate::error::{did_you_mean, list};
use crate::raw::{
    AlarmRaw, ConsumerOrderRaw, ConsumerRaw, DeadLettersRaw, MalformedRaw, ReplayRaw, RetryRaw,
    ScenarioFile, StepRaw,
};

use super::call::{CallSpec, check_call_to};
use super::effects::{FieldSymbols, Fields};
use super::names::find_service;
use super::{Checker, optional};

/// Partitions a topic may have.
pub const MAX_PARTITIONS: i64 = 4_096;
/// Messages a partition keeps when the scenario sets no retention.
pub const DEFAULT_RETENTION: u64 = 1_000_000;
/// Deliveries a consumer holds at once when the scenario does not say.
const DEFAULT_PREFETCH: u32 = 10;
/// How long a delivery may stay unsettled when the scenario does not say (as SQS).
const DEFAULT_VISIBILITY: SimDuration = SimDuration::from_secs(30);
/// How often a dead-letter alarm looks when the scenario does not say.
const DEFAULT_ALARM_EVERY: SimDuration = SimDuration::from_secs(60);

/// The topics' names, in name order (their indices).
pub(super) fn topic_names(raw: &ScenarioFile) -> Vec<&str> {
    raw.topics.keys().map(String::as_str).collect()
}

/// The index of topic `name`, or a problem naming the closest.
pub(super) fn find_topic(
    c: &mut Checker,
    at: &[&str],
    name: &str,
    topics: &[&str],
) -> Option<usize> {
    let index = topics.iter().position(|t| *t == name);
    if index.is_none() {
        let help = did_you_mean(name, topics.iter().copied()).or_else(|| {
            Some(match topics {
                [] => "the scenario has no `topics:`; add one, e.g. `topics: { \"orders\": (on: \"broker\") }`".into(),
                _ => format!("topics are {}", list(topics)),
            })
        });
        c.report(at, format!("unknown topic `{name}`"), help);
    }
    index
}

/// Every topic with the services subscribed to it (before instances are expanded: `first` is
/// the service's index, `count` 1).
pub(super) fn check_topics(
    c: &mut Checker,
    raw: &ScenarioFile,
    services: &[&str],
    end: Option<SimDuration>,
    deploys: &[(usize, SimTime)],
) -> Option<Vec<TopicConfig>> {
    let when = Deploys { services, deploys, end };
    let topics = topic_names(raw);
    let mut checked: Vec<Option<TopicConfig>> = raw
        .topics
        .iter()
        .map(|(name, t)| {
            let at = |f: &'static str| ["topics", name.as_str(), f];
            let broker = find_service(c, &at("on"), &t.on, services);
            if let Some(b) = broker
                && raw.services[services[b]].instances.is_some_and(|n| n > 1)
            {
                let message =
                    format!("topic `{name}` is on `{}`, which has several instances", t.on);
                c.report(
                    &at("on"),
                    message,
                    Some("a broker holding topics runs as one instance".into()),
                );
            }
            let partitions =
                c.count(&at("partitions"), t.partitions.unwrap_or(1), 1, MAX_PARTITIONS);
            let retention = check_retention(c, name, t.retention.as_ref());
            Some(TopicConfig {
                name: name.clone(),
                broker: broker?,
                partitions: partitions?,
                retention: retention?,
                subscriptions: Vec::new(),
            })
        })
        .collect();
    let mut ok = true;
    for (index, (service, s)) in raw.services.iter().enumerate() {
        let Some(consumer) = &s.consumer else { continue };
        let at = ["services", service.as_str(), "consumer"];
        let Some(topic) = &consumer.topic else {
            let help = match topics.as_slice() {
                [] => "add a topic under `topics:` and name it here with `topic: \"...\"`".into(),
                _ => format!(
                    "name the topic it reads with `topic: \"...\"` (topics are {})",
                    list(&topics)
                ),
            };
            c.report(&at, format!("consumer `{service}` has no subscription"), Some(help));
            ok = false;
            continue;
        };
        let topic = find_topic(c, &[&at[..], &["topic"]].concat(), topic, &topics);
        let subscriber = check_subscriber(c, &at, service, index, consumer, &when);
        match (topic, subscriber) {
            (Some(t), Some(sub)) => {
                if let Some(Some(topic)) = checked.get_mut(t) {
                    topic.subscriptions.push(sub);
                }
            }
            _ => ok = false,
        }
    }
    let checked: Option<Vec<TopicConfig>> = checked.drain(..).collect();
    if ok { checked } else { None }
}

fn check_retention(
    c: &mut Checker,
    topic: &str,
    raw: Option<&crate::raw::RetentionRaw>,
) -> Option<Retention> {
    let Some(raw) = raw else {
        return Some(Retention { max_messages: DEFAULT_RETENTION, max_age: None });
    };
    let at = |f: &'static str| ["topics", topic, "retention", f];
    let messages = match raw.messages {
        Some(n) => c.count::<u64>(&at("messages"), n, 1, i64::MAX),
        None => Some(DEFAULT_RETENTION),
    };
    let age = optional(raw.age.as_deref(), |a| c.positive_duration(&at("age"), a));
    Some(Retention { max_messages: messages?, max_age: age? })
}

fn check_subscriber(
    c: &mut Checker,
    at: &[&str],
    service: &str,
    index: usize,
    raw: &ConsumerRaw,
    when: &Deploys,
) -> Option<SubscriberConfig> {
    let field = |f: &'static str| [at, &[f]].concat();
    let prefetch = match raw.prefetch {
        Some(n) => c.count::<u32>(&field("prefetch"), n, 1, 100_000),
        None => Some(DEFAULT_PREFETCH),
    };
    let visibility =
        optional(raw.visibility.as_deref(), |v| c.positive_duration(&field("visibility"), v));
    let max_receives = match raw.max_receives {
        Some(n) => c.count::<u32>(&field("max_receives"), n, 1, 1_000_000).map(Some),
        None => Some(None),
    };
    let (alarm, replay) = match &raw.dead_letters {
        None => (Some(None), Some(None)),
        Some(dead) => {
            if raw.max_receives.is_none() {
                c.report(
                    &field("dead_letters"),
                    format!("consumer `{service}` has dead letters but no receive limit, so nothing would reach them"),
                    Some("add `max_receives: 3` (receives before a message is dead-lettered)".into()),
                );
            }
            check_dead_letters(c, &field("dead_letters"), dead, when)
        }
    };
    let mode = match raw.order {
        None | Some(ConsumerOrderRaw::ByPartition) => DeliveryMode::Partitioned,
        Some(ConsumerOrderRaw::Any) => DeliveryMode::Competing,
    };
    Some(SubscriberConfig {
        group: service.to_string(),
        first: index,
        count: 1,
        mode,
        prefetch: prefetch?,
        visibility: visibility?.unwrap_or(DEFAULT_VISIBILITY),
        max_receives: max_receives?.unwrap_or(u32::MAX),
        alarm: alarm?,
        replay: replay?,
    })
}

fn check_dead_letters(
    c: &mut Checker,
    at: &[&str],
    raw: &DeadLettersRaw,
    when: &Deploys,
) -> (Option<Option<DlqAlarm>>, Option<Option<ReplayConfig>>) {
    let alarm = match &raw.alarm {
        None => Some(None),
        Some(a) => check_alarm(c, &[at, &["alarm"]].concat(), a).map(Some),
    };
    let replay = match &raw.replay {
        None => Some(None),
        Some(r) => check_replay(c, &[at, &["replay"]].concat(), r, when).map(Some),
    };
    (alarm, replay)
}

fn check_alarm(c: &mut Checker, at: &[&str], raw: &AlarmRaw) -> Option<DlqAlarm> {
    let field = |f: &'static str| [at, &[f]].concat();
    let every = optional(raw.every.as_deref(), |e| c.positive_duration(&field("every"), e));
    let depth = match raw.depth {
        Some(n) => c.count::<u64>(&field("depth"), n, 1, i64::MAX).map(Some),
        None => Some(None),
    };
    let growth = match raw.growth {
        Some(n) => c.count::<u64>(&field("growth"), n, 1, i64::MAX).map(Some),
        None => Some(None),
    };
    let (depth, growth) = (depth?, growth?);
    // With neither threshold, any dead letter at all alerts.
    let depth = if depth.is_none() && growth.is_none() { Some(1) } else { depth };
    Some(DlqAlarm { every: every?.unwrap_or(DEFAULT_ALARM_EVERY), depth, growth })
}

fn check_replay(
    c: &mut Checker,
    at: &[&str],
    raw: &ReplayRaw,
    when: &Deploys,
) -> Option<ReplayConfig> {
    let end = when.end;
    let field = |f: &'static str| [at, &[f]].concat();
    let limit = match raw.limit {
        Some(0) => {
            c.report(
                &field("limit"),
                "a replay limit of 0 parks every dead letter without replaying it",
                Some("use 1 or more replays per message, or leave `limit` out for no limit".into()),
            );
            None
        }
        Some(n) => c.count::<u32>(&field("limit"), n, 1, 1_000_000).map(Some),
        None => Some(None),
    };
    let before_end = |c: &mut Checker, at: &[&str], when: SimDuration| {
        if end.is_some_and(|end| when >= end) {
            c.report(at, format!("the replay at {when} is not before the run ends"), None);
        }
    };
    let start = match (&raw.at, &raw.on_deploy) {
        (Some(at_text), None) => {
            let at_time = c.duration(&field("at"), at_text)?;
            before_end(c, &field("at"), at_time);
            Some(SimTime::ZERO + at_time)
        }
        (None, Some(service)) => when.first(c, &field("on_deploy"), service),
        (None, None) => None,
        (Some(_), Some(_)) => {
            let message =
                "a replay starts either at an instant (`at`) or on a deploy (`on_deploy`)";
            c.report(at, message, Some("keep one of them".into()));
            return None;
        }
    };
    let trigger = match (start, &raw.every, &raw.from) {
        (Some(start), None, None) => Some(ReplayTrigger::At(start)),
        (start, Some(every), from) if start.is_none() || from.is_none() => {
            let every = c.positive_duration(&field("every"), every)?;
            let from = match (start, from) {
                (Some(start), _) => start,
                (None, Some(from)) => SimTime::ZERO + c.duration(&field("from"), from)?,
                (None, None) => SimTime::ZERO + every,
            };
            before_end(c, &field("from"), from - SimTime::ZERO);
            Some(ReplayTrigger::Every { every, from })
        }
        _ => {
            c.report(
                at,
                "a replay runs once (`at` or `on_deploy`) or periodically (`every`, from `from` or `on_deploy`)",
                Some("write `replay: (on_deploy: \"warehouse\", limit: 3)` or `replay: (every: \"1m\", from: \"5m\", limit: 3)`".into()),
            );
            None
        }
    };
    Some(ReplayConfig { trigger: trigger?, limit: limit? })
}

/// When fixes are deployed, for replays that start with one; and when the run ends.
struct Deploys<'a> {
    services: &'a [&'a str],
    deploys: &'a [(usize, SimTime)],
    end: Option<SimDuration>,
}

impl Deploys<'_> {
    /// The first fix deployed to `service`, or a problem at `at`.
    fn first(&self, c: &mut Checker, at: &[&str], service: &str) -> Option<SimTime> {
        let index = find_service(c, at, service, self.services)?;
        let first = self.deploys.iter().filter(|(s, _)| *s == index).map(|&(_, t)| t).min();
        if first.is_none() {
            c.report(
                at,
                format!("no fix is deployed to `{service}`"),
                Some(format!("add a fault `Deploy(service: \"{service}\", at: \"5m\")`")),
            );
        }
        first
    }
}

/// What a `Publish` step needs to be checked.
pub(super) struct PublishRaw<'a> {
    pub(super) topic: &'a str,
    pub(super) key: Option<&'a str>,
    pub(super) fields: &'a std::collections::BTreeMap<String, String>,
    pub(super) malformed: Option<&'a MalformedRaw>,
    pub(super) poison: Option<&'a str>,
    pub(super) validate: bool,
    pub(super) timeout: Option<&'a str>,
    pub(super) retry: Option<&'a RetryRaw>,
}

impl<'a> PublishRaw<'a> {
    pub(super) fn of(step: &'a StepRaw) -> Option<Self> {
        let StepRaw::Publish { topic, key, fields, malformed, poison, validate, timeout, retry } =
            step
        else {
            return None;
        };
        Some(PublishRaw {
            topic,
            key: key.as_deref(),
            fields,
            malformed: malformed.as_ref(),
            poison: poison.as_deref(),
            validate: *validate,
            timeout: timeout.as_deref(),
            retry: retry.as_ref(),
        })
    }
}

/// A `Publish(topic: ..., key: ..., fields: {...}, malformed: ..., poison: ..., validate: ...)`.
pub(super) fn check_publish(
    c: &mut Checker,
    at: &[&str],
    raw: &PublishRaw,
    topics: &[&str],
    fields: Fields,
) -> Option<Step> {
    let field = |f: &'static str| [at, &[f]].concat();
    let topic = find_topic(c, &field("topic"), raw.topic, topics);
    let key_field = match raw.key {
        Some(name) => fields.find(c, &field("key"), name).map(Some),
        None => Some(None),
    };
    let mut set = Some(Vec::new());
    for (name, value) in raw.fields {
        let at = [at, &["fields", name.as_str()]].concat();
        let index = fields.find(c, &at, name);
        let value = field_value(c, &at, name, value, fields.symbols);
        match (index, value, &mut set) {
            (Some(i), Some(v), Some(set)) => set.push((i, v)),
            _ => set = None,
        }
    }
    let malformed = match raw.malformed {
        None => Some(None),
        Some(m) => {
            let index = fields.find(c, &[at, &["malformed", "field"]].concat(), &m.field);
            let share = share(c, &[at, &["malformed", "share"]].concat(), &m.share);
            index.zip(share).map(Some)
        }
    };
    let poison = optional(raw.poison, |p| share(c, &field("poison"), p));
    let spec = CallSpec {
        target: raw.topic,
        target_field: "topic",
        timeout: raw.timeout,
        retry: raw.retry,
        breaker: None,
        cancel_on_timeout: false,
        max_concurrent: None,
        weight: None,
        balance: None,
        ejection: None,
        op: None,
    };
    let call = check_call_to(c, at, &spec, Endpoint::Topic { topic: topic.unwrap_or(0) });
    let call = topic.and(call)?;
    Some(Step::Publish(Box::new(PublishConfig {
        call,
        key_field: key_field?,
        set: set?,
        malformed: malformed?,
        poison: poison?.unwrap_or(0.0),
        validate: raw.validate,
    })))
}

/// A `Require(fields: [...])`: the fields as a bit set.
pub(super) fn check_require(
    c: &mut Checker,
    at: &[&str],
    names: &[String],
    fields: Fields,
) -> Option<Step> {
    let mut bits = Some(0u8);
    for (i, name) in names.iter().enumerate() {
        let index = fields.find(c, &[at, &["fields", i.to_string().as_str()]].concat(), name);
        bits = bits.zip(index).map(|(b, i)| b | (1 << i));
    }
    Some(Step::Require { fields: bits? })
}

/// A share of messages: a percentage of at most 100 %.
fn share(c: &mut Checker, at: &[&str], text: &str) -> Option<f64> {
    let share = c.percent(at, text)?;
    if share > 1.0 {
        let message = format!("a share of {text} of messages; at most 100%");
        c.report(at, message, Some("\"100%\" is every message".into()));
        return None;
    }
    Some(share)
}

/// A field's fixed value as written: a number (`"2"`), or a name the field's symbols give a
/// number (a state an `Apply` step reading the field declares). Written in quotes either way, as
/// a client's `Fixed` value is: RON would read a bare word as anything.
fn field_value(
    c: &mut Checker,
    at: &[&str],
    field: &str,
    text: &str,
    symbols: &FieldSymbols,
) -> Option<u64> {
    symbols.field_value(field, text).map_err(|e| c.report(at, e.to_string(), None)).ok()
}
