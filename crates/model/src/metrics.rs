//! What a run measures: counts, latency histograms, utilisation, queue depths, and a fixed-window
//! time series for plots.
//!
//! Memory is bounded by the number of services and windows, never by the number of requests:
//! latencies go into log-linear histograms (< 0.8 % relative error).

use faultline_engine::{SimDuration, SimTime};

use crate::TimeAverage;
use crate::call::{Outcome, Rejection};
use crate::latencies::{Latencies, LatencySummary};
use crate::policy::BreakerState;
use crate::stats::{Areas, Occupancy};

/// Per-service measurements, for jobs whose request arrived after the warm-up.
#[derive(Debug, Clone)]
pub struct ServiceMetrics {
    pub name: String,
    pub workers: u32,
    /// Jobs finished (whether or not anybody still waited for them).
    pub completed: u64,
    /// Attempts turned away, by reason (indexed like [`Rejection::ALL`]).
    pub rejected_by: [u64; 5],
    /// Deepest the queue ever got (whole run).
    pub max_queue: usize,
    warmup: SimTime,
    occupancy: Occupancy,
    /// The occupancy integrals at the end of the warm-up, once it is over.
    at_warmup: Option<Areas>,
    /// The occupancy integrals at the start of the current window.
    at_window_start: Areas,
    queue_wait: Latencies,
    latency: Latencies,
    window_max_queue: usize,
    window_completed: u64,
}

impl ServiceMetrics {
    fn new(name: &str, workers: u32, warmup: SimTime, max: SimDuration) -> Self {
        ServiceMetrics {
            name: name.to_string(),
            workers,
            completed: 0,
            rejected_by: [0; 5],
            max_queue: 0,
            warmup,
            occupancy: Occupancy::default(),
            at_warmup: None,
            at_window_start: Areas::default(),
            queue_wait: Latencies::new(max),
            latency: Latencies::new(max),
            window_max_queue: 0,
            window_completed: 0,
        }
    }

    pub fn rejected(&self) -> u64 {
        self.rejected_by.iter().sum()
    }
    /// Share of worker time spent busy after the warm-up.
    pub fn utilization(&self, end: SimTime) -> f64 {
        self.mean_after_warmup(end).busy / f64::from(self.workers)
    }
    /// Time-average number waiting in the queue after the warm-up.
    pub fn mean_queue(&self, end: SimTime) -> f64 {
        self.mean_after_warmup(end).queue
    }

    /// Average occupancy over [warm-up, end]; the current values if that span is empty.
    fn mean_after_warmup(&self, end: SimTime) -> Areas {
        let span = end.saturating_since(self.warmup).as_nanos();
        match self.at_warmup {
            Some(at_warmup) if span > 0 => {
                self.occupancy.areas_at(end).mean_since(&at_warmup, span)
            }
            _ => Areas {
                queue: f64::from(self.occupancy.queue()),
                busy: f64::from(self.occupancy.busy()),
            },
        }
    }
    pub fn queue_wait(&self) -> LatencySummary {
        self.queue_wait.summary()
    }
    /// Time from arrival at this service to the job's end.
    pub fn latency(&self) -> LatencySummary {
        self.latency.summary()
    }
    /// The `q` quantile (0..1) of time at this service, in seconds.
    pub fn latency_quantile(&self, q: f64) -> f64 {
        self.latency.quantile(q).as_secs_f64()
    }
}

/// One service's share of a time-series window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowService {
    pub completed: u64,
    pub max_queue: usize,
    pub queue_at_end: usize,
    pub utilization: f64,
}

