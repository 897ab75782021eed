//! A service's waiting line: FIFO, strict priority by request class (optionally with ageing),
//! or weighted fair sharing between classes.

use std::collections::VecDeque;

use faultline_engine::{SimDuration, SimTime};

/// How a service picks the next waiting request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Discipline {
    /// First come, first served, whatever the class.
    Fifo,
    /// Always the most important class first; `order` lists class indices, most important first.
    Strict { order: Vec<u8> },
    /// Classes share the workers in proportion to `weights` (indexed by class) while they have
    /// work waiting; none is starved.
    Weighted { weights: Vec<u32> },
}

/// The stride of a class with weight 1; strides are this divided by the weight.
const STRIDE_UNIT: u64 = 1 << 32;

#[derive(Debug)]
pub(crate) struct JobQueue {
    /// One lane per class (a single lane for FIFO): (job slot, when it joined).
    lanes: Vec<VecDeque<(u32, SimTime)>>,
    discipline: Discipline,
    /// With strict priority, a request that has waited this long goes first whatever its class.
    ageing: Option<SimDuration>,
    /// Weighted sharing: each lane's pass (stride scheduling) and the pass last served.
    pass: Vec<u64>,
    served_pass: u64,
    len: usize,
}

impl JobQueue {
    pub(crate) fn new(discipline: Discipline, ageing: Option<SimDuration>, classes: usize) -> Self {
        let lanes = if discipline == Discipline::Fifo { 1 } else { classes.max(1) };
        JobQueue {
            lanes: (0..lanes).map(|_| VecDeque::with_capacity(16)).collect(),
            discipline,
            ageing,
            pass: vec![0; lanes],
            served_pass: 0,
            len: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn push(&mut self, job: u32, class: u8, now: SimTime) {
        let lane = if self.lanes.len() == 1 { 0 } else { class as usize };
        if self.lanes[lane].is_empty() {
            // A class that was idle rejoins at the current pass: it gets no credit for idling.
            self.pass[lane] = self.pass[lane].max(self.served_pass);
        }
        self.lanes[lane].push_back((job, now));
        self.len += 1;
    }

    pub(crate) fn pop(&mut self, now: SimTime) -> Option<u32> {
        let lane = self.next_lane(now)?;
        self.len -= 1;
        if let Discipline::Weighted { weights } = &self.discipline {
            self.served_pass = self.pass[lane];
            self.pass[lane] += STRIDE_UNIT / u64::from(weights[lane].max(1));
        }
        self.lanes[lane].pop_front().map(|(job, _)| job)
    }

    fn next_lane(&self, now: SimTime) -> Option<usize> {
        let waiting = |lane: &usize| !self.lanes[*lane].is_empty();
        match &self.discipline {
            Discipline::Fifo => (self.len > 0).then_some(0),
            Discipline::Strict { order } => self.aged_lane(now).or_else(|| {
                order
                    .iter()
                    .map(|&c| c as usize)
                    .find(|lane| *lane < self.lanes.len() && waiting(lane))
            }),
            Discipline::Weighted { .. } => {
                (0..self.lanes.len()).filter(waiting).min_by_key(|&lane| (self.pass[lane], lane))
            }
        }
    }

    /// The lane whose first request has waited longest, if that is past the ageing limit.
    fn aged_lane(&self, now: SimTime) -> Option<usize> {
        let limit = self.ageing?;
        let heads =
            self.lanes.iter().enumerate().filter_map(|(i, l)| l.front().map(|&(_, t)| (t, i)));
        let (since, lane) = heads.min()?;
        (now - since >= limit).then_some(lane)
    }

    /// Takes a job out of the queue (its caller cancelled it). False if it was not there.
    pub(crate) fn remove(&mut self, job: u32) -> bool {
        for lane in &mut self.lanes {
            if let Some(i) = lane.iter().position(|&(j, _)| j == job) {
                lane.remove(i);
                self.len -= 1;
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_millis(ms)
    }

    fn drain(q: &mut JobQueue, now: SimTime) -> Vec<u32> {
        std::iter::from_fn(|| q.pop(now)).collect()
    }

    #[test]
    fn fifo_ignores_classes() {
        let mut q = JobQueue::new(Discipline::Fifo, None, 2);
        q.push(1, 1, t(0));
        q.push(2, 0, t(1));
        assert_eq!(drain(&mut q, t(2)), vec![1, 2]);
    }

    #[test]
    fn strict_priority_serves_the_top_class_first() {
        let mut q = JobQueue::new(Discipline::Strict { order: vec![0, 1] }, None, 2);
        q.push(10, 1, t(0));
        q.push(20, 0, t(1));
        q.push(21, 0, t(2));
        assert_eq!(drain(&mut q, t(3)), vec![20, 21, 10]);
    }

    #[test]
    fn ageing_lets_a_long_waiter_through() {
        let mut q = JobQueue::new(
            Discipline::Strict { order: vec![0, 1] },
            Some(SimDuration::from_millis(100)),
            2,
        );
        q.push(10, 1, t(0));
        q.push(20, 0, t(50));
        assert_eq!(q.pop(t(99)), Some(20)); // the low one has waited only 99 ms
        q.push(21, 0, t(99));
        assert_eq!(q.pop(t(150)), Some(10)); // 150 ms: aged past the limit
    }

    #[test]
    fn weighted_sharing_follows_the_weights() {
        let mut q = JobQueue::new(Discipline::Weighted { weights: vec![3, 1] }, None, 2);
        for i in 0..8 {
            q.push(i, 0, t(0));
            q.push(100 + i, 1, t(0));
        }
        let first_eight = drain(&mut q, t(1)).into_iter().take(8).filter(|&j| j >= 100).count();
        assert_eq!(first_eight, 2, "class 1 gets a quarter of the service");
    }

    #[test]
    fn removal_finds_a_job_in_any_lane() {
        let mut q = JobQueue::new(Discipline::Weighted { weights: vec![1, 1] }, None, 2);
        q.push(1, 0, t(0));
        q.push(2, 1, t(0));
        assert!(q.remove(2) && !q.remove(2));
        assert_eq!((q.len(), drain(&mut q, t(1))), (1, vec![1]));
    }
}
