//! What the run leaves at its end: the oldest request still in flight and pools that
//! deadlocked on their own sub-tasks.
//!
//! Must never change the world: it only reads it.

use super::*;

impl<O: Observer> World<O> {
    /// The client request in flight the longest: (request, arrival).
    pub(super) fn oldest_request(&self) -> Option<(u64, SimTime)> {
        self.calls
            .iter()
            .filter(|c| c.live && c.caller == Caller::Client)
            .map(|c| (c.arrived, c.request))
            .min()
            .map(|(arrived, request)| (request, arrived))
    }

    /// Services whose every worker is held by a job waiting on sub-tasks of the same service
    /// while jobs wait in its queue: the answers wait for a worker that only they could free, so
    /// nothing there will ever move again (a pool-induced deadlock).
    pub(super) fn starved_pools(&self) -> Vec<StarvedPool> {
        let mut holding: Vec<Vec<&Job>> = vec![Vec::new(); self.services.len()];
        for job in self.jobs.iter().filter(|j| j.live && j.running) {
            holding[job.service as usize].push(job);
        }
        holding
            .iter()
            .enumerate()
            .filter(|(s, jobs)| self.is_starved(*s, jobs))
            .map(|(s, jobs)| StarvedPool {
                service: s,
                workers: jobs.len() as u32,
                queued: self.services[s].queue_len(),
                waiting_requests: jobs.iter().map(|j| j.request).take(10).collect(),
            })
            .collect()
    }

    pub(super) fn is_starved(&self, service: usize, holding: &[&Job]) -> bool {
        let s = &self.services[service];
        s.busy() as usize == holding.len()
            && s.is_full()
            && s.queue_len() > 0
            && holding.iter().all(|j| j.pending > 0 && self.waits_on_itself(j))
    }

    /// True when a waiting job's pending calls go to its own service.
    pub(super) fn waits_on_itself(&self, job: &Job) -> bool {
        match self.handlers[job.handler as usize].get(job.step as usize) {
            Some(StepPlan::Calls { first, count }) => (*first..first + u32::from(*count))
                .any(|site| self.sites[site as usize].reaches(job.service as usize)),
            _ => false,
        }
    }
}