/// One fixed-width window of the time series. Latencies are of client requests that succeeded
/// in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub start_s: f64,
    /// New client requests (the offered load).
    pub arrived: u64,
    /// Attempts sent at every layer, first attempts and retries.
    pub attempts: u64,
    pub retries: u64,
    /// Client requests answered with success (goodput).
    pub completed: u64,
    /// Client requests that ended in an error or a timeout.
    pub failed: u64,
    pub rejected: u64,
    /// Jobs finished by the services clients call, whether or not anybody still waited.
    pub served: u64,
    /// Worker time spent on jobs nobody waited for any more, seconds.
    pub wasted_s: f64,
    /// Attempts turned away in this window, by reason (indexed like [`Rejection::ALL`]).
    pub rejections_by: [u64; 5],
    /// Circuit breakers open at the end of the window.
    pub breakers_open: u32,
    pub latency_p50_s: f64,
    pub latency_p99_s: f64,
    pub latency_max_s: f64,
    pub services: Vec<WindowService>,
}

/// Per request class: successful latency and the longest wait in any queue.
#[derive(Debug, Clone)]
pub struct ClassMetrics {
    pub name: String,
    latency: Latencies,
    /// Longest queue wait of a job of this class, anywhere, after the warm-up.
    pub max_wait: SimDuration,
}

impl ClassMetrics {
    pub fn latency(&self) -> LatencySummary {
        self.latency.summary()
    }
}

/// A circuit breaker changed state.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakerChange {
    pub at: SimTime,
    /// The call site, e.g. `api→payments`.
    pub site: String,
    pub to: BreakerState,
}

/// A service whose workers all wait on its own queued sub-tasks at the end of a run: deadlocked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StarvedPool {
    pub service: usize,
    pub workers: u32,
    pub queued: usize,
    /// Up to ten requests whose jobs hold the workers.
    pub waiting_requests: Vec<u64>,
}

/// At most this many breaker changes are kept; a flapping breaker must not grow memory.
pub const MAX_BREAKER_CHANGES: usize = 10_000;

/// Everything a run measures.
#[derive(Debug, Clone)]
pub struct Metrics {
    warmup: SimTime,
    end: SimTime,
    window: SimDuration,
    /// Client requests: arrived, and how they ended.
    pub arrived: u64,
    pub completed: u64,
    pub failed: u64,
    pub timed_out: u64,
    pub rejected: u64,
    /// Attempts at every layer, and how many of them were retries.
    pub attempts: u64,
    pub retries: u64,
    /// Attempts turned away anywhere, by reason (indexed like [`Rejection::ALL`]).
    pub rejections_by: [u64; 5],
    /// Worker seconds spent on jobs nobody waited for any more.
    pub wasted_work_s: f64,
    /// Arrivals at or after the warm-up, for throughput and Little's law.
    pub arrived_after_warmup: u64,
    pub breaker_changes: Vec<BreakerChange>,
    /// Call sites whose breaker is open now (few; a Vec keeps the order deterministic).
    open_breakers: Vec<String>,
    /// At the end: the client request in flight the longest (request, arrival).
    pub oldest_in_flight: Option<(u64, SimTime)>,
    /// At the end: pools that cannot make progress.
    pub starved_pools: Vec<StarvedPool>,
    /// Messages the network carried, when the world has one.
    pub network: Option<crate::NetStats>,
    /// What each node with a clock of its own did with it, when the world has clocks: one
    /// trace per node name, in node order.
    pub clocks: Vec<crate::ClockTrace>,
    latency: Latencies,
    /// How long client requests that arrived after the warm-up took to fail (error or timeout,
    /// after any retries), and to be turned away: the other half of the latency story.
    failed_latency: Latencies,
    rejected_latency: Latencies,
    /// Time in system of every client request that ended (any outcome), for L = λW: seconds
    /// summed, and how many.
    sojourn: (f64, u64),
    in_system: TimeAverage,
    pub services: Vec<ServiceMetrics>,
    pub classes: Vec<ClassMetrics>,
    pub windows: Vec<Window>,
    window_start: SimTime,
    window_end: SimTime,
    /// The next instant at which [`Metrics::advance_to`] has work: the end of the current
    /// window, or of the warm-up if that comes first.
    next_mark: SimTime,
    current: Window,
    window_latency: Latencies,
}

