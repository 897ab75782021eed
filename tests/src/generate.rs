//! Random scenario files from a fuzzer's bytes, so that no scenario, however odd, can panic or
//! hang the simulator: the property test (`tests/e2e/generated.rs`) and the `scenario` fuzz
//! target (`tests/fuzz`) both feed these to [`exercise`].
//!
//! The text always parses (every field name and type is right), but the values are free: mostly
//! sensible, sometimes extreme (zero, huge, a nanosecond) or wrong (an unknown class or
//! service), so validation is exercised too and must answer with errors, never a panic. Every
//! scenario carries small limits, so a run that terminates at all does so in milliseconds.
//!
//! Now and then a scenario has services with several instances, callers that balance over them
//! and eject outliers, and a network: a `network:` section (the default link and link rules) or
//! network faults (`Partition`, `OneWay`, `Isolate`, `Degrade`), crashes and pauses naming
//! clients, services and instances (`api/1`); clients now and then draw keys and fields or follow
//! a cron schedule in a zone (now and then for each customer, in their zones), services now and
//! then have a zone and handlers wait for a schedule, and scenarios now and then set a `start`,
//! node clocks or customers.
//!
//! Now and then a scenario has a topic with a broker and a consumer service, `Publish` and
//! `Require` steps and the broker invariants, or a service holding a database that calls name
//! an `op` for, with a session field and the session invariants (`messaging.rs`).
//!
//! Every choice is drawn from an [`Unstructured`]; when the bytes run out each draw gives its
//! first, plainest option, so short inputs give small, ordinary scenarios.

use std::fmt::{self, Write as _};

use arbitrary::{Arbitrary, Result, Unstructured};
use faultline_engine::LimitExceeded;
use faultline_scenario::{Overrides, Scenario, load};

mod messaging;

/// One generated scenario: its text, the variants it defines and `--set` patches to try on it.
#[derive(Clone, PartialEq, Eq)]
pub struct Generated {
    pub text: String,
    pub variants: Vec<String>,
    pub sets: Vec<String>,
}

impl fmt::Debug for Generated {
    /// The scenario as a file, so a failing case prints something to paste into `faultline run`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.text)?;
        writeln!(f, "// variants: {:?}", self.variants)?;
        write!(f, "// --set: {:?}", self.sets)
    }
}

impl<'a> Arbitrary<'a> for Generated {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Gen::new(u)?.scenario()
    }
}

/// Builds a scenario from `bytes` (any bytes give one).
pub fn from_bytes(bytes: &[u8]) -> Generated {
    let mut u = Unstructured::new(bytes);
    Generated::arbitrary(&mut u).expect("every draw has a fallback when the bytes run out")
}

const SERVICES: [&str; 6] = ["api", "auth", "orders", "cache", "db", "disk"];
const CLIENTS: [&str; 4] = ["web", "mobile", "batch", "admin"];
const CLASSES: [&str; 4] = ["high", "low", "bulk", "default"];
/// Run lengths: short, so that a run stays within its small event limit.
const RUN_LENGTHS: [&str; 6] = ["2s", "5s", "1s", "10s", "500ms", "30s"];

/// The state of one generation: the bytes, and the names drawn so far.
struct Gen<'u, 'a> {
    u: &'u mut Unstructured<'a>,
    services: usize,
    clients: usize,
    /// The class each client names (`None`: no `class`, so the class `default`).
    client_classes: Vec<Option<&'static str>>,
    duration_s: f64,
    /// Requests each client may send over the run, so that the load fits the event limit.
    requests_per_client: f64,
    /// Whether this scenario may hold wrong values (for validation). Drawn once, so that most
    /// scenarios are valid and run.
    wild: bool,
    /// Whether the scenario has a fault (some invariants need one).
    has_fault: bool,
    /// The instances of each service drawn so far (1 when it has one, or a wrong count).
    instances: Vec<usize>,
    /// Whether the scenario has `customers`.
    has_customers: bool,
    /// A client whose schedule fires for each customer, for `ScheduledOncePerLocalDay`.
    for_each_client: Option<&'static str>,
    /// Whether clients hold tokens (then handlers may check them), and whether one does.
    tokens: bool,
    checks_tokens: bool,
    /// Some handler has an `Effect` step (which `ExactlyOnceEffects` needs).
    has_effect: bool,
    /// Whether the scenario has a topic, its broker and a consumer (`messaging.rs`).
    topic: bool,
    /// The service drawn to hold a database (calls to it may say `op`).
    database: Option<usize>,
    /// Whether some client sends the field `session` (a database's session may name it).
    session_field: bool,
}

impl<'u, 'a> Gen<'u, 'a> {
    fn new(u: &'u mut Unstructured<'a>) -> Result<Self> {
        let services = u.int_in_range(1..=SERVICES.len())?;
        let clients = u.int_in_range(1..=CLIENTS.len())?;
        let mut client_classes = Vec::with_capacity(clients);
        for _ in 0..clients {
            let class = if u.int_in_range(0..=3)? == 0 { None } else { Some(*u.choose(&CLASSES)?) };
            client_classes.push(class);
        }
        let wild = u.int_in_range(0..=4)? == 4;
        let tokens = u.int_in_range(0..=5)? == 5;
        let topic = u.int_in_range(0..=4)? == 4;
        let database = if u.int_in_range(0..=4)? == 4 {
            Some(u.int_in_range(0..=services - 1)?)
        } else {
            None
        };
        let g = Gen {
            u,
            services,
            clients,
            client_classes,
            duration_s: 0.0,
            requests_per_client: 0.0,
            wild,
            has_fault: false,
            instances: Vec::with_capacity(services),
            has_customers: false,
            for_each_client: None,
            tokens,
            checks_tokens: false,
            has_effect: false,
            topic,
            database,
            session_field: false,
        };
        Ok(g)
    }

    /// True once in `n` draws (never when the bytes have run out).
    fn one_in(&mut self, n: u32) -> Result<bool> {
        Ok(self.u.int_in_range(0..=n - 1)? == n - 1)
    }

    fn pick<T: Copy>(&mut self, options: &[T]) -> Result<T> {
        self.u.choose(options).copied()
    }

    /// One of `usual`, or in a wild scenario now and then one of `wrong`.
    fn pick_or_wrong<T: Copy>(&mut self, usual: &[T], wrong: &[T]) -> Result<T> {
        if self.wild && self.one_in(6)? { self.pick(wrong) } else { self.pick(usual) }
    }

    /// True now and then in a wild scenario: time for a wrong value.
    fn wrong(&mut self) -> Result<bool> {
        Ok(self.wild && self.one_in(12)?)
    }

