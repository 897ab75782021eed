//! What a run measures: counts, latency histograms, utilisation, queue depths, and a fixed-window
//! time series for plots.
//!
//! Memory is bounded by the number of services and windows, never by the number of requests:
//! latencies go into log-linear histograms (< 0.8 % relative error) whose memory follows the
//! values they hold. A window records only the services that were not idle in it (something
//! happened there, or work was queued or running), and closing a window looks only at those: a
//! run with ten thousand idle services costs no more per window than one without them.

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
    /// Deepest the queue ever got (whole run), as of the last window closed (so all of it once
    /// the run is over).
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
    /// On [`Metrics::active`]: something happened here in the current window, or work was
    /// queued or running at its start.
    active: bool,
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
            active: false,
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
    /// Share of the jobs started after the warm-up that waited in the queue at all (P(wait) of
    /// queueing theory); 0 when none started.
    pub fn waited_share(&self) -> f64 {
        let started = self.queue_wait.len();
        if started == 0 { 0.0 } else { (started - self.queue_wait.zeros()) as f64 / started as f64 }
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
    /// The service's index.
    pub service: u32,
    /// Queue depths: at most `limits.max_in_flight`, a `u32`.
    pub max_queue: u32,
    pub queue_at_end: u32,
    pub completed: u64,
    pub utilization: f64,
}

impl WindowService {
    /// The share of an idle service: nothing happened, nothing queued or running.
    pub fn idle(service: u32) -> Self {
        WindowService { service, max_queue: 0, queue_at_end: 0, completed: 0, utilization: 0.0 }
    }

    fn is_idle(&self) -> bool {
        let WindowService { service: _, max_queue, queue_at_end, completed, utilization } = *self;
        // By its bits: an idle service's utilization is +0.0.
        (max_queue, queue_at_end, completed, utilization.to_bits()) == (0, 0, 0, 0)
    }
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
    /// The services that were not idle in the window, by index; [`Window::service`] reads any.
    pub services: Vec<WindowService>,
}

