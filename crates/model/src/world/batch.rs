//! Batching steps: jobs collected until the batch is full or has waited long enough, then
//! one call for all of them.
//!
//! Must never allocate per event: only per batch (its member list).

use super::*;

/// Requests collected by a batching step, waiting to be sent together.
#[derive(Debug, Default)]
pub(super) struct Batcher {
    pub(super) members: Vec<u32>,
    /// Bumped at every send, so a flush timer for an earlier batch is ignored.
    pub(super) epoch: u32,
}

impl<O: Observer> World<O> {
    /// Adds the job to a batch; sends the batch when full. Returns whether the job still waits.
    pub(super) fn join_batch(
        &mut self,
        slot: u32,
        batcher: u32,
        sched: &mut Scheduler<Event>,
    ) -> Result<u16, Box<LimitExceeded>> {
        let job = self.jobs.get_mut(slot);
        job.pending = 1;
        job.issuing = true;
        let plan = self.batcher_plans[batcher as usize];
        let b = &mut self.batchers[batcher as usize];
        b.members.push(slot);
        let (members, epoch) = (b.members.len(), b.epoch);
        if members == 1 {
            let fires = self.site_timer(plan.site, sched.now(), plan.wait);
            sched.at(fires, Event::Flush { batcher, epoch });
        }
        if members >= usize::from(plan.max) {
            self.send_batch(batcher, sched)?;
        }
        let job = self.jobs.get_mut(slot);
        job.issuing = false;
        Ok(job.pending)
    }

    pub(super) fn flush(&mut self, batcher: u32, epoch: u32, sched: &mut Scheduler<Event>) -> Flow {
        let b = &self.batchers[batcher as usize];
        if b.epoch == epoch && !b.members.is_empty() {
            self.send_batch(batcher, sched)?;
        }
        Ok(())
    }

    /// One call for every request collected so far.
    pub(super) fn send_batch(&mut self, batcher: u32, sched: &mut Scheduler<Event>) -> Flow {
        let plan = self.batcher_plans[batcher as usize];
        let b = &mut self.batchers[batcher as usize];
        b.epoch = b.epoch.wrapping_add(1);
        let members = std::mem::take(&mut b.members);
        let first = *self.jobs.get(members[0]);
        let extra = plan.per_item * (members.len() - 1) as f64;
        let weight = self.sites[plan.site as usize].weight * (1.0 + extra);
        let batch = self.batches.insert(members);
        // The batch goes out on behalf of its first member.
        let origin = Origin::of_job(&first);
        self.new_weighted_call(plan.site, Caller::Batch(batch), origin, weight, sched)
    }
}