    fn scenario(mut self) -> Result<Generated> {
        let mut s = String::with_capacity(2048);
        let duration = self.run_length()?;
        writeln!(s, "Scenario(\n    name: \"generated\",\n    duration: {duration},").unwrap();
        self.optional_header(&mut s)?;
        self.limits(&mut s)?;
        s.push_str("    clients: {\n");
        for (i, name) in CLIENTS.iter().enumerate().take(self.clients) {
            let client = self.client(i)?;
            writeln!(s, "        \"{name}\": {client},").unwrap();
        }
        s.push_str("    },\n    services: {\n");
        for (i, name) in SERVICES.iter().enumerate().take(self.services) {
            let service = self.service(i)?;
            writeln!(s, "        \"{name}\": {service},").unwrap();
        }
        if self.topic {
            self.messaging_services(&mut s)?;
        }
        s.push_str("    },\n");
        if self.topic {
            self.topics(&mut s)?;
        }
        if self.one_in(5)? {
            self.network(&mut s)?;
        }
        self.faults(&mut s)?;
        self.invariants(&mut s)?;
        let variants = self.variants(&mut s)?;
        s.push_str(")\n");
        let sets = self.sets()?;
        Ok(Generated { text: s, variants, sets })
    }

    fn run_length(&mut self) -> Result<String> {
        let text = if self.wrong()? {
            "\"0s\"".to_string()
        } else if self.one_in(16)? {
            self.pick(&["\"1ns\"", "\"1h\"", "\"3us\"", "\"1000d\""])?.to_string()
        } else {
            format!("\"{}\"", self.pick(&RUN_LENGTHS)?)
        };
        self.duration_s = match text.as_str() {
            "\"0s\"" | "\"1ns\"" | "\"3us\"" => 0.001,
            "\"1h\"" => 3600.0,
            "\"1000d\"" => 8.64e7,
            "\"500ms\"" => 0.5,
            other => other.trim_matches(['"', 's']).parse().unwrap_or(1.0),
        };
        Ok(text)
    }

    fn optional_header(&mut self, s: &mut String) -> Result<()> {
        if self.one_in(4)? {
            let warmup = if self.wrong()? { self.short_duration()? } else { self.early_instant()? };
            writeln!(s, "    warmup: {warmup},").unwrap();
        }
        if self.one_in(4)? {
            let seed = self.pick(&[0u64, 7, u64::MAX, 12345])?;
            writeln!(s, "    seed: {seed},").unwrap();
        }
        if self.one_in(6)? {
            let window = self.pick_or_wrong(&["\"100ms\"", "\"1s\"", "\"1h\""], &["\"1ns\""])?;
            writeln!(s, "    metrics: (window: {window}),").unwrap();
        }
        if self.one_in(6)? {
            let starts = [
                "\"2026-03-08T06:59:00Z\"",
                "\"2026-11-01T05:00:00Z\"",
                "\"1970-01-01T00:00:00Z\"",
            ];
            let start =
                self.pick_or_wrong(&starts, &["\"yesterday\"", "\"2026-13-01T00:00:00Z\""])?;
            writeln!(s, "    start: {start},").unwrap();
        }
        if self.one_in(6)? {
            let zones = ["\"America/New_York\"", "\"Asia/Kolkata\""];
            let zone = self.pick_or_wrong(&zones, &["\"Asia/Tokio\""])?;
            let customers = format!("\"a\": (zone: \"Australia/Adelaide\"), \"b\": (zone: {zone})");
            writeln!(s, "    customers: {{{customers}}},").unwrap();
            self.has_customers = true;
        }
        if self.one_in(10)? {
            let drift = self.pick_or_wrong(&[50.0, -200.0, 1e5, 0.0], &[2e6, -1e7])?;
            let offset = self.pick(&["\"+2s\"", "\"-5min\"", "\"0s\""])?;
            let node = self.pick_or_wrong(&["\"api\"", "\"web\""], &["\"nowhere\""])?;
            let sync =
                if self.one_in(2)? { ", sync: (every: \"64s\", within: \"10ms\")" } else { "" };
            writeln!(s, "    clocks: {{{node}: (offset: {offset}, drift_ppm: {drift:?}{sync})}},")
                .unwrap();
        }
        Ok(())
    }

    /// Small limits, so that every run is bounded whatever the rest says.
    fn limits(&mut self, s: &mut String) -> Result<()> {
        let events = self.pick_or_wrong(&[20_000i64, 20_000, 20_000, 5_000, 100, 1], &[0, -1])?;
        let in_flight = self.pick_or_wrong(&[1_000i64, 100, 10, 1, 5_000], &[0])?;
        // A consumer with no receive limit whose receives fail at once spins at one instant
        // until this bound (see `run_bounded`): at the default, ten million pieces of work take
        // seconds, past the property test's watchdog; a million is still far above what a
        // heavy instant within these event limits does.
        let work = if self.topic { ", max_work_per_instant: 1000000" } else { "" };
        writeln!(s, "    limits: (max_events: {events}, max_in_flight: {in_flight}{work}),")
            .unwrap();
        // Validation counts two events per request; leave room for load shapes that add some.
        self.requests_per_client = events.max(1) as f64 / (2.0 * self.clients as f64) / 2.0;
        Ok(())
    }

    fn client(&mut self, i: usize) -> Result<String> {
        let target = if self.topic && self.one_in(4)? {
            "\"events\"" // a client whose requests are published
        } else if self.one_in(4)? {
            self.service_name()?
        } else {
            "\"api\""
        };
        // With customers, schedules (which may fire for each) are more likely.
        if self.one_in(10)? || (self.has_customers && self.one_in(3)?) {
            return self.scheduled_client(i, target);
        }
        let mut c = format!("(target: {target}, rate: {}", self.rate()?);
        if self.one_in(3)? {
            c.push_str(", arrivals: Fixed");
        } else if self.one_in(4)? {
            c.push_str(", arrivals: Poisson");
        }
        if self.one_in(2)? {
            write!(c, ", shape: {}", self.shape()?).unwrap();
        }
        if let Some(class) = self.client_classes[i] {
            write!(c, ", class: \"{class}\"").unwrap();
        }
        if self.one_in(4)? {
            write!(c, ", key: {}", self.values()?).unwrap();
        }
        // With a topic, every client sends fields: a `Publish` key, a malformed field or a
        // `Require` reads one, and a field nothing sets is refused there.
        if self.topic || self.one_in(6)? {
            let (a, b) = (self.values()?, self.values()?);
            let name = self.pick(&["\"session\"", "\"entity\""])?;
            self.session_field |= name == "\"session\"";
            // With a topic, the order number its messages may be keyed by or must carry.
            let order = if self.topic { ", \"order\": Sequence" } else { "" };
            write!(c, ", fields: {{{name}: {a}, \"version\": {b}{order}}}").unwrap();
        }
        self.call_options(&mut c)?;
        self.token(&mut c)?;
        c.push(')');
        Ok(c)
    }