impl Metrics {
    pub fn new(
        services: &[(String, u32)],
        classes: &[String],
        warmup: SimTime,
        end: SimTime,
        window: SimDuration,
    ) -> Self {
        let max = end.saturating_since(SimTime::ZERO);
        Metrics {
            warmup,
            end,
            window,
            arrived: 0,
            completed: 0,
            failed: 0,
            timed_out: 0,
            rejected: 0,
            attempts: 0,
            retries: 0,
            rejections_by: [0; 5],
            wasted_work_s: 0.0,
            arrived_after_warmup: 0,
            breaker_changes: Vec::new(),
            open_breakers: Vec::new(),
            oldest_in_flight: None,
            starved_pools: Vec::new(),
            network: None,
            clocks: Vec::new(),
            latency: Latencies::new(max),
            failed_latency: Latencies::new(max),
            rejected_latency: Latencies::new(max),
            sojourn: (0.0, 0),
            in_system: TimeAverage::starting_at(warmup),
            services: services
                .iter()
                .map(|(n, w)| ServiceMetrics::new(n, *w, warmup, max))
                .collect(),
            classes: classes
                .iter()
                .map(|name| ClassMetrics {
                    name: name.clone(),
                    latency: Latencies::new(max),
                    max_wait: SimDuration::ZERO,
                })
                .collect(),
            windows: Vec::new(),
            window_start: SimTime::ZERO,
            window_end: SimTime::ZERO + window,
            next_mark: warmup.min(SimTime::ZERO + window),
            current: empty_window(0.0, services.len()),
            window_latency: Latencies::new(max),
        }
    }

    pub fn warmup(&self) -> SimTime {
        self.warmup
    }
    pub fn end(&self) -> SimTime {
        self.end
    }
    pub fn window(&self) -> SimDuration {
        self.window
    }

    /// End-to-end latency of client requests that succeeded, arrived after the warm-up.
    pub fn latency(&self) -> LatencySummary {
        self.latency.summary()
    }

    /// How long client requests that failed (error or timeout) took to fail, after the warm-up.
    pub fn failed_latency(&self) -> LatencySummary {
        self.failed_latency.summary()
    }

    /// How long client requests that were turned away took to get that answer (retries
    /// included), after the warm-up.
    pub fn rejected_latency(&self) -> LatencySummary {
        self.rejected_latency.summary()
    }

    /// The histogram behind [`Metrics::latency`], in nanoseconds.
    pub fn latency_histogram(&self) -> &Latencies {
        &self.latency
    }

    /// The `q` quantile (0..1) of successful end-to-end latency, in seconds.
    pub fn latency_quantile(&self, q: f64) -> f64 {
        self.latency.quantile(q).as_secs_f64()
    }

    /// Mean time in system of client requests that ended after arriving after the warm-up,
    /// whatever the outcome (W in L = λW).
    pub fn mean_sojourn(&self) -> f64 {
        let (sum, count) = self.sojourn;
        if count == 0 { 0.0 } else { sum / count as f64 }
    }

    /// Attempts per call, over every layer: 1.0 when nothing is retried. Retries at several
    /// layers multiply: a retried client request makes new calls downstream, each retried again.
    pub fn amplification(&self) -> f64 {
        let calls = self.attempts - self.retries;
        if calls == 0 { 1.0 } else { self.attempts as f64 / calls as f64 }
    }

    /// The end-to-end latency distribution as (seconds, cumulative fraction) points, dense in
    /// the body and in the tail (up to the 99.999th percentile), for a CDF plot.
    pub fn latency_cdf(&self) -> Vec<(f64, f64)> {
        if self.latency.is_empty() {
            return Vec::new();
        }
        let body = (1..200).map(|i| f64::from(i) / 200.0);
        let tail = (0..=40).map(|i| 1.0 - 10f64.powf(-2.3 - f64::from(i) * 0.0675));
        let qs: Vec<f64> = body.chain(tail).collect();
        let values = self.latency.quantiles(&qs);
        values.iter().zip(qs).map(|(v, q)| (v.as_secs_f64(), q)).collect()
    }

