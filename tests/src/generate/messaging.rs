//! The generator's messaging and data draws: a topic `events` on a broker service `broker` of
//! one instance, a consumer service `sms` subscribed to it (order, prefetch, visibility, a
//! receive limit, dead letters with an alarm and a replay), `Publish` steps, a `Require` step,
//! the broker invariants; and a service chosen to hold a database, with calls saying `op` and a
//! session field. Never draws a value the caller did not ask for: in a wild scenario now and
//! then a wrong one (a consumer with no topic, a replay limit of 0, an unknown topic).

use std::fmt::Write as _;

use arbitrary::Result;

use super::Gen;

/// The topic's name, and the two services around it (after the drawn ones, so no call chain
/// reaches them and no fault names them unless drawn wrong).
pub(super) const TOPIC: &str = "events";
const BROKER: &str = "broker";
const CONSUMER: &str = "sms";

/// Whether a `LimitExceeded::Stuck`'s component is the consumer: its group (redelivering) or
/// one of its instances (running a handler that fails at once).
pub(super) fn is_consumer(component: &str) -> bool {
    component.starts_with(&format!("consumer group `{CONSUMER}`"))
        || component.starts_with(&format!("service `{CONSUMER}"))
}

impl Gen<'_, '_> {
    /// `topics: {...}` and, after the drawn services, the broker and the consumer.
    pub(super) fn messaging_services(&mut self, s: &mut String) -> Result<()> {
        let workers = self.count(&[8, 1, 16])?;
        let instances = if self.wrong()? { ", instances: 2" } else { "" };
        writeln!(
            s,
            "        \"{BROKER}\": (workers: {workers}{instances}, service_time: {}),",
            self.dist()?
        )
        .unwrap();
        let consumer = self.consumer()?;
        writeln!(s, "        \"{CONSUMER}\": {consumer},").unwrap();
        Ok(())
    }

    /// `topics: { "events": (on: ..., partitions: ..., retention: ...) }`.
    pub(super) fn topics(&mut self, s: &mut String) -> Result<()> {
        // A broker with several instances, or none at all, is refused.
        let on = self.pick_or_wrong(&[BROKER], &["api", "brokr"])?;
        let mut t = format!("(on: \"{on}\"");
        if self.one_in(2)? {
            write!(t, ", partitions: {}", self.count(&[8, 1, 3, 64])?).unwrap();
        }
        if self.one_in(3)? {
            let mut fields = Vec::new();
            if self.one_in(2)? {
                fields.push(format!("messages: {}", self.count(&[100, 1, 10_000])?));
            }
            if self.one_in(2)? {
                fields.push(format!("age: {}", self.positive_duration()?));
            }
            write!(t, ", retention: ({})", fields.join(", ")).unwrap();
        }
        t.push(')');
        writeln!(s, "    topics: {{\"{TOPIC}\": {t}}},").unwrap();
        Ok(())
    }

    /// The consumer service: its instances the group's consumers, its handler checking a field
    /// and working (or calling a drawn service: no drawn service calls it back).
    fn consumer(&mut self) -> Result<String> {
        let instances = self.count(&[2, 1, 3])?;
        let workers = self.count(&[4, 1, 16])?;
        let mut c = format!("(instances: {instances}, workers: {workers}, consumer: (");
        let mut fields = Vec::new();
        if !self.wrong()? {
            // Left out: a consumer subscribed to nothing, refused.
            fields.push(format!("topic: \"{TOPIC}\""));
        }
        if self.one_in(2)? {
            fields.push(format!("order: {}", self.pick(&["ByPartition", "Any"])?));
        }
        if self.one_in(2)? {
            fields.push(format!("prefetch: {}", self.count(&[10, 1, 100])?));
        }
        if self.one_in(2)? {
            fields.push(format!("visibility: {}", self.positive_duration()?));
        }
        let max_receives = self.one_in(2)?;
        if max_receives {
            fields.push(format!("max_receives: {}", self.count(&[3, 1, 10])?));
        }
        // Dead letters without a receive limit are refused: only in a wild scenario.
        if (max_receives && self.one_in(2)?) || self.wrong()? {
            fields.push(format!("dead_letters: {}", self.dead_letters()?));
        }
        write!(c, "{})", fields.join(", ")).unwrap();
        let mut steps = Vec::new();
        if self.one_in(2)? {
            steps.push(format!("Require(fields: [\"{}\"])", self.message_field()?));
        }
        if self.one_in(3)? {
            steps.push(format!("Call({})", self.call(self.services)?));
        } else {
            steps.push(format!("Work(time: {})", self.dist()?));
        }
        write!(c, ", steps: [{}])", steps.join(", ")).unwrap();
        Ok(c)
    }