    /// A client's token, when the scenario's clients hold them: stamped on a client's clock
    /// (services are not drawn yet), now and then on a node that does not exist.
    fn token(&mut self, c: &mut String) -> Result<()> {
        if !self.tokens {
            return Ok(());
        }
        let issuer = if self.wrong()? {
            "auth"
        } else {
            CLIENTS[self.u.int_in_range(0..=self.clients - 1)?]
        };
        let lifetime =
            self.pick_or_wrong(&["\"10m\"", "\"1m\"", "\"10s\""], &["\"0s\"", "\"-1m\""])?;
        write!(c, ", token: (issuer: \"{issuer}\", lifetime: {lifetime}").unwrap();
        if self.one_in(2)? {
            write!(c, ", renew_before: {}", self.short_duration()?).unwrap();
        }
        c.push(')');
        Ok(())
    }

    /// A client on a calendar schedule in a zone (now and then a bad cron or an unknown zone),
    /// now and then in the client's own zone, or for each customer in one zone or in theirs.
    fn scheduled_client(&mut self, i: usize, target: &str) -> Result<String> {
        // One request a minute fits the event limit only in runs up to about a day.
        let crons: &[&str] = if self.duration_s <= 3_600.0 {
            &["* * * * *", "0 9 * * *", "*/5 * * * *", "30 2 * * *", "0 0 29 2 *"]
        } else {
            &["0 9 * * *", "30 2 * * *", "0 0 29 2 *"]
        };
        let cron = self.pick_or_wrong(crons, &["61 * * * *", "* * *", "*/0 * * * *"])?;
        let zone = self.pick_or_wrong(
            &["America/New_York", "Europe/London", "Australia/Sydney", "UTC"],
            &["Mars/Olympus", ""],
        )?;
        let mut zone = format!(", zone: \"{zone}\"");
        let mut c = format!("(target: {target}");
        if self.one_in(4)? {
            // The client's own zone, which its schedule then follows.
            c.push_str(", zone: \"Asia/Tokyo\"");
            zone.clear();
        }
        if self.has_customers && self.one_in(2)? {
            if self.one_in(2)? {
                zone = ", zone: Customer".to_string();
            }
            zone.push_str(", for_each: Customers");
            self.for_each_client.get_or_insert(CLIENTS[i]);
        } else if self.wild && self.one_in(8)? {
            zone.push_str(", for_each: Customers"); // perhaps without customers
        }
        write!(c, ", schedule: (cron: \"{cron}\"{zone})").unwrap();
        // Its class, drawn with the others: queues name every client's class.
        if let Some(class) = self.client_classes[i] {
            write!(c, ", class: \"{class}\"").unwrap();
        }
        self.call_options(&mut c)?;
        self.token(&mut c)?;
        c.push(')');
        Ok(c)
    }

    /// How a client picks a key or a field: now and then an empty range in a wild scenario.
    fn values(&mut self) -> Result<String> {
        if self.wrong()? {
            return Ok("Uniform(0)".to_string());
        }
        Ok(match self.u.int_in_range(0..=1)? {
            0 => format!("Uniform({})", self.pick(&[1, 10, 1000, 1_000_000_000])?),
            _ => "Sequence".to_string(),
        })
    }

    /// A rate: its load must fit the run's event limit, so it shrinks as runs lengthen.
    fn rate(&mut self) -> Result<String> {
        if self.wrong()? {
            return Ok(self.pick(&["\"0/s\"", "\"1e9/s\"", "\"-1/s\"", "\"5/ms\""])?.to_string());
        }
        if self.one_in(16)? {
            return Ok(self.pick(&["\"0.001/s\"", "\"1/h\"", "\"0.5/min\""])?.to_string());
        }
        let per_s: f64 = self.pick(&[20.0, 5.0, 50.0, 100.0, 1.0, 300.0, 0.5])?;
        // A few thousand requests at most: the event limit is about 20,000.
        let per_s = per_s.min(self.requests_per_client / self.duration_s.max(0.001));
        Ok(format!("\"{}/s\"", round(per_s)))
    }

    fn shape(&mut self) -> Result<String> {
        let at = self.instant()?;
        Ok(match self.u.int_in_range(0..=3)? {
            0 => {
                let factor = self.pick(&[3.0, 0.0, 10.0, 0.5, 1.0, 1e6])?;
                let length = self.positive_duration()?;
                format!("Spike(at: {at}, length: {length}, factor: {factor:?})")
            }
            1 => format!("Step(at: {at}, to: {})", self.rate()?),
            2 => {
                let (to, end) = (self.rate()?, self.later_instant()?);
                format!("Ramp(to: {to}, start: {at}, end: {end})")
            }
            _ => "Const".to_string(),
        })
    }

    /// The options a client and a `Call` step share.
    fn call_options(&mut self, c: &mut String) -> Result<()> {
        if self.one_in(2)? {
            write!(c, ", timeout: {}", self.positive_duration()?).unwrap();
        }
        if self.one_in(3)? {
            write!(c, ", retry: {}", self.retry()?).unwrap();
        }
        if self.one_in(3)? {
            write!(c, ", breaker: {}", self.breaker()?).unwrap();
        }
        if self.one_in(4)? {
            c.push_str(", cancel_on_timeout: true");
        }
        if self.one_in(5)? {
            write!(c, ", max_concurrent: {}", self.count(&[4, 1, 20, 100])?).unwrap();
        }
        if self.one_in(5)? {
            let balance = ["RoundRobin", "Random", "LeastOutstanding", "PowerOfTwo"];
            write!(c, ", balance: {}", self.pick(&balance)?).unwrap();
        }
        if self.one_in(6)? {
            write!(c, ", outlier_ejection: {}", self.ejection()?).unwrap();
        }
        Ok(())
    }

    /// Outlier ejection, each field given or left to its default.
    fn ejection(&mut self) -> Result<String> {
        let mut fields = Vec::new();
        if self.one_in(2)? {
            let failures = self.count(&[5, 1, 3, 100])?;
            fields.push(format!("consecutive_failures: {failures}"));
        }
        if self.one_in(2)? {
            fields.push(format!("base_time: {}", self.positive_duration()?));
        }
        if self.one_in(2)? {
            let share =
                self.pick_or_wrong(&["\"50%\"", "\"10%\"", "\"100%\"", "\"0%\""], &["\"150%\""])?;
            fields.push(format!("max_ejected: {share}"));
        }
        Ok(format!("({})", fields.join(", ")))
    }

    fn retry(&mut self) -> Result<String> {
        let attempts = self.count(&[3, 2, 5, 1, 10])?;
        let mut r = format!("(max_attempts: {attempts}");
        match self.u.int_in_range(0..=2)? {
            0 => {}
            1 => write!(r, ", backoff: Constant({})", self.duration()?).unwrap(),
            _ => {
                let (base, cap) = (self.positive_duration()?, self.positive_duration()?);
                let multiplier = if self.one_in(2)? {
                    let m = self.pick_or_wrong(&[2.0, 1.0, 1.5, 10.0], &[0.5, -1.0])?;
                    format!("multiplier: {m:?}, ")
                } else {
                    String::new()
                };
                write!(r, ", backoff: Exponential(base: {base}, {multiplier}cap: {cap})").unwrap();
            }
        }
        let jitter =
            ["", ", jitter: None", ", jitter: Full", ", jitter: Equal", ", jitter: Decorrelated"];
        r.push_str(self.pick(&jitter)?);
        if self.one_in(3)? {
            let budget = self.pick(&["\"10%\"", "\"0%\"", "\"100%\"", "\"1000%\"", "\"5 %\""])?;
            write!(r, ", budget: {budget}").unwrap();
            if self.one_in(2)? {
                write!(r, ", budget_window: {}", self.positive_duration()?).unwrap();
            }
        }
        if self.one_in(3)? {
            write!(r, ", retry_on: {}", self.outcomes()?).unwrap();
        }
        r.push(')');
        Ok(r)
    }

