//! The run summary: one serialisable value with stable field names for JSON, CI and scripts.

use std::collections::BTreeMap;

use faultline_check::Invariant;
use faultline_engine::human_secs;
use faultline_model::policy::BreakerState;
use faultline_model::{Fault, FaultKind, LatencySummary, LoadShape, Metrics, Rejection, Window};
use faultline_scenario::{Outcome, Scenario};
use serde::Serialize;

use crate::analytic::{AnalyticSummary, analytic_summaries};
use crate::clock::{ClockSummary, clock_series, clock_summaries};
use crate::network::{NetworkSummary, network_bands};
use crate::text::thousands;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Requests {
    pub arrived: u64,
    /// Answered with success.
    pub completed: u64,
    /// Ended in an error or a timeout (after any retries).
    pub failed: u64,
    /// Of the failed, those that timed out.
    pub timed_out: u64,
    /// Turned away (queue full, rate limited, breaker open, shed) and counted.
    pub rejected: u64,
    pub in_flight: u64,
}

/// Load and work over the whole run, per second of simulated time.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Load {
    /// New client requests.
    pub offered_per_s: f64,
    /// Jobs finished by the services clients call, useful or not.
    pub throughput_per_s: f64,
    /// Client requests answered with success.
    pub goodput_per_s: f64,
    pub attempts: u64,
    pub retries: u64,
    pub retries_per_s: f64,
    /// Attempts per call over every layer (1.0 without retries).
    pub amplification: f64,
    /// Worker seconds spent on requests nobody waited for any more.
    pub wasted_work_s: f64,
}

/// Attempts turned away, by reason.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Rejections {
    pub queue_full: u64,
    pub rate_limited: u64,
    pub breaker_open: u64,
    pub shed: u64,
    pub bulkhead: u64,
}

/// The requests that did not succeed, beside the headline latency (which is that of the
/// successful ones): how many, what share, and how long they took to fail. Survivor latency
/// alone reads as health while most requests fail.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Failures {
    /// Failed and rejected client requests as a share of those that ended (0 when none did).
    pub share: f64,
    /// Whether the share is above [`Failures::NOTICEABLE`]: then the headline latency says it
    /// covers survivors only, in the text, the JSON (`warning`) and the page.
    pub noticeable: bool,
    pub failed: u64,
    pub timed_out: u64,
    pub rejected: u64,
    /// How long failed requests (error or timeout, after retries) took to fail, after the
    /// warm-up.
    pub failed_latency_s: LatencyStats,
    /// How long rejected requests took to be turned away (retries included), after the warm-up.
    pub rejected_latency_s: LatencyStats,
    /// The sentence the text summary and the page show when `noticeable`.
    pub warning: Option<String>,
}

impl Failures {
    /// Above this share of failed or rejected requests, the latency headline is qualified.
    pub const NOTICEABLE: f64 = 0.01;

    fn new(m: &Metrics) -> Self {
        let ended = m.completed + m.failed + m.rejected;
        let unsuccessful = m.failed + m.rejected;
        let share = if ended == 0 { 0.0 } else { unsuccessful as f64 / ended as f64 };
        let mut failures = Failures {
            share,
            noticeable: share > Self::NOTICEABLE,
            failed: m.failed,
            timed_out: m.timed_out,
            rejected: m.rejected,
            failed_latency_s: latency_stats(&m.failed_latency()),
            rejected_latency_s: latency_stats(&m.rejected_latency()),
            warning: None,
        };
        if failures.noticeable {
            failures.warning = Some(failures.sentence(ended));
        }
        failures
    }

    /// `66.5 % of 23,051 requests did not succeed: 15,338 failed (1,218 timed out) after p50
    /// 510ms, p99 3s; 120 rejected after …. The latency figures are of the successful 33.5 %
    /// only.`
    fn sentence(&self, ended: u64) -> String {
        let mut parts = Vec::new();
        if self.failed > 0 {
            let mut part = format!("{} failed", thousands(self.failed));
            if self.timed_out > 0 {
                part += &format!(" ({} timed out)", thousands(self.timed_out));
            }
            parts.push(part + &took(&self.failed_latency_s));
        }
        if self.rejected > 0 {
            parts.push(
                format!("{} rejected", thousands(self.rejected)) + &took(&self.rejected_latency_s),
            );
        }
        format!(
            "{} of {} requests did not succeed: {}. The latency figures are of the successful {} \
             only.",
            percent(self.share),
            thousands(ended),
            parts.join("; "),
            percent(1.0 - self.share)
        )
    }
}

