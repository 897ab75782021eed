//! What the two entity properties share: the names of entity tables and states, and an
//! applied event as they remember it.

use faultline_engine::SimTime;

/// Each entity table's name, its states' names by number, and whether its events carry a
/// version (else an event's order is its request's number).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntityNames {
    pub tables: Vec<EntityTable>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntityTable {
    pub name: String,
    pub states: Vec<String>,
    pub versioned: bool,
}

/// An event applied to an entity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Event {
    pub(super) at: SimTime,
    pub(super) to: u16,
    /// Its version, or its request where the step reads no version.
    pub(super) order: u64,
    pub(super) request: u64,
}

impl EntityNames {
    /// `` `orders` key 5 ``.
    pub(super) fn key(&self, table: u32, key: u64) -> String {
        let name = self.tables.get(table as usize).map_or("?", |t| t.name.as_str());
        format!("`{name}` key {key}")
    }

    pub(super) fn state(&self, table: u32, state: u16) -> &str {
        self.tables
            .get(table as usize)
            .and_then(|t| t.states.get(usize::from(state)))
            .map_or("?", String::as_str)
    }

    /// `shipped (version 3, request 14 at 0.400s)`, without the version if the table has none.
    pub(super) fn event(&self, table: u32, e: Event) -> String {
        let versioned = self.tables.get(table as usize).is_some_and(|t| t.versioned);
        let version = if versioned { format!("version {}, ", e.order) } else { String::new() };
        let at = e.at.as_secs_f64();
        format!("{} ({version}request {} at {at:.3}s)", self.state(table, e.to), e.request)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use faultline_model::Observation;

    use super::{EntityNames, EntityTable};

    /// One table `orders` with versions: none, created, paid, shipped.
    pub(in crate::property) fn names() -> EntityNames {
        let states = ["none", "created", "paid", "shipped"].map(String::from).to_vec();
        EntityNames { tables: vec![EntityTable { name: "orders".into(), states, versioned: true }] }
    }

    /// Entity `key` of table 0 moved `from_to`, with `order` and `request`.
    pub(in crate::property) fn applied(
        key: u64,
        (from, to): (u16, u16),
        valid: bool,
        order: u64,
        request: u64,
    ) -> Observation {
        Observation::EventApplied { entity: 0, key, from, to, valid, order, request, service: 0 }
    }
}