    /// A list of call outcomes, possibly empty or with repeats.
    fn outcomes(&mut self) -> Result<String> {
        let n = self.u.int_in_range(0..=3)?;
        let mut names = Vec::with_capacity(n);
        for _ in 0..n {
            names.push(self.pick(&["Timeout", "Error", "Rejected"])?);
        }
        Ok(format!("[{}]", names.join(", ")))
    }

    fn breaker(&mut self) -> Result<String> {
        let window = if self.one_in(2)? {
            format!("Time({})", self.positive_duration()?)
        } else {
            format!("Count({})", self.count(&[10, 1, 100, 2])?)
        };
        let failure = self.pick_or_wrong(&[0.5, 0.0, 1.0, 0.1], &[1.5, -0.1])?;
        let minimum = self.count(&[2, 1, 10, 50])?;
        let open = self.positive_duration()?;
        let mut b = format!(
            "(window: {window}, failure_rate: {failure:?}, minimum_calls: {minimum}, open_duration: {open}"
        );
        if self.one_in(2)? {
            let rate = self.pick(&[0.5, 0.0, 1.0])?;
            write!(b, ", slow_call_rate: {rate:?}").unwrap();
        }
        if self.one_in(2)? {
            write!(b, ", slow_call_duration: {}", self.positive_duration()?).unwrap();
        }
        if self.one_in(2)? {
            write!(b, ", half_open_probes: {}", self.count(&[1, 2, 5])?).unwrap();
        }
        if self.one_in(2)? {
            write!(b, ", count_as_failure: {}", self.outcomes()?).unwrap();
        }
        b.push(')');
        Ok(b)
    }

    fn service(&mut self, i: usize) -> Result<String> {
        let workers = self.count(&[4, 1, 2, 16, 100])?;
        let mut s = format!("(workers: {workers}");
        let mut instances = 1;
        // A database's replicas are its instances past the first: more often several.
        let database = self.database == Some(i);
        if self.one_in(5)? || (database && self.one_in(2)?) {
            let n = self.count(&[2, 3, 4, 1])?;
            write!(s, ", instances: {n}").unwrap();
            // A wrong count is refused; the names of the service's nodes are then its own.
            instances = if (1..=4).contains(&n) { n as usize } else { 1 };
        }
        self.instances.push(instances);
        if self.one_in(3)? {
            write!(s, ", queue_capacity: {}", self.count(&[10, 0, 1, 100])?).unwrap();
        }
        if self.one_in(2)? {
            write!(s, ", queue: {}", self.queue()?).unwrap();
        }
        if self.one_in(10)? {
            let zone = self.pick_or_wrong(&["\"America/New_York\""], &["\"Europe/Lundon\""])?;
            write!(s, ", zone: {zone}").unwrap();
        }
        self.door(&mut s)?;
        self.handler(i, &mut s)?;
        s.push(')');
        Ok(s)
    }

    /// Admission and draining: rate limit, shedding, holding, pacing.
    fn door(&mut self, s: &mut String) -> Result<()> {
        if self.one_in(4)? {
            write!(s, ", rate_limit: {}", self.bucket()?).unwrap();
        }
        if self.one_in(4)? {
            write!(s, ", shed_after: {}", self.positive_duration()?).unwrap();
        }
        if self.one_in(3)? {
            s.push_str(", hold_while_open: true");
        }
        if self.one_in(4)? {
            write!(s, ", drain_rate: {}", self.bucket()?).unwrap();
        }
        Ok(())
    }

    fn bucket(&mut self) -> Result<String> {
        let (rate, burst) = (self.rate()?, self.count(&[10, 1, 100])?);
        Ok(format!("(rate: {rate}, burst: {burst})"))
    }

    /// Fifo, Priority (its order may leave a class out or name one twice), or WeightedFair.
    fn queue(&mut self) -> Result<String> {
        match self.u.int_in_range(0..=2)? {
            0 => Ok("Fifo".to_string()),
            1 => {
                let order = self.priority_order()?;
                let ageing = if self.one_in(3)? {
                    format!(", ageing: {}", self.positive_duration()?)
                } else {
                    String::new()
                };
                Ok(format!("Priority(order: [{}]{ageing})", order.join(", ")))
            }
            _ => {
                let mut classes = self.class_list()?;
                if !self.wrong()? {
                    // A class named twice is refused.
                    classes.sort_unstable();
                    classes.dedup();
                }
                let mut weights = Vec::new();
                for class in classes {
                    weights.push(format!("{class}: {}", self.count(&[1, 3, 10])?));
                }
                Ok(format!("WeightedFair(weights: {{{}}})", weights.join(", ")))
            }
        }
    }

    /// Every class the clients name, once each, in a drawn order; in a wild scenario now and
    /// then a wrong order (classes left out or repeated, or one no client names), which
    /// validation must refuse.
    fn class_list(&mut self) -> Result<Vec<String>> {
        let mut used: Vec<&str> =
            self.client_classes.iter().map(|c| c.unwrap_or("default")).collect();
        used.sort_unstable();
        used.dedup();
        let mut list = Vec::with_capacity(used.len());
        if self.wrong()? {
            let n = self.u.int_in_range(1..=used.len() + 1)?;
            for _ in 0..n {
                let class = if self.one_in(3)? { "nobody" } else { self.pick(&used)? };
                list.push(format!("\"{class}\""));
            }
            return Ok(list);
        }
        while !used.is_empty() {
            let k = self.u.choose_index(used.len())?;
            list.push(format!("\"{}\"", used.remove(k)));
        }
        Ok(list)
    }

    /// A priority order: usually every class once; one time in four a class left out, which is
    /// sound when no request of that class reaches the service and refused when one does (it
    /// could never leave the queue; before validation knew, a held queue spun on it forever).
    fn priority_order(&mut self) -> Result<Vec<String>> {
        let mut order = self.class_list()?;
        if order.len() > 1 && self.one_in(4)? {
            let k = self.u.choose_index(order.len())?;
            order.remove(k);
        }
        Ok(order)
    }