/// ` after p50 1s, p99 3s` (how long they took), ` at once`, or nothing when none came after
/// the warm-up.
fn took(l: &LatencyStats) -> String {
    if l.count == 0 {
        return String::new();
    }
    if l.max == 0.0 {
        return " at once".into();
    }
    format!(" after p50 {}, p99 {}", human_secs(l.p50), human_secs(l.p99))
}

/// `83.4 %`, `0.3 %`, `100 %`.
fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p >= 99.95 || p == 0.0 { format!("{p:.0} %") } else { format!("{p:.1} %") }
}

/// A circuit breaker changed state.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BreakerEvent {
    pub at_s: f64,
    pub site: String,
    pub state: String,
}

/// Latency figures in seconds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LatencyStats {
    pub count: u64,
    pub mean: f64,
    pub p50: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WaitStats {
    pub mean: f64,
    pub p99: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ServiceSummary {
    pub workers: u32,
    pub completed: u64,
    pub rejected: u64,
    pub rejections: Rejections,
    pub utilization: f64,
    pub max_queue: usize,
    pub mean_queue: f64,
    pub queue_wait_s: WaitStats,
    pub latency_s: WaitStats,
}

/// One request class: its successful latency and its longest wait in any queue.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClassSummary {
    pub completed: u64,
    pub latency_s: LatencyStats,
    pub max_wait_s: f64,
}

/// L = λW from the run's own measurements, after the warm-up.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LittlesLaw {
    /// λ: client requests per second.
    pub arrival_rate_per_s: f64,
    /// W: mean time in system of client requests, whatever their outcome, seconds.
    pub mean_latency_s: f64,
    /// L: time-average number of requests in the system.
    pub mean_in_system: f64,
    /// λ × W, to compare with L.
    pub lambda_w: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InvariantSummary {
    pub name: String,
    pub description: String,
    pub holds: bool,
    pub first_violation_s: Option<f64>,
    pub request: Option<u64>,
    pub detail: Option<String>,
    /// What the property counted, held or not (effects applied against expected, say), by
    /// name in a stable order; only for the properties that count something.
    #[serde(skip_serializing_if = "Figures::is_empty")]
    pub figures: Figures,
}

/// Named counts, written as a JSON object in their order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures(pub Vec<(String, u64)>);

impl Figures {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `effects applied 2,886 · expected operations 2,389`.
    pub fn line(&self) -> String {
        let words: Vec<String> = self
            .0
            .iter()
            .map(|(name, n)| format!("{} {}", name.replace('_', " "), crate::thousands(*n)))
            .collect();
        words.join(" · ")
    }
}

impl Serialize for Figures {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, n) in &self.0 {
            map.serialize_entry(name, n)?;
        }
        map.end()
    }
}

/// A stretch of the run worth marking on a time axis: the warm-up, a load spike, a fault.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Band {
    pub kind: BandKind,
    pub label: String,
    pub start_s: f64,
    pub end_s: f64,
}

/// What a band marks; plots shade a band by its kind, never by its label.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum BandKind {
    /// The warm-up, left out of the figures.
    WarmUp,
    /// A client's load changes: a spike, a step or a ramp.
    LoadChange,
    /// A fault: a service slowed down, failing or down.
    Fault,
    /// A circuit breaker open, until it half-opens or closes.
    BreakerOpen,
    /// Requests arrived but none succeeded (found in the windows by the plots).
    NoSuccess,
}

impl BandKind {
    /// Every kind, in the order plots stack their strips.
    pub const ALL: [BandKind; 5] = [
        BandKind::WarmUp,
        BandKind::LoadChange,
        BandKind::Fault,
        BandKind::BreakerOpen,
        BandKind::NoSuccess,
    ];
}

