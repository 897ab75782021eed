//! A slab: values addressed by small reusable `u32` slots, so events can name them cheaply and
//! memory follows what is alive, not what was ever created.

#[derive(Debug)]
pub(crate) struct Table<T> {
    slots: Vec<T>,
    free: Vec<u32>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table { slots: Vec::new(), free: Vec::new() }
    }
}

impl<T> Table<T> {
    /// Stores `value` and returns its slot. `reuse` sees the previous occupant of a reused slot,
    /// so generations can carry over.
    pub(crate) fn insert_with(&mut self, value: T, reuse: impl FnOnce(&T, &mut T)) -> u32 {
        match self.free.pop() {
            Some(slot) => {
                let mut value = value;
                reuse(&self.slots[slot as usize], &mut value);
                self.slots[slot as usize] = value;
                slot
            }
            None => {
                self.slots.push(value);
                (self.slots.len() - 1) as u32
            }
        }
    }

    pub(crate) fn insert(&mut self, value: T) -> u32 {
        self.insert_with(value, |_, _| {})
    }

    /// Frees `slot`; the value stays readable until the slot is reused.
    pub(crate) fn free(&mut self, slot: u32) {
        self.free.push(slot);
    }

    /// Every slot's index, freed ones included (callers mark liveness themselves).
    pub(crate) fn slots(&self) -> impl Iterator<Item = u32> + use<T> {
        0..self.slots.len() as u32
    }

    /// Every slot, freed ones included (callers mark liveness themselves).
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.slots.iter()
    }

    #[inline]
    pub(crate) fn get(&self, slot: u32) -> &T {
        &self.slots[slot as usize]
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, slot: u32) -> &mut T {
        &mut self.slots[slot as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_reused_and_generations_carry_over() {
        let mut table: Table<(u32, &str)> = Table::default();
        let a = table.insert((0, "a"));
        let b = table.insert((0, "b"));
        table.free(a);
        let c = table.insert_with((0, "c"), |old, new| new.0 = old.0 + 1);
        assert_eq!((c, *table.get(c)), (a, (1, "c")));
        assert_eq!(table.get(b).1, "b");
    }
}