    /// Time-average number of client requests in the system after the warm-up (L in L = λW).
    pub fn mean_in_system(&self) -> f64 {
        self.in_system.mean_until(self.end)
    }

    /// Offered load after the warm-up: client requests per second (λ in L = λW).
    pub fn arrival_rate(&self) -> f64 {
        let span = self.end.saturating_since(self.warmup).as_secs_f64();
        if span > 0.0 { self.arrived_after_warmup as f64 / span } else { 0.0 }
    }

    /// Ends the warm-up and closes every window that ends at or before `now`. Called before
    /// each event is handled, so nothing has changed since the last mark passed.
    #[inline]
    pub(crate) fn advance_to(&mut self, now: SimTime) {
        if now >= self.next_mark {
            self.pass_marks(now);
        }
    }

    fn pass_marks(&mut self, now: SimTime) {
        if now >= self.warmup {
            // Only the first mark past the warm-up snapshots: nothing has changed since it.
            let warmup = self.warmup;
            for service in &mut self.services {
                service.at_warmup.get_or_insert_with(|| service.occupancy.areas_at(warmup));
            }
        }
        while now >= self.window_end && self.window_start < self.end {
            self.close_window();
        }
        self.next_mark =
            if now >= self.warmup { self.window_end } else { self.window_end.min(self.warmup) };
    }

    fn close_window(&mut self) {
        let (start, end) = (self.window_start, self.window_end);
        for (service, window) in self.services.iter_mut().zip(&mut self.current.services) {
            let areas = service.occupancy.areas_at(end);
            let mean = areas.mean_since(&service.at_window_start, (end - start).as_nanos());
            window.utilization = mean.busy / f64::from(service.workers);
            window.completed = service.window_completed;
            window.max_queue = service.window_max_queue;
            window.queue_at_end = service.occupancy.queue() as usize;
            service.at_window_start = areas;
            service.window_max_queue = window.queue_at_end;
            service.window_completed = 0;
        }
        self.current.breakers_open = self.open_breakers.len() as u32;
        let latency = self.window_latency.summary();
        self.current.latency_p50_s = latency.p50;
        self.current.latency_p99_s = latency.p99;
        self.current.latency_max_s = latency.max;
        self.window_latency.reset();
        let next = empty_window(end.as_secs_f64(), self.services.len());
        self.windows.push(std::mem::replace(&mut self.current, next));
        self.window_start = end;
        self.window_end = end + self.window;
    }

    /// Closes the last (possibly partial) windows at the end of the run.
    pub(crate) fn finish(&mut self) {
        if let [only] = self.classes.as_mut_slice() {
            only.latency = self.latency.clone();
        }
        self.advance_to(self.end);
        if self.window_start < self.end {
            self.close_window();
        }
    }

    #[inline]
    pub(crate) fn on_arrival(&mut self, now: SimTime, in_system: usize) {
        self.arrived += 1;
        self.current.arrived += 1;
        if now >= self.warmup {
            self.arrived_after_warmup += 1;
        }
        self.in_system.set(now, in_system as f64);
    }

    #[inline]
    pub(crate) fn on_attempt(&mut self, retry: bool) {
        self.attempts += 1;
        self.current.attempts += 1;
        if retry {
            self.retries += 1;
            self.current.retries += 1;
        }
    }

    #[inline]
    pub(crate) fn on_reject(&mut self, service: usize, reason: Rejection) {
        let index = reason as usize;
        self.rejections_by[index] += 1;
        self.current.rejections_by[index] += 1;
        self.services[service].rejected_by[index] += 1;
    }