/// A latency objective to draw as a line: `percentile` of latency should stay ≤ `bound_s`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SloLine {
    pub label: String,
    pub percentile: f64,
    pub bound_s: f64,
}

/// A `QueueBounded` invariant's limit: the queue of `service` should hold at most `max`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct QueueBound {
    pub service: String,
    pub max: usize,
}

/// The fixed-window time series of a run, and what plots need to annotate it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Series {
    pub window_s: f64,
    pub services: Vec<String>,
    pub windows: Vec<SeriesWindow>,
    pub bands: Vec<Band>,
    pub slos: Vec<SloLine>,
    pub queue_bounds: Vec<QueueBound>,
    /// End-to-end latency CDF after the warm-up: (seconds, cumulative fraction).
    pub latency_cdf: Vec<(f64, f64)>,
    /// Each node with a clock of its own, by name: its offset (local − true time) as (true
    /// time, offset) in seconds, exact at every point and straight between two; only in runs
    /// with clocks.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub clocks: BTreeMap<String, Vec<(f64, f64)>>,
    /// Each subscription's backlog and dead letters over time; only in runs with topics.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subscriptions: Vec<crate::SubscriptionDepths>,
    /// Each database replica's lag at the end of every window; only in runs with a database.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replica_lag: Vec<crate::ReplicaLag>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SeriesWindow {
    pub start_s: f64,
    /// New client requests (offered load).
    pub arrived: u64,
    /// Client requests answered with success (goodput).
    pub completed: u64,
    pub failed: u64,
    pub rejected: u64,
    /// Jobs finished by the services clients call (throughput).
    pub served: u64,
    pub attempts: u64,
    pub retries: u64,
    pub wasted_s: f64,
    /// Attempts turned away in the window, by reason.
    pub rejections: Rejections,
    pub breakers_open: u32,
    pub latency_p50_s: f64,
    pub latency_p99_s: f64,
    pub latency_max_s: f64,
    pub queue_max: Vec<usize>,
    pub utilization: Vec<f64>,
}

/// What a run's token checks decided, beside the truth.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TokenSummary {
    pub issued: u64,
    pub checked: u64,
    pub accepted: u64,
    /// Refused while valid in true time.
    pub wrongly_rejected: u64,
    /// Accepted while expired (or not yet issued) in true time.
    pub wrongly_accepted: u64,
}

impl TokenSummary {
    fn new(counts: faultline_model::TokenCounts) -> Self {
        let faultline_model::TokenCounts {
            issued,
            checked,
            accepted,
            wrongly_rejected,
            wrongly_accepted,
        } = counts;
        TokenSummary { issued, checked, accepted, wrongly_rejected, wrongly_accepted }
    }

    /// The line of the text summary.
    pub fn line(&self) -> String {
        format!(
            "tokens      issued {} · checked {} · accepted {} · wrongly rejected {} · wrongly accepted {}",
            self.issued, self.checked, self.accepted, self.wrongly_rejected, self.wrongly_accepted
        )
    }
}

/// The calendar a run's scheduled clients follow.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CalendarSummary {
    /// The UTC instant simulated time zero stands for (`2026-03-07T12:00:00Z`).
    pub start: String,
    /// The bundled IANA time zone database the schedules were evaluated with (`2025b`).
    pub tzdb_version: String,
}

impl CalendarSummary {
    /// Only for a run with a scheduled client.
    fn new(scenario: &Scenario) -> Option<Self> {
        let world = &scenario.world;
        world.clients.iter().any(|c| c.schedule.is_some()).then(|| CalendarSummary {
            start: world.start.to_string(),
            tzdb_version: faultline_model::tzdb_version().to_string(),
        })
    }

    /// The line of the text summary.
    pub fn line(&self) -> String {
        format!("calendar    start {} · tz database {}", self.start, self.tzdb_version)
    }
}

