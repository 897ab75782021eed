//! The requests alive in the system, in a slab so that events can name them by a small index.
//!
//! Slots are reused, so memory follows the number of requests in flight, not the number served.

use faultline_engine::SimTime;

/// One request on its way through the system.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Request {
    pub(crate) id: u64,
    pub(crate) arrived: SimTime,
    /// When it joined the queue of the service it is at now.
    pub(crate) enqueued: SimTime,
}

#[derive(Debug, Default)]
pub(crate) struct RequestTable {
    slots: Vec<Request>,
    free: Vec<u32>,
}

impl RequestTable {
    pub(crate) fn insert(&mut self, request: Request) -> u32 {
        match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = request;
                slot
            }
            None => {
                self.slots.push(request);
                (self.slots.len() - 1) as u32
            }
        }
    }

    pub(crate) fn remove(&mut self, slot: u32) -> Request {
        self.free.push(slot);
        self.slots[slot as usize]
    }

    pub(crate) fn get(&self, slot: u32) -> &Request {
        &self.slots[slot as usize]
    }

    pub(crate) fn get_mut(&mut self, slot: u32) -> &mut Request {
        &mut self.slots[slot as usize]
    }

    pub(crate) fn live(&self) -> usize {
        self.slots.len() - self.free.len()
    }
}