    /// `(alarm: ..., replay: ...)`, each now and then.
    fn dead_letters(&mut self) -> Result<String> {
        let mut parts = Vec::new();
        if self.one_in(2)? {
            let mut alarm = Vec::new();
            if self.one_in(2)? {
                alarm.push(format!("every: {}", self.alarm_period()?));
            }
            if self.one_in(2)? {
                alarm.push(format!("depth: {}", self.count(&[1, 10])?));
            }
            if self.one_in(3)? {
                alarm.push(format!("growth: {}", self.count(&[10, 1])?));
            }
            parts.push(format!("alarm: ({})", alarm.join(", ")));
        }
        if self.one_in(2)? {
            parts.push(format!("replay: {}", self.replay()?));
        }
        Ok(format!("({})", parts.join(", ")))
    }

    /// A period for an alarm or a replay: at least a millisecond, so that one looking the whole
    /// run fits the event limit (a nanosecond's is refused by the event limit, not a hang).
    fn alarm_period(&mut self) -> Result<String> {
        Ok(self.pick(&["\"1s\"", "\"100ms\"", "\"1m\"", "\"10ms\""])?.to_string())
    }

    /// A replay once (`at`) or every period from an instant, with or without a limit; in a wild
    /// scenario now and then a limit of 0 or both `at` and `every`.
    fn replay(&mut self) -> Result<String> {
        let mut r = if self.one_in(2)? {
            format!("(at: {}", self.instant()?)
        } else {
            let mut r = format!("(every: {}", self.alarm_period()?);
            if self.one_in(2)? {
                write!(r, ", from: {}", self.early_instant()?).unwrap();
            }
            r
        };
        if self.wrong()? {
            write!(r, ", at: \"1s\", every: \"1s\"").unwrap();
        }
        if self.one_in(2)? {
            let limit = self.pick_or_wrong(&[3, 1, 10], &[0])?;
            write!(r, ", limit: {limit}").unwrap();
        }
        r.push(')');
        Ok(r)
    }

    /// A field messages carry (or lack): the order number clients send beside their fields, or
    /// the version.
    fn message_field(&mut self) -> Result<&'static str> {
        self.pick(&["order", "version", "order"])
    }

    /// `Publish(topic: "events", ...)`: keyed by a field, setting one, a malformed and a poison
    /// share, validated or not, with a timeout and retries as any call.
    pub(super) fn publish(&mut self) -> Result<String> {
        let topic = self.pick_or_wrong(&[TOPIC], &["event"])?;
        let mut p = format!("Publish(topic: \"{topic}\"");
        if self.one_in(2)? {
            write!(p, ", key: \"{}\"", self.message_field()?).unwrap();
        }
        if self.one_in(4)? {
            // A name is a state of an `Apply` step reading the field: there is none, so refused.
            let value = self.pick_or_wrong(&["\"7\"", "\"0\""], &["\"paid\""])?;
            write!(p, ", fields: {{\"version\": {value}}}").unwrap();
        }
        if self.one_in(3)? {
            let share =
                self.pick_or_wrong(&["\"2%\"", "\"50%\"", "\"100%\"", "\"0%\""], &["\"150%\""])?;
            write!(p, ", malformed: (field: \"{}\", share: {share})", self.message_field()?)
                .unwrap();
        }
        if self.one_in(4)? {
            let share = self.pick_or_wrong(&["\"1%\"", "\"0.1%\"", "\"100%\""], &["\"200%\""])?;
            write!(p, ", poison: {share}").unwrap();
        }
        if self.one_in(3)? {
            p.push_str(", validate: true");
        }
        if self.one_in(2)? {
            write!(p, ", timeout: {}", self.positive_duration()?).unwrap();
        }
        if self.one_in(3)? {
            write!(p, ", retry: {}", self.retry()?).unwrap();
        }
        p.push(')');
        Ok(p)
    }

    /// A broker invariant, once a scenario has a topic.
    pub(super) fn broker_invariant(&mut self) -> Result<String> {
        Ok(if self.one_in(2)? {
            "NoLostMessages".to_string()
        } else {
            format!("NoSilentFailures(within: {})", self.positive_duration()?)
        })
    }

    /// The steps of the service chosen to hold a database: the `Database` step (a read strategy
    /// only when it has replicas, but in a wild scenario), now and then work before it.
    pub(super) fn database_handler(&mut self, i: usize) -> Result<String> {
        let replicas = self.instances[i] > 1;
        let mut steps = Vec::new();
        if self.one_in(4)? {
            steps.push(format!("Work(time: {})", self.dist()?));
        }
        let strategy = replicas || self.wrong()?;
        let step = self.database(strategy)?;
        steps.push(step);
        Ok(format!(", steps: [{}]", steps.join(", ")))
    }

    /// A call's `op` when it goes to the database service (or, wild, to any other).
    pub(super) fn op(&mut self, to: &str) -> Result<&'static str> {
        let to_database = self.database.is_some_and(|d| super::QUOTED_SERVICES[d] == to);
        if (to_database && !self.one_in(3)?) || self.wrong()? {
            return self.pick(&[", op: Read", ", op: Write"]);
        }
        Ok("")
    }
}