/// Everything a person or a script wants to know about a run.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    pub scenario: String,
    pub variant: Option<String>,
    pub seed: u64,
    pub trace_hash: String,
    pub events: u64,
    pub sim_time_s: f64,
    pub warmup_s: f64,
    /// Wall-clock seconds the run took; the one field that differs between identical runs.
    pub wall_time_s: f64,
    pub requests: Requests,
    pub load: Load,
    pub rejections: Rejections,
    pub breaker_changes: Vec<BreakerEvent>,
    /// Latency of the client requests that succeeded, after the warm-up.
    pub latency_s: LatencyStats,
    /// The requests that did not succeed; read it beside `latency_s`.
    pub failures: Failures,
    /// What the network carried; only in runs with a network.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkSummary>,
    /// Each node with a clock of its own, by name; only in runs with clocks.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub clocks: BTreeMap<String, ClockSummary>,
    /// When the run starts on the calendar; only in runs with a scheduled client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calendar: Option<CalendarSummary>,
    /// Tokens issued and checked, and the checks that went wrong; only in runs with tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens: Option<TokenSummary>,
    /// Why each violated invariant failed, in words (`run --explain`); only when asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    /// Each replicated register's operations and leaders; only in runs with registers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub registers: Vec<crate::RegisterSummary>,
    /// Each subscription's account of its topic's messages; only in runs with topics.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messaging: Vec<crate::SubscriptionSummary>,
    /// Each replicated database's reads, stale reads and staleness; only in runs with one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub databases: Vec<crate::DatabaseSummary>,
    pub littles_law: LittlesLaw,
    pub services: BTreeMap<String, ServiceSummary>,
    /// Each service that is a plain M/M/c queue, by name: queueing theory's prediction beside
    /// the simulated figures; only in runs with such a service.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub analytic: BTreeMap<String, AnalyticSummary>,
    pub classes: BTreeMap<String, ClassSummary>,
    pub invariants: Vec<InvariantSummary>,
    pub all_hold: bool,
    pub reproduce: String,
    /// The scenario's teaching text.
    pub lesson: String,
}

impl Summary {
    pub fn new(
        scenario: &Scenario,
        outcome: &Outcome,
        wall_time_s: f64,
        reproduce: String,
    ) -> Self {
        let m = &outcome.metrics;
        let latency = m.latency();
        Summary {
            scenario: scenario.name.clone(),
            variant: scenario.variant.clone(),
            seed: outcome.seed,
            trace_hash: outcome.stats.trace_hash.hex(),
            events: outcome.stats.events,
            sim_time_s: outcome.stats.end.as_secs_f64(),
            warmup_s: scenario.warmup.as_secs_f64(),
            wall_time_s,
            requests: Requests {
                arrived: m.arrived,
                completed: m.completed,
                failed: m.failed,
                timed_out: m.timed_out,
                rejected: m.rejected,
                in_flight: outcome.in_flight,
            },
            load: load(m),
            rejections: rejections(&m.rejections_by),
            breaker_changes: m
                .breaker_changes
                .iter()
                .map(|b| BreakerEvent {
                    at_s: b.at.as_secs_f64(),
                    site: b.site.clone(),
                    state: format!("{:?}", b.to),
                })
                .collect(),
            latency_s: latency_stats(&latency),
            failures: Failures::new(m),
            network: m.network.as_ref().map(NetworkSummary::new),
            clocks: clock_summaries(m),
            calendar: CalendarSummary::new(scenario),
            tokens: m.tokens.map(TokenSummary::new),
            registers: crate::register::register_summaries(m),
            messaging: crate::messaging::subscription_summaries(m),
            databases: crate::database::database_summaries(m),
            explanation: None,
            littles_law: LittlesLaw {
                arrival_rate_per_s: m.arrival_rate(),
                mean_latency_s: m.mean_sojourn(),
                mean_in_system: m.mean_in_system(),
                lambda_w: m.arrival_rate() * m.mean_sojourn(),
            },
            services: services(m),
            analytic: analytic_summaries(&scenario.world, m),
            classes: m
                .classes
                .iter()
                .map(|c| {
                    let latency = c.latency();
                    let summary = ClassSummary {
                        completed: latency.count,
                        latency_s: latency_stats(&latency),
                        max_wait_s: c.max_wait.as_secs_f64(),
                    };
                    (c.name.clone(), summary)
                })
                .collect(),
            invariants: invariants(outcome),
            all_hold: outcome.all_hold(),
            reproduce,
            lesson: scenario.lesson.clone(),
        }
    }