impl Window {
    /// The share of service `index` ([`WindowService::idle`] if it is not in `services`).
    pub fn service(&self, index: usize) -> WindowService {
        let index = index as u32;
        match self.services.binary_search_by_key(&index, |s| s.service) {
            Ok(at) => self.services[at],
            Err(_) => WindowService::idle(index),
        }
    }
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
    /// Messages the network carried and the latency of its links, when the world has one.
    pub network: Option<crate::NetworkMetrics>,
    /// What each node with a clock of its own did with it, when the world has clocks: one
    /// trace per node name, in node order.
    pub clocks: Vec<crate::ClockTrace>,
    /// Tokens issued and checked, and the checks that went wrong, when clients hold tokens.
    pub tokens: Option<crate::TokenCounts>,
    /// Each replicated register's history of operations and leaders.
    pub registers: Vec<crate::RegisterHistory>,
    /// Each subscription's account of its messages (empty without topics).
    pub brokers: Vec<crate::broker::SubscriptionReport>,
    /// Each replicated database's reads, staleness and replica lag.
    pub databases: Vec<crate::DatabaseMetrics>,
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
    /// The services a window's end must look at, those flagged `active`, in
    /// `active[..active_len]`. Room for every service: adding one never allocates (nor calls
    /// anything, which keeps the hot callers free of spills).
    active: Box<[u32]>,
    active_len: usize,
    /// The occupancy integrals at the end of the warm-up are taken.
    warmup_taken: bool,
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
            tokens: None,
            registers: Vec::new(),
            brokers: Vec::new(),
            databases: Vec::new(),
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
            current: Window::empty(0.0),
            window_latency: Latencies::new(max),
            active: vec![0; services.len()].into_boxed_slice(),
            active_len: 0,
            warmup_taken: false,
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
        if now >= self.warmup && !self.warmup_taken {
            // Only the first mark past the warm-up snapshots: nothing has changed since it.
            let warmup = self.warmup;
            for service in &mut self.services {
                service.at_warmup = Some(service.occupancy.areas_at(warmup));
            }
            self.warmup_taken = true;
        }
        while now >= self.window_end && self.window_start < self.end {
            self.close_window();
        }
        self.next_mark =
            if now >= self.warmup { self.window_end } else { self.window_end.min(self.warmup) };
    }

    /// Closes the current window. Only the active services are looked at: any other has been
    /// idle since the end of a window that left it with nothing queued or running, so its
    /// integrals have not moved since (its window-start snapshot is still exact) and its share
    /// is [`WindowService::idle`]. A service that ends the window idle leaves the active list.
    fn close_window(&mut self) {
        let (start, end) = (self.window_start, self.window_end);
        let active = &mut self.active[..self.active_len];
        active.sort_unstable();
        // At most one record per active service: no room to spare across thousands of windows.
        self.current.services.reserve_exact(active.len());
        let mut kept = 0;
        for at in 0..active.len() {
            let index = active[at];
            let service = &mut self.services[index as usize];
            let areas = service.occupancy.areas_at(end);
            let mean = areas.mean_since(&service.at_window_start, (end - start).as_nanos());
            let record = WindowService {
                service: index,
                utilization: mean.busy / f64::from(service.workers),
                completed: service.window_completed,
                max_queue: service.window_max_queue as u32,
                queue_at_end: service.occupancy.queue(),
            };
            service.max_queue = service.max_queue.max(service.window_max_queue);
            service.at_window_start = areas;
            service.window_max_queue = record.queue_at_end as usize;
            service.window_completed = 0;
            if !record.is_idle() {
                self.current.services.push(record);
            }
            service.active = service.occupancy.queue() > 0 || service.occupancy.busy() > 0;
            if service.active {
                active[kept] = index;
                kept += 1;
            }
        }
        self.active_len = kept;
        self.current.breakers_open = self.open_breakers.len() as u32;
        let latency = self.window_latency.summary();
        self.current.latency_p50_s = latency.p50;
        self.current.latency_p99_s = latency.p99;
        self.current.latency_max_s = latency.max;
        self.window_latency.reset();
        let next = Window::empty(end.as_secs_f64());
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
        let s = self.active_service(service);
        s.occupancy.set(now, depth as u32, busy);
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
        let s = self.active_service(job.service);
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

    /// Service `index`, put on the active list if it is not on it: something happens there.
    #[inline]
    fn active_service(&mut self, index: usize) -> &mut ServiceMetrics {
        let service = &mut self.services[index];
        if !service.active {
            service.active = true;
            self.active[self.active_len] = index as u32;
            self.active_len += 1;
        }
        service
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

impl Window {
    /// A window from `start_s` in which nothing has happened yet.
    pub fn empty(start_s: f64) -> Window {
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
            services: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_millis(ms)
    }

    fn done(service: usize) -> JobDone {
        JobDone { service, enqueued: at(0), counted: true, entry: true, wasted: None }
    }

    #[test]
    fn windows_hold_only_services_that_were_not_idle() {
        let services: Vec<(String, u32)> = ["a", "b", "c"].map(|n| (n.to_string(), 1)).into();
        let mut m = Metrics::new(&services, &[], at(0), at(6_000), SimDuration::from_secs(1));
        m.advance_to(at(500));
        m.on_queue_change(at(500), 1, 0, 1); // b starts a job that runs through window 1
        m.advance_to(at(2_500));
        m.on_job_done(at(2_500), done(1));
        m.on_queue_change(at(2_500), 1, 0, 0);
        m.advance_to(at(3_200));
        m.on_queue_change(at(3_200), 2, 3, 1); // c: three queued, one running
        m.advance_to(at(3_700));
        m.on_queue_change(at(3_700), 2, 0, 0); // all shed at once
        m.finish();
        let shares: Vec<Vec<(u32, u64, u32, f64)>> = m
            .windows
            .iter()
            .map(|w| {
                w.services
                    .iter()
                    .map(|s| (s.service, s.completed, s.max_queue, s.utilization))
                    .collect()
            })
            .collect();
        let want: Vec<Vec<(u32, u64, u32, f64)>> = vec![
            vec![(1, 0, 0, 0.5)],
            vec![(1, 0, 0, 1.0)], // busy all along without an event: still recorded
            vec![(1, 1, 0, 0.5)],
            vec![(2, 0, 3, 0.5)],
            vec![],
            vec![],
        ];
        assert_eq!(shares, want);
        assert_eq!(m.windows[4].service(1), WindowService::idle(1));
        assert_eq!(m.windows[2].service(1).completed, 1);
        let max_queue: Vec<usize> = m.services.iter().map(|s| s.max_queue).collect();
        assert_eq!(max_queue, [0, 0, 3]);
        assert_eq!(m.active_len, 0, "every service ended idle");
    }
}