    /// The handler: a `service_time`, or steps calling services further down (deep chains and
    /// diamonds); in a wild scenario now and then back up (cycles, which validation refuses).
    fn handler(&mut self, i: usize, s: &mut String) -> Result<()> {
        if self.database == Some(i) {
            let steps = self.database_handler(i)?;
            s.push_str(&steps);
            return Ok(());
        }
        let leaf = i + 1 == self.services;
        if (leaf && !self.wrong()?) || self.one_in(4)? {
            write!(s, ", service_time: {}", self.dist()?).unwrap();
            if self.one_in(6)? {
                write!(s, ", contention: {}", self.short_duration()?).unwrap();
            }
            return Ok(());
        }
        let n = self.u.int_in_range(1..=4)?;
        let steps = self.steps(i, n, 0)?;
        write!(s, ", steps: [{}]", steps.join(", ")).unwrap();
        Ok(())
    }

    fn steps(&mut self, i: usize, n: usize, depth: u32) -> Result<Vec<String>> {
        let mut steps = Vec::with_capacity(n);
        for _ in 0..n {
            steps.push(self.step(i, depth)?);
        }
        Ok(steps)
    }

    fn step(&mut self, i: usize, depth: u32) -> Result<String> {
        if self.tokens && self.one_in(4)? {
            self.checks_tokens = true;
            let leeway = self.pick_or_wrong(&["\"0s\"", "\"1s\"", "\"5m\""], &["\"soon\""])?;
            return Ok(format!("CheckToken(leeway: {leeway})"));
        }
        if self.one_in(12)? {
            // A side effect once per key, now and then deduplicated (a window of 0 is refused).
            self.has_effect = true;
            let dedup = self.pick_or_wrong(
                &["", ", dedup: \"24h\"", ", dedup: \"1s\""],
                &[", dedup: \"0s\""],
            )?;
            return Ok(format!("Effect(name: \"charge\", once_per: Key{dedup})"));
        }
        if self.topic && self.one_in(6)? {
            return self.publish();
        }
        Ok(match self.u.int_in_range(0..=5)? {
            0 | 1 => format!("Call({})", self.call(i)?),
            2 if self.one_in(8)? => {
                // Waits, holding the worker, until a schedule fires (in the service's zone
                // unless it names one).
                let cron =
                    self.pick_or_wrong(&["* * * * *", "0 9 * * *"], &["* *", "60 * * * *"])?;
                let zones = ["", ", zone: \"Europe/London\""];
                let zone = self.pick_or_wrong(&zones, &[", zone: Customer"])?;
                format!("Wait(schedule: (cron: \"{cron}\"{zone}))")
            }
            2 => {
                let contention = if self.one_in(4)? {
                    format!(", contention: {}", self.short_duration()?)
                } else {
                    String::new()
                };
                format!("Work(time: {}{contention})", self.dist()?)
            }
            3 => {
                let n = self.u.int_in_range(1..=3)?;
                let mut calls = Vec::with_capacity(n);
                for _ in 0..n {
                    calls.push(format!("({})", self.call(i)?));
                }
                format!("Parallel([{}])", calls.join(", "))
            }
            4 if depth < 2 => self.fanout(i, depth)?,
            5 if self.one_in(6)? => {
                // A read strategy without replicas is refused.
                let replicas = self.instances[i] > 1 || self.wrong()?;
                self.database(replicas)?
            }
            _ => self.batch(i)?,
        })
    }

    /// A `Database` step: the service's instances a primary and replicas (a read strategy
    /// without replicas, or in a fan-out, or twice in a handler, is refused), its sessions now
    /// and then the field `session` (refused when no client sends it).
    fn database(&mut self, replicas: bool) -> Result<String> {
        let reads = self.pick_or_wrong(&["\"50%\"", "\"0%\"", "\"100%\""], &["\"150%\""])?;
        let strategies = [
            ", read: Any",
            ", read: Sticky",
            ", read: PrimaryAfterWrite(\"1s\")",
            ", read: WaitForPosition(\"200ms\")",
            "",
        ];
        let read = if replicas { self.pick(&strategies)? } else { "" };
        let session = if (self.session_field && self.one_in(2)?) || self.wrong()? {
            ", session: \"session\""
        } else {
            ""
        };
        let resend = self.pick_or_wrong(&["", ", resend: \"100ms\""], &[", resend: \"0s\""])?;
        Ok(format!("Database(apply: {}, reads: {reads}{read}{session}{resend})", self.dist()?))
    }

    fn call(&mut self, i: usize) -> Result<String> {
        let to = self.callee(i)?;
        let mut c = format!("to: {to}");
        c.push_str(self.op(to)?);
        self.call_options(&mut c)?;
        if self.one_in(4)? {
            let weight = self.pick_or_wrong(&[2.0, 0.5, 20.0, 1e-9], &[0.0, -1.0])?;
            write!(c, ", weight: {weight:?}").unwrap();
        }
        Ok(c)
    }