    /// The JSON form, pretty-printed with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a summary always serialises");
        text.push('\n');
        text
    }
}

fn load(m: &Metrics) -> Load {
    let seconds = m.end().as_secs_f64().max(f64::MIN_POSITIVE);
    let served: u64 = m.windows.iter().map(|w| w.served).sum();
    Load {
        offered_per_s: m.arrived as f64 / seconds,
        throughput_per_s: served as f64 / seconds,
        goodput_per_s: m.completed as f64 / seconds,
        attempts: m.attempts,
        retries: m.retries,
        retries_per_s: m.retries as f64 / seconds,
        amplification: m.amplification(),
        wasted_work_s: m.wasted_work_s,
    }
}

/// Counts indexed like [`Rejection::ALL`].
fn rejections(by: &[u64; 5]) -> Rejections {
    let count = |r: Rejection| by[r as usize];
    Rejections {
        queue_full: count(Rejection::QueueFull),
        rate_limited: count(Rejection::RateLimited),
        breaker_open: count(Rejection::BreakerOpen),
        shed: count(Rejection::Shed),
        bulkhead: count(Rejection::Bulkhead),
    }
}

fn latency_stats(l: &LatencySummary) -> LatencyStats {
    LatencyStats { count: l.count, mean: l.mean, p50: l.p50, p99: l.p99, p999: l.p999, max: l.max }
}

fn services(m: &Metrics) -> BTreeMap<String, ServiceSummary> {
    m.services
        .iter()
        .map(|s| {
            let (wait, latency) = (s.queue_wait(), s.latency());
            let summary = ServiceSummary {
                workers: s.workers,
                completed: s.completed,
                rejected: s.rejected(),
                rejections: rejections(&s.rejected_by),
                utilization: s.utilization(m.end()),
                max_queue: s.max_queue,
                mean_queue: s.mean_queue(m.end()),
                queue_wait_s: WaitStats { mean: wait.mean, p99: wait.p99 },
                latency_s: WaitStats { mean: latency.mean, p99: latency.p99 },
            };
            (s.name.clone(), summary)
        })
        .collect()
}

fn invariants(outcome: &Outcome) -> Vec<InvariantSummary> {
    outcome
        .verdicts
        .iter()
        .map(|v| InvariantSummary {
            name: v.name.to_string(),
            description: v.description.clone(),
            holds: v.holds,
            first_violation_s: v.violation.as_ref().map(|x| x.at.as_secs_f64()),
            request: v.violation.as_ref().and_then(|x| x.request),
            detail: v.violation.as_ref().map(|x| x.detail.clone()),
            figures: Figures(v.figures.iter().map(|&(n, x)| (n.to_string(), x)).collect()),
        })
        .collect()
}

impl Series {
    pub fn new(scenario: &Scenario, metrics: &Metrics) -> Self {
        Series {
            window_s: metrics.window().as_secs_f64(),
            services: metrics.services.iter().map(|s| s.name.clone()).collect(),
            windows: metrics
                .windows
                .iter()
                .map(|w| series_window(w, metrics.services.len()))
                .collect(),
            bands: [bands(scenario), network_bands(scenario), breaker_bands(metrics)].concat(),
            slos: slos(scenario),
            queue_bounds: queue_bounds(scenario),
            latency_cdf: metrics.latency_cdf(),
            clocks: clock_series(metrics),
            subscriptions: crate::messaging::subscription_depths(metrics),
            replica_lag: crate::database::replica_lags(metrics),
        }
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string(self).expect("a series always serialises");
        text.push('\n');
        text
    }
}

