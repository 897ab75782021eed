//! Entities with versioned state: each key's state and the version of the event that put it
//! there, moved by events under transition rules.
//!
//! An event not allowed from the current state still applies (the state is what the code
//! wrote) and is reported as invalid; with version checks, an event not newer than the
//! entity's is skipped. Memory follows the keys written. Must never refuse an event silently.

use std::collections::BTreeMap;

/// Which states each state may move to: a bit per target state (at most 64 states).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transitions {
    allowed: Vec<u64>,
}

/// States a table may hold.
pub const MAX_STATES: usize = 64;

impl Transitions {
    /// From `moves`: for each state, the states it may move to (indices below `moves.len()`).
    pub fn new(moves: &[Vec<u16>]) -> Self {
        let allowed = moves
            .iter()
            .map(|targets| targets.iter().fold(0u64, |bits, &to| bits | 1 << to))
            .collect();
        Transitions { allowed }
    }

    pub fn allows(&self, from: u16, to: u16) -> bool {
        self.allowed.get(usize::from(from)).is_some_and(|bits| bits >> to & 1 == 1)
    }
}

/// What applying an event did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The entity moved from `from` to `to`; `valid` unless the rules forbid that move.
    Moved { from: u16, to: u16, valid: bool },
    /// Skipped: the entity's version `current` is as new or newer.
    Stale { current: u64 },
}

#[derive(Clone, Copy, Debug)]
struct Entity {
    state: u16,
    /// The version of the last event applied (`None`: none carried one yet).
    version: Option<u64>,
}

/// Every entity of one table, by key; a key never written is in the initial state.
#[derive(Debug)]
pub struct Entities {
    initial: u16,
    entities: BTreeMap<u64, Entity>,
}

impl Entities {
    pub fn new(initial: u16) -> Self {
        Entities { initial, entities: BTreeMap::new() }
    }

    /// Applies the event moving `key` to `to`; with `version`, only if newer than the entity's.
    pub fn apply(
        &mut self,
        rules: &Transitions,
        key: u64,
        to: u16,
        version: Option<u64>,
    ) -> Applied {
        let initial = Entity { state: self.initial, version: None };
        let entity = self.entities.entry(key).or_insert(initial);
        if let (Some(new), Some(current)) = (version, entity.version)
            && new <= current
        {
            return Applied::Stale { current };
        }
        let from = entity.state;
        *entity = Entity { state: to, version: version.or(entity.version) };
        Applied::Moved { from, to, valid: rules.allows(from, to) }
    }

    /// The state of `key`.
    pub fn state(&self, key: u64) -> u16 {
        self.entities.get(&key).map_or(self.initial, |e| e.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: u16 = 0;
    const CREATED: u16 = 1;
    const PAID: u16 = 2;
    const SHIPPED: u16 = 3;
    const CANCELLED: u16 = 4;

    /// none → created → paid → shipped, and cancelled from created or paid.
    fn order_rules() -> Transitions {
        Transitions::new(&[
            vec![CREATED],
            vec![PAID, CANCELLED],
            vec![SHIPPED, CANCELLED],
            vec![],
            vec![],
        ])
    }

    #[test]
    fn events_in_order_are_valid_moves() {
        let rules = order_rules();
        let mut orders = Entities::new(NONE);
        let moves: Vec<Applied> =
            [CREATED, PAID, SHIPPED].iter().map(|&to| orders.apply(&rules, 9, to, None)).collect();
        let want = [
            Applied::Moved { from: NONE, to: CREATED, valid: true },
            Applied::Moved { from: CREATED, to: PAID, valid: true },
            Applied::Moved { from: PAID, to: SHIPPED, valid: true },
        ];
        assert_eq!(moves, want);
        assert_eq!((orders.state(9), orders.state(10)), (SHIPPED, NONE));
    }

    /// Shipped before paid: both apply, the second is invalid and leaves the order paid.
    #[test]
    fn an_event_out_of_order_applies_and_is_invalid() {
        let rules = order_rules();
        let mut orders = Entities::new(NONE);
        orders.apply(&rules, 1, CREATED, None);
        assert_eq!(
            orders.apply(&rules, 1, SHIPPED, None),
            Applied::Moved { from: CREATED, to: SHIPPED, valid: false }
        );
        assert_eq!(
            orders.apply(&rules, 1, PAID, None),
            Applied::Moved { from: SHIPPED, to: PAID, valid: false }
        );
        assert_eq!(orders.state(1), PAID);
        assert!(!rules.allows(SHIPPED, CANCELLED) && rules.allows(PAID, CANCELLED));
    }

    /// With versions, the older event arriving late is skipped and the state stays.
    #[test]
    fn a_version_not_newer_is_skipped() {
        let rules = order_rules();
        let mut orders = Entities::new(NONE);
        orders.apply(&rules, 1, CREATED, Some(0));
        orders.apply(&rules, 1, SHIPPED, Some(2));
        assert_eq!(orders.apply(&rules, 1, PAID, Some(1)), Applied::Stale { current: 2 });
        assert_eq!(orders.apply(&rules, 1, SHIPPED, Some(2)), Applied::Stale { current: 2 });
        assert_eq!(orders.state(1), SHIPPED);
    }
}