    /// A service below `i` (the next one most often, for long chains); in a wild scenario now
    /// and then any service, itself included, which makes cycles.
    fn callee(&mut self, i: usize) -> Result<&'static str> {
        if i + 1 >= self.services || self.wrong()? {
            return self.service_name();
        }
        let j =
            if self.one_in(2)? { i + 1 } else { self.u.int_in_range(i + 1..=self.services - 1)? };
        Ok(QUOTED_SERVICES[j])
    }

    fn service_name(&mut self) -> Result<&'static str> {
        if self.wrong()? {
            return Ok("\"apii\"");
        }
        let j = self.u.int_in_range(0..=self.services - 1)?;
        Ok(QUOTED_SERVICES[j])
    }

    fn fanout(&mut self, i: usize, depth: u32) -> Result<String> {
        // 1,000 only at the top: sub-tasks whose calls are refused at once all finish within
        // one event, so nested fan-outs of 1,000 would do a million sub-tasks in one event.
        let wide: &[i64] = if depth == 0 { &[4, 1, 2, 16, 1000] } else { &[4, 1, 2, 16] };
        let count = self.count(wide)?;
        let timeout = if self.one_in(3)? {
            format!(", timeout: {}", self.positive_duration()?)
        } else {
            String::new()
        };
        let n = self.u.int_in_range(1..=2)?;
        let steps = self.steps(i, n, depth + 1)?;
        Ok(format!("Fanout(count: {count}{timeout}, steps: [{}])", steps.join(", ")))
    }

    fn batch(&mut self, i: usize) -> Result<String> {
        let to = self.callee(i)?;
        let max = self.count(&[8, 1, 2, 100])?;
        let wait = self.positive_duration()?;
        let mut b = format!("Batch(to: {to}, max: {max}, wait: {wait}");
        if self.one_in(2)? {
            let per_item = self.pick(&[0.5, 0.0, 1.0, 3.0])?;
            write!(b, ", per_item: {per_item:?}").unwrap();
        }
        if self.one_in(3)? {
            write!(b, ", timeout: {}", self.positive_duration()?).unwrap();
        }
        b.push(')');
        Ok(b)
    }

    /// A service-time distribution, each kind with ordinary or extreme parameters.
    fn dist(&mut self) -> Result<String> {
        Ok(match self.u.int_in_range(0..=4)? {
            0 => format!("Exp(mean: {})", self.positive_duration()?),
            1 => format!("Const({})", self.duration()?),
            2 => {
                let usual = [("1ms", "5ms"), ("0s", "10ms"), ("100ms", "100ms"), ("1ns", "1s")];
                let (min, max) = self.pick_or_wrong(&usual, &[("5ms", "1ms")])?;
                format!("Uniform(min: \"{min}\", max: \"{max}\")")
            }
            3 => {
                let usual = [("5ms", "80ms"), ("1ms", "2ms"), ("100ms", "2s"), ("1ns", "1h")];
                let (median, p99) =
                    self.pick_or_wrong(&usual, &[("10ms", "1ms"), ("1ms", "1ms")])?;
                format!("LogNormal(median: \"{median}\", p99: \"{p99}\")")
            }
            _ => {
                let shape = self.pick(&[1.5, 1.0, 0.5, 3.0, 0.01])?;
                format!("Pareto(scale: {}, shape: {shape:?})", self.positive_duration()?)
            }
        })
    }

    fn faults(&mut self, s: &mut String) -> Result<()> {
        let n = self.u.int_in_range(0..=3)?;
        if n == 0 {
            return Ok(());
        }
        self.has_fault = true;
        s.push_str("    faults: [\n");
        for _ in 0..n {
            let service = self.service_name()?;
            let (at, length) = (self.early_instant()?, self.span()?);
            let window = format!("at: {at}, length: {length}");
            let fault = match self.u.int_in_range(0..=3)? {
                3 => self.network_fault(&window)?,
                0 => {
                    let share = self.pick_or_wrong(&[1.0, 0.5, 0.1, 0.0], &[1.5, -0.5])?;
                    format!("Fail(service: {service}, share: {share:?}, {window})")
                }
                1 => {
                    let factor = self.pick_or_wrong(&[20.0, 2.0, 0.5, 1e6], &[0.0, -1.0])?;
                    format!("Slowdown(service: {service}, factor: {factor:?}, {window})")
                }
                _ => format!("Down(service: {service}, {window})"),
            };
            writeln!(s, "        {fault},").unwrap();
        }
        s.push_str("    ],\n");
        Ok(())
    }

    /// A fault on the network over `window`: a partition, a one-way cut, an isolated node or a
    /// degradation.
    fn network_fault(&mut self, window: &str) -> Result<String> {
        Ok(match self.u.int_in_range(0..=5)? {
            // Only services crash or pause: a client's name is a wrong value.
            4 => {
                let restart = window.replace("length:", "restart_after:");
                format!("Crash(node: {}, {restart})", self.service_node_name()?)
            }
            5 => format!("Pause(node: {}, {window})", self.service_node_name()?),
            0 => format!("Partition(groups: {}, {window})", self.groups()?),
            1 => {
                let (from, to) = (self.node_list()?, self.node_list()?);
                format!("OneWay(from: {from}, to: {to}, {window})")
            }
            2 => format!("Isolate(node: {}, {window})", self.node_name()?),
            _ => {
                let mut d = String::from("Degrade(");
                if self.one_in(2)? {
                    write!(d, "from: {}, ", self.node_list()?).unwrap();
                }
                if self.one_in(2)? {
                    write!(d, "to: {}, ", self.node_list()?).unwrap();
                }
                if self.one_in(4)? {
                    let factor = self.pick_or_wrong(&[10.0, 2.0, 0.5, 1e6], &[0.0, -1.0])?;
                    write!(d, "latency_factor: {factor:?}, ").unwrap();
                }
                if self.one_in(4)? {
                    write!(d, "extra_loss: {:?}, ", self.probability()?).unwrap();
                }
                format!("{d}{window})")
            }
        })
    }

    /// A partition's groups: every client, and each service whole or (with instances) now and
    /// then instance by instance, each in one of two or three groups or in none. In a wild
    /// scenario now and then one group only, or a node in two groups.
    fn groups(&mut self) -> Result<String> {
        let mut atoms: Vec<String> =
            CLIENTS.iter().take(self.clients).map(|c| format!("\"{c}\"")).collect();
        for (i, name) in SERVICES.iter().enumerate().take(self.services) {
            let n = self.instances[i];
            if n > 1 && self.one_in(2)? {
                atoms.extend((0..n).map(|k| format!("\"{name}/{k}\"")));
            } else {
                atoms.push(format!("\"{name}\""));
            }
        }
        let k = if self.wrong()? { 1 } else { self.u.int_in_range(2..=3)? };
        let mut groups = vec![Vec::new(); k];
        for atom in atoms {
            // `k`: in no group.
            let g = self.u.int_in_range(0..=k)?;
            if g < k {
                groups[g].push(atom);
            }
        }
        if k > 1 && self.wrong()? {
            let shared = groups[0].first().cloned().unwrap_or_else(|| "\"api\"".into());
            groups[1].push(shared);
        }
        let groups: Vec<String> = groups.iter().map(|g| format!("[{}]", g.join(", "))).collect();
        Ok(format!("[{}]", groups.join(", ")))
    }

    /// One or two node names, each once (in a wild scenario now and then twice).
    fn node_list(&mut self) -> Result<String> {
        let n = self.u.int_in_range(1..=2)?;
        let mut names: Vec<String> = Vec::with_capacity(n);
        for _ in 0..n {
            let name = self.node_name()?;
            if !names.contains(&name) || self.wild {
                names.push(name);
            }
        }
        Ok(format!("[{}]", names.join(", ")))
    }

    /// A node: a client, a service (all its instances) or one instance (`api/1`); in a wild
    /// scenario now and then one that does not exist.
    /// A service or one of its instances (now and then, in a wild scenario, a client's name).
    fn service_node_name(&mut self) -> Result<String> {
        if self.wrong()? {
            return Ok(format!("\"{}\"", CLIENTS[0]));
        }
        Ok(match self.u.int_in_range(0..=1)? {
            0 => self.service_name()?.to_string(),
            _ => self.instance_name()?,
        })
    }

    /// One instance of a service, or the service itself when it has one.
    fn instance_name(&mut self) -> Result<String> {
        let i = self.u.int_in_range(0..=self.services - 1)?;
        Ok(match self.instances[i] {
            1 => QUOTED_SERVICES[i].to_string(),
            n => format!("\"{}/{}\"", SERVICES[i], self.u.int_in_range(0..=n - 1)?),
        })
    }

    fn node_name(&mut self) -> Result<String> {
        if self.wrong()? {
            let service = SERVICES[self.u.int_in_range(0..=self.services - 1)?];
            return Ok(self.pick(&["\"nowhere\"", "\"api/9\"", "\"\""])?.replace("api", service));
        }
        Ok(match self.u.int_in_range(0..=2)? {
            0 => format!("\"{}\"", CLIENTS[self.u.int_in_range(0..=self.clients - 1)?]),
            1 => self.service_name()?.to_string(),
            _ => self.instance_name()?,
        })
    }

    /// A `network:` section: the default link (each field given or left to the perfect link's)
    /// and up to two link rules.
    fn network(&mut self, s: &mut String) -> Result<()> {
        let default = self.link_fields()?;
        let n = self.u.int_in_range(0..=2)?;
        let mut rules = Vec::with_capacity(n);
        for _ in 0..n {
            let mut rule = Vec::new();
            if self.one_in(2)? {
                rule.push(format!("from: {}", self.node_list()?));
            }
            if !self.one_in(4)? {
                rule.push(format!("to: {}", self.node_list()?));
            }
            if self.one_in(2)? {
                rule.push("both_ways: true".to_string());
            }
            let fields = self.link_fields()?;
            if !fields.is_empty() {
                rule.push(fields);
            }
            rules.push(format!("({})", rule.join(", ")));
        }
        writeln!(s, "    network: (default: ({default}), links: [{}]),", rules.join(", ")).unwrap();
        Ok(())
    }

    /// The fields of a link, each now and then: latency, loss, duplication, ordering.
    fn link_fields(&mut self) -> Result<String> {
        let mut fields = Vec::new();
        if !self.one_in(4)? {
            fields.push(format!("latency: {}", self.dist()?));
        }
        if self.one_in(3)? {
            fields.push(format!("loss: {:?}", self.probability()?));
        }
        if self.one_in(4)? {
            fields.push(format!("duplicate: {:?}", self.probability()?));
        }
        if self.one_in(2)? {
            fields.push(format!("ordering: {}", self.pick(&["Fifo", "Datagram"])?));
        }
        Ok(fields.join(", "))
    }

    /// A probability: usually small, now and then certain; in a wild scenario now and then
    /// outside [0, 1].
    fn probability(&mut self) -> Result<f64> {
        self.pick_or_wrong(&[0.01, 0.0, 0.1, 0.5, 1.0], &[-0.1, 1.5])
    }

    fn invariants(&mut self, s: &mut String) -> Result<()> {
        let n = self.u.int_in_range(0..=4)?;
        if n == 0 {
            return Ok(());
        }
        s.push_str("    invariants: [\n");
        for _ in 0..n {
            let invariant = self.invariant()?;
            writeln!(s, "        {invariant},").unwrap();
        }
        s.push_str("    ],\n");
        Ok(())
    }

    fn invariant(&mut self) -> Result<String> {
        let percentile = self.pick_or_wrong(&[99.0, 50.0, 99.9, 0.001], &[100.0, 0.0])?;
        let mut kind = self.u.int_in_range(0..=10)?;
        if matches!(kind, 4 | 6 | 7) && !self.has_fault && !self.wrong()? {
            // These judge the reaction to a fault: without one they are refused.
            kind = 0;
        }
        if (self.has_effect || self.wrong()?) && self.one_in(4)? {
            // Refused without an `Effect` step to watch.
            return Ok("ExactlyOnceEffects".to_string());
        }
        if self.topic && self.one_in(3)? {
            return self.broker_invariant();
        }
        if self.database.is_some() && self.one_in(3)? {
            let session = ["ReadYourWrites", "MonotonicReads", "BoundedStaleness(max: \"2s\")"];
            return Ok(self.pick(&session)?.to_string());
        }
        if self.checks_tokens && self.one_in(3)? {
            // Refused without a `CheckToken` step to watch.
            let token = self.pick(&["NoValidTokenRejected", "NoExpiredTokenAccepted"])?;
            return Ok(token.to_string());
        }
        Ok(match kind {
            0 if self.one_in(4)? && self.wrong()? => {
                // Refused without a `Database` step to watch.
                let session = ["ReadYourWrites", "MonotonicReads", "BoundedStaleness(max: \"2s\")"];
                self.pick(&session)?.to_string()
            }
            0 => "NoLostRequests".to_string(),
            1 => {
                let (bound, after) = (self.positive_duration()?, self.early_instant()?);
                format!("LatencySlo(percentile: {percentile:?}, bound: {bound}, after: {after})")
            }
            2 => {
                let (service, bound) = (self.service_name()?, self.positive_duration()?);
                format!(
                    "ServiceSlo(service: {service}, percentile: {percentile:?}, bound: {bound})"
                )
            }
            3 => {
                let (service, max) = (self.service_name()?, self.count(&[100, 0, 10])?);
                format!("QueueBounded(service: {service}, max: {max})")
            }
            4 => {
                let share = self.pick(&[0.9, 0.5, 1.0])?;
                format!("GoodputRecovers(share: {share:?}, within: {})", self.span()?)
            }
            5 if self.one_in(2)? => {
                format!("SuccessRate(min: {:?})", self.pick_or_wrong(&[0.99, 0.5, 1.0], &[1.5])?)
            }
            5 => format!("RetryAmplification(max: {:?})", self.pick(&[1.5, 1.0, 3.0])?),
            6 => format!("BreakerOpensWithin(within: {})", self.positive_duration()?),
            7 => "NoSecondOutage".to_string(),
            8 => {
                let class = self.client_classes[0].unwrap_or("default");
                format!("ClassMaxWait(class: \"{class}\", bound: {})", self.positive_duration()?)
            }
            10 if self.for_each_client.is_some() || self.wrong()? => {
                let client = self.for_each_client.unwrap_or("web");
                let at = self.pick_or_wrong(&["09:00", "02:30", "0:00"], &["25:00", "9am"])?;
                format!("ScheduledOncePerLocalDay(client: \"{client}\", at: \"{at}\")")
            }
            _ => format!("Progress(stuck: {})", self.positive_duration()?),
        })
    }

    /// Variants patching a few values (now and then at a path that does not exist).
    fn variants(&mut self, s: &mut String) -> Result<Vec<String>> {
        let n = if self.one_in(3)? { self.u.int_in_range(1..=2)? } else { 0 };
        if n == 0 {
            return Ok(Vec::new());
        }
        let mut names = Vec::with_capacity(n);
        s.push_str("    variants: {\n");
        for v in 0..n {
            let (path, value) = self.patch()?;
            let name = format!("v{v}");
            writeln!(
                s,
                "        \"{name}\": (description: \"d\", set: {{ \"{path}\": {value} }}),"
            )
            .unwrap();
            names.push(name);
        }
        s.push_str("    },\n");
        Ok(names)
    }

    fn sets(&mut self) -> Result<Vec<String>> {
        if !self.one_in(4)? {
            return Ok(Vec::new());
        }
        let (path, value) = self.patch()?;
        Ok(vec![format!("{path}={value}")])
    }

    /// A path and a RON value for a variant or `--set`.
    fn patch(&mut self) -> Result<(String, String)> {
        let service = SERVICES[self.u.int_in_range(0..=self.services - 1)?];
        let client = CLIENTS[self.u.int_in_range(0..=self.clients - 1)?];
        Ok(match self.u.int_in_range(0..=9)? {
            0 => (format!("services.{service}.workers"), self.count(&[8, 1])?.to_string()),
            1 => (format!("clients.{client}.rate"), self.rate()?),
            2 => (format!("services.{service}.queue"), self.queue()?),
            3 => ("duration".to_string(), format!("\"{}\"", self.pick(&RUN_LENGTHS)?)),
            4 => (format!("services.{service}.queue_capacity"), self.count(&[5, 0])?.to_string()),
            5 => (format!("clients.{client}.retry"), self.retry()?),
            6 => (format!("services.{service}.hold_while_open"), "true".to_string()),
            7 => (format!("clients.{client}.shape"), self.shape()?),
            8 => ("network.default.latency".to_string(), self.dist()?),
            _ if self.wild => (format!("services.nowhere.{service}"), "1".to_string()),
            _ => (format!("services.{service}.shed_after"), self.positive_duration()?),
        })
    }

    /// A count: one of `usual`; in a wild scenario, now and then zero, negative or huge.
    fn count(&mut self, usual: &[i64]) -> Result<i64> {
        if self.wrong()? {
            return self.pick(&[0, -1, 1_000_001, 4_294_967_296, i64::MAX]);
        }
        self.pick(usual)
    }

    /// A duration that may be zero.
    fn duration(&mut self) -> Result<String> {
        if self.one_in(8)? {
            return Ok("\"0s\"".to_string());
        }
        self.positive_duration()
    }

    /// A duration above zero: usually between a millisecond and a second, sometimes a
    /// nanosecond or days.
    fn positive_duration(&mut self) -> Result<String> {
        if self.wrong()? {
            return Ok(self.pick(&["\"0s\"", "\"-1s\"", "\"5 sec\"", "\"1e3s\""])?.to_string());
        }
        if self.one_in(16)? {
            let odd = ["\"1ns\"", "\"1h\"", "\"0.5us\"", "\"1000d\"", "\"1m30s\""];
            return Ok(self.pick(&odd)?.to_string());
        }
        let usual =
            ["\"10ms\"", "\"1ms\"", "\"100ms\"", "\"500ms\"", "\"2s\"", "\"50us\"", "\"1.5s\""];
        Ok(self.pick(&usual)?.to_string())
    }

    fn short_duration(&mut self) -> Result<String> {
        Ok(self.pick(&["\"1ms\"", "\"0s\"", "\"100ms\"", "\"1s\"", "\"10us\""])?.to_string())
    }

    /// An instant within the run (or, rarely, long after it).
    fn instant(&mut self) -> Result<String> {
        if self.one_in(12)? {
            return Ok(self.pick(&["\"0s\"", "\"1000d\"", "\"1ns\""])?.to_string());
        }
        let share = self.pick(&[0.25, 0.5, 0.1, 0.75, 0.0, 0.9])?;
        Ok(format!("\"{}ms\"", round(self.duration_s * share * 1_000.0)))
    }

    /// An instant in the first half of the run.
    fn early_instant(&mut self) -> Result<String> {
        let share = self.pick(&[0.0, 0.25, 0.1, 0.5])?;
        Ok(format!("\"{}ms\"", round(self.duration_s * share * 1_000.0)))
    }

    /// A stretch of the run: usually a tenth or a quarter of it.
    fn span(&mut self) -> Result<String> {
        if self.one_in(4)? {
            return self.positive_duration();
        }
        let share = self.pick(&[0.1, 0.05, 0.25])?;
        Ok(format!("\"{}ms\"", round((self.duration_s * share * 1_000.0).max(0.001))))
    }

    /// An instant after every one [`Self::instant`] gives (but in a wild scenario).
    fn later_instant(&mut self) -> Result<String> {
        if self.wrong()? {
            return self.instant();
        }
        let share = self.pick(&[0.95, 1.0, 2.0])?;
        if self.one_in(8)? {
            return Ok("\"1001d\"".to_string());
        }
        Ok(format!("\"{}ms\"", round(self.duration_s * share * 1_000.0)))
    }
}

