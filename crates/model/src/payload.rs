//! What a request carries besides its class: a key (which entity, topic partition or register
//! it is about) and a few named fields (a version, a session, an idempotency key), drawn by the
//! client that sends it and handed on, unchanged, to every call it sets off.
//!
//! Small and `Copy`, so calls and jobs hold it inline and no request allocates. It must never
//! draw randomness unless the scenario configures keys or fields.

use faultline_engine::{RngStreams, SimRng};
use rand::RngExt;

/// Named fields a world's requests can carry (their names are [`WorldConfig::fields`](crate::WorldConfig::fields)).
pub const MAX_FIELDS: usize = 4;

/// A request's key and fields. Unset fields are zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Payload {
    pub key: u64,
    /// Indexed by the field's position in [`WorldConfig::fields`](crate::WorldConfig::fields).
    pub fields: [u64; MAX_FIELDS],
    /// The token its client sent it with: an index into the world's table of issued tokens
    /// plus one; 0 for none.
    pub token: u32,
    /// Fields a producer left out (bit `i` for field `i`): a malformed message.
    pub missing: u8,
    /// A message no consumer can handle, whatever it does.
    pub poison: bool,
}

impl Payload {
    /// Whether field `field` was left out.
    pub fn lacks(&self, field: usize) -> bool {
        self.missing & (1 << field) != 0
    }
}

/// How a client picks a value for a request's key or one of its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Values {
    /// Uniformly among `0 .. count` (entities, sessions).
    Uniform { count: u64 },
    /// `0, 1, 2, …`: a new value per request (order ids, idempotency keys).
    Sequence,
    /// `0, 0, …, 1, 1, …`: each value for `each` requests in a row (an entity's run of events).
    Repeat { each: u64 },
    /// The first `len` of `values` in turn, one per request (a fixed value when `len` is 1;
    /// an entity's events in order).
    Cycle { values: [u64; MAX_CYCLE], len: u8 },
}

/// Values a [`Values::Cycle`] can go through.
pub const MAX_CYCLE: usize = 8;

impl Values {
    /// The value for the request numbered `sent` (from 0) of its client, or `None` when it is
    /// drawn at random.
    fn counted(self, sent: u64) -> Option<u64> {
        match self {
            Values::Uniform { .. } => None,
            Values::Sequence => Some(sent),
            Values::Repeat { each } => Some(sent / each.max(1)),
            Values::Cycle { values, len } => Some(values[(sent % u64::from(len.max(1))) as usize]),
        }
    }
}

/// Draws payloads for one client. Holds no stream unless the client sets a key or a field.
#[derive(Debug)]
pub(crate) struct PayloadSource {
    key: Option<Values>,
    fields: Vec<(usize, Values)>,
    sent: u64,
    /// Boxed: most clients draw nothing, and a client must stay small when there are thousands.
    rng: Option<Box<SimRng>>,
}

impl PayloadSource {
    /// `client` names the stream (`client/<name>/payload`).
    pub(crate) fn new(
        client: &str,
        key: Option<Values>,
        fields: &[(usize, Values)],
        streams: &RngStreams,
    ) -> Self {
        let draws = key.is_some() || !fields.is_empty();
        PayloadSource {
            key,
            fields: fields.to_vec(),
            sent: 0,
            rng: draws.then(|| Box::new(streams.stream(&format!("client/{client}/payload")))),
        }
    }

    /// The next request's payload.
    #[inline]
    pub(crate) fn next(&mut self) -> Payload {
        let Some(rng) = &mut self.rng else { return Payload::default() };
        let sent = self.sent;
        self.sent += 1;
        let mut draw = |values: Values| match values {
            Values::Uniform { count } => rng.random_range(0..count),
            counted => counted.counted(sent).unwrap_or(0),
        };
        let mut payload = Payload { key: self.key.map_or(0, &mut draw), ..Payload::default() };
        for &(field, values) in &self.fields {
            payload.fields[field] = draw(values);
        }
        payload
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_without_keys_or_fields_sends_empty_payloads_and_draws_nothing() {
        let mut source = PayloadSource::new("c", None, &[], &RngStreams::new(1));
        assert!(source.rng.is_none());
        assert_eq!(source.next(), Payload::default());
    }

    #[test]
    fn keys_stay_in_range_and_sequences_count_requests() {
        let fields = [(2, Values::Sequence)];
        let key = Some(Values::Uniform { count: 3 });
        let mut source = PayloadSource::new("c", key, &fields, &RngStreams::new(1));
        let payloads: Vec<Payload> = (0..300).map(|_| source.next()).collect();
        assert!(payloads.iter().all(|p| p.key < 3));
        for k in 0..3 {
            assert!(payloads.iter().any(|p| p.key == k), "key {k} never drawn in 300");
        }
        let seq: Vec<u64> = payloads.iter().map(|p| p.fields[2]).collect();
        assert_eq!(seq, (0..300).collect::<Vec<_>>());
    }

    #[test]
    fn runs_repeat_each_value_and_cycles_go_round() {
        let mut values = [0; MAX_CYCLE];
        values[..3].copy_from_slice(&[5, 7, 6]);
        let fields = [(0, Values::Repeat { each: 3 }), (1, Values::Cycle { values, len: 3 })];
        let mut source = PayloadSource::new("c", None, &fields, &RngStreams::new(1));
        let got: Vec<(u64, u64)> =
            (0..7).map(|_| source.next()).map(|p| (p.fields[0], p.fields[1])).collect();
        assert_eq!(got, [(0, 5), (0, 7), (0, 6), (1, 5), (1, 7), (1, 6), (2, 5)]);
    }
}