/// The warm-up and every change of load a client's shape makes.
pub(crate) fn bands(scenario: &Scenario) -> Vec<Band> {
    let mut bands = Vec::new();
    if !scenario.warmup.is_zero() {
        bands.push(Band {
            kind: BandKind::WarmUp,
            label: "warm-up".into(),
            start_s: 0.0,
            end_s: scenario.warmup.as_secs_f64(),
        });
    }
    let end = scenario.duration.as_secs_f64();
    for client in &scenario.world.clients {
        let band = match client.shape {
            LoadShape::Const => continue,
            LoadShape::Spike { at, until, factor } => {
                (format!("{} × {factor} load", client.name), at.as_secs_f64(), until.as_secs_f64())
            }
            LoadShape::Step { at, to } => {
                (format!("{} load → {}/s", client.name, to.0), at.as_secs_f64(), end)
            }
            LoadShape::Ramp { to, start, end } => (
                format!("{} ramps to {}/s", client.name, to.0),
                start.as_secs_f64(),
                end.as_secs_f64(),
            ),
        };
        let (label, start_s, end_s) = band;
        bands.push(Band { kind: BandKind::LoadChange, label, start_s, end_s: end_s.min(end) });
    }
    bands.extend(scenario.world.faults.iter().map(|f| Band {
        kind: BandKind::Fault,
        label: fault_label(scenario, f),
        start_s: f.start.as_secs_f64(),
        end_s: f.end.as_secs_f64().min(end),
    }));
    bands
}

pub(crate) fn fault_label(scenario: &Scenario, fault: &Fault) -> String {
    let service = &scenario.world.services[fault.service].name;
    match fault.kind {
        FaultKind::Slowdown { factor } => format!("{service} {factor}× slower"),
        FaultKind::Fail { share } => format!("{service} fails {:.0} %", share * 100.0),
        FaultKind::Down => format!("{service} down"),
    }
}

/// Stretches during which a breaker was open (until it half-opened or closed), per call site.
fn breaker_bands(metrics: &Metrics) -> Vec<Band> {
    let mut open_since: BTreeMap<&str, f64> = BTreeMap::new();
    let mut bands = Vec::new();
    for change in &metrics.breaker_changes {
        let at = change.at.as_secs_f64();
        if change.to == BreakerState::Open {
            open_since.entry(change.site.as_str()).or_insert(at);
        } else if let Some(start) = open_since.remove(change.site.as_str()) {
            bands.push(Band {
                kind: BandKind::BreakerOpen,
                label: format!("breaker {} open", change.site),
                start_s: start,
                end_s: at,
            });
        }
    }
    let end = metrics.end().as_secs_f64();
    bands.extend(open_since.into_iter().map(|(site, start)| Band {
        kind: BandKind::BreakerOpen,
        label: format!("breaker {site} open"),
        start_s: start,
        end_s: end,
    }));
    bands
}

fn slos(scenario: &Scenario) -> Vec<SloLine> {
    scenario
        .invariants
        .iter()
        .filter_map(|inv| match inv {
            Invariant::LatencySlo { percentile, bound, .. } => Some(SloLine {
                label: inv.describe(),
                percentile: *percentile,
                bound_s: bound.as_secs_f64(),
            }),
            _ => None,
        })
        .collect()
}

fn queue_bounds(scenario: &Scenario) -> Vec<QueueBound> {
    scenario
        .invariants
        .iter()
        .filter_map(|inv| match inv {
            Invariant::QueueBounded { service_name, max, .. } => {
                Some(QueueBound { service: service_name.clone(), max: *max })
            }
            _ => None,
        })
        .collect()
}

/// A window of the series, with a figure for each of the run's `services` (the window holds
/// only those that were not idle).
fn series_window(w: &Window, services: usize) -> SeriesWindow {
    SeriesWindow {
        start_s: w.start_s,
        arrived: w.arrived,
        completed: w.completed,
        failed: w.failed,
        rejected: w.rejected,
        served: w.served,
        attempts: w.attempts,
        retries: w.retries,
        wasted_s: w.wasted_s,
        rejections: rejections(&w.rejections_by),
        breakers_open: w.breakers_open,
        latency_p50_s: w.latency_p50_s,
        latency_p99_s: w.latency_p99_s,
        latency_max_s: w.latency_max_s,
        queue_max: (0..services).map(|i| w.service(i).max_queue as usize).collect(),
        utilization: (0..services).map(|i| w.service(i).utilization).collect(),
    }
}