const QUOTED_SERVICES: [&str; 6] =
    ["\"api\"", "\"auth\"", "\"orders\"", "\"cache\"", "\"db\"", "\"disk\""];

/// A number as short decimal text (no exponent, which durations and rates do not accept).
fn round(x: f64) -> String {
    let text = format!("{x:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// How one generated scenario fared: loads refused by validation, runs finished, runs stopped
/// at a limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub refused: u32,
    pub finished: u32,
    pub limited: u32,
}

/// Loads the scenario (plain, with each variant, with its `--set` patches) and runs each that
/// loads, checking what must hold of any scenario: validation answers with displayable errors,
/// a run finishes or stops with a typed limit, and never processes more events than its limit.
/// Panics (with the reason) when one of those fails.
pub fn exercise(g: &Generated) -> Tally {
    let mut overrides = vec![Overrides::default()];
    overrides.extend(
        g.variants.iter().map(|v| Overrides { variant: Some(v.clone()), sets: Vec::new() }),
    );
    if !g.sets.is_empty() {
        overrides.push(Overrides { variant: None, sets: g.sets.clone() });
    }
    let mut tally = Tally::default();
    for o in &overrides {
        match load("generated.ron", &g.text, o) {
            Err(e) => {
                assert!(!e.to_string().is_empty(), "an empty error message");
                tally.refused += 1;
            }
            Ok(scenario) => match run_bounded(&scenario) {
                Ok(()) => tally.finished += 1,
                Err(_) => tally.limited += 1,
            },
        }
    }
    tally
}

/// Runs a loaded scenario once and checks that it kept to its event limit.
fn run_bounded(scenario: &Scenario) -> std::result::Result<(), LimitExceeded> {
    match scenario.run(scenario.seed) {
        Ok(outcome) => {
            let events = outcome.stats.events;
            assert!(
                events <= scenario.max_events,
                "{events} events over a limit of {}",
                scenario.max_events
            );
            for verdict in &outcome.verdicts {
                let _ = format!("{verdict:?}");
            }
            Ok(())
        }
        Err(e) => {
            if let LimitExceeded::Events { limit, .. } = e {
                assert_eq!(limit, scenario.max_events, "stopped at another limit than its own");
            }
            // Generated scenarios keep a bound on work at one instant far above what
            // their small event limits allow: reaching it means a livelock that validation let
            // through or that the model made, not a heavy run. But one: a consumer with no
            // receive limit whose every receive fails at once (poison, a missing field, a call
            // refused by an open breaker) and is released and delivered again at once spins at
            // one instant, as a requeueing consumer spins in life; the run names the consumer
            // (its group, or an instance whose handler was running when the bound was reached).
            assert!(
                !matches!(&e, LimitExceeded::Stuck { component, .. } if !messaging::is_consumer(component)),
                "a livelock: {e}"
            );
            assert!(!e.to_string().is_empty(), "an empty limit message");
            Err(e)
        }
    }
}