    /// A client request ended.
    #[inline]
    pub(crate) fn on_root_done(&mut self, now: SimTime, done: RootDone, in_system: usize) {
        let RootDone { arrived, class, outcome } = done;
        let latency = now - arrived;
        match outcome {
            Outcome::Success => {
                self.completed += 1;
                self.current.completed += 1;
                self.window_latency.record(latency);
                if arrived >= self.warmup {
                    self.latency.record(latency);
                    // With one class its latency is the overall latency: skip the copy.
                    if self.classes.len() > 1 {
                        self.classes[class as usize].latency.record(latency);
                    }
                }
            }
            Outcome::Rejected(_) => {
                self.rejected += 1;
                self.current.rejected += 1;
                if arrived >= self.warmup {
                    self.rejected_latency.record(latency);
                }
            }
            Outcome::Error | Outcome::Timeout => {
                self.failed += 1;
                self.current.failed += 1;
                self.timed_out += u64::from(outcome == Outcome::Timeout);
                if arrived >= self.warmup {
                    self.failed_latency.record(latency);
                }
            }
        }
        if arrived >= self.warmup {
            self.sojourn.0 += latency.as_secs_f64();
            self.sojourn.1 += 1;
        }
        self.in_system.set(now, in_system as f64);
    }

    #[inline]
    pub(crate) fn on_queue_change(
        &mut self,
        now: SimTime,
        service: usize,
        depth: usize,
        busy: u32,
    ) {
        let s = &mut self.services[service];
        s.occupancy.set(now, depth as u32, busy);
        s.max_queue = s.max_queue.max(depth);
        s.window_max_queue = s.window_max_queue.max(depth);
    }

    #[inline]
    pub(crate) fn on_start(&mut self, counted: bool, service: usize, class: u8, wait: SimDuration) {
        if counted {
            self.services[service].queue_wait.record(wait);
            let class = &mut self.classes[class as usize];
            class.max_wait = class.max_wait.max(wait);
        }
    }

    /// A job finished at `service` after arriving there at `enqueued`; `wasted` is its worker
    /// time if nobody waited for it any more.
    #[inline]
    pub(crate) fn on_job_done(&mut self, now: SimTime, job: JobDone) {
        let s = &mut self.services[job.service];
        s.window_completed += 1;
        if job.counted {
            s.completed += 1;
            s.latency.record(now - job.enqueued);
        }
        if job.entry {
            self.current.served += 1;
        }
        if let Some(wasted) = job.wasted {
            self.wasted_work_s += wasted.as_secs_f64();
            self.current.wasted_s += wasted.as_secs_f64();
        }
    }

    pub(crate) fn on_breaker(&mut self, at: SimTime, site: &str, to: BreakerState) {
        let was_open = self.open_breakers.contains(&site.to_string());
        match (to == BreakerState::Open, was_open) {
            (true, false) => self.open_breakers.push(site.to_string()),
            (false, true) => self.open_breakers.retain(|s| s != site),
            _ => {}
        }
        if self.breaker_changes.len() < MAX_BREAKER_CHANGES {
            self.breaker_changes.push(BreakerChange { at, site: site.to_string(), to });
        }
    }
}

/// What the metrics need to know about a finished client request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RootDone {
    pub(crate) arrived: SimTime,
    pub(crate) class: u8,
    pub(crate) outcome: Outcome,
}

/// What the metrics need to know about a finished job.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JobDone {
    pub(crate) service: usize,
    pub(crate) enqueued: SimTime,
    pub(crate) counted: bool,
    pub(crate) entry: bool,
    pub(crate) wasted: Option<SimDuration>,
}

fn empty_window(start_s: f64, services: usize) -> Window {
    Window {
        start_s,
        arrived: 0,
        attempts: 0,
        retries: 0,
        completed: 0,
        failed: 0,
        rejected: 0,
        served: 0,
        wasted_s: 0.0,
        rejections_by: [0; 5],
        breakers_open: 0,
        latency_p50_s: 0.0,
        latency_p99_s: 0.0,
        latency_max_s: 0.0,
        services: vec![
            WindowService {
                completed: 0,
                max_queue: 0,
                queue_at_end: 0,
                utilization: 0.0
            };
            services
        ],
    }
}
