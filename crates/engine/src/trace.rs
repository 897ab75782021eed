//! A running hash over every processed event, the fingerprint that proves two runs identical.
//!
//! Hand-written rather than `std::hash` because std's hashers are not promised to stay the same
//! across Rust versions, and the hash is printed for people to compare.

/// 64-bit hash folded over (time, kind, component, request) of each event in processing order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceHash(u64);

impl Default for TraceHash {
    fn default() -> Self {
        TraceHash(0x9e37_79b9_7f4a_7c15)
    }
}

impl TraceHash {
    #[inline]
    pub fn record(&mut self, time_nanos: u64, kind: u8, component: u32, request: u64) {
        // Two rounds: the time, then kind, component and request packed into one word (the
        // request rotated so that it does not cancel against the component bits).
        let identity = ((u64::from(kind) << 32) | u64::from(component)) ^ request.rotate_left(23);
        self.0 = mix(mix(self.0 ^ time_nanos) ^ identity);
    }

    pub fn value(&self) -> u64 {
        self.0
    }

    /// Sixteen hex digits, the form printed after every run.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

/// The SplitMix64 finaliser: every input bit affects every output bit. Also how the model
/// spreads ids and keys (a request's read-or-write, a key's partition, a sampled request)
/// without a random stream.
#[inline]
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_of_events_changes_the_hash() {
        let mut a = TraceHash::default();
        a.record(1, 0, 0, 1);
        a.record(2, 0, 0, 2);
        let mut b = TraceHash::default();
        b.record(2, 0, 0, 2);
        b.record(1, 0, 0, 1);
        assert_ne!(a, b);
    }

    #[test]
    fn every_field_matters() {
        let base = {
            let mut h = TraceHash::default();
            h.record(1, 2, 3, 4);
            h
        };
        for (t, k, c, r) in [(9, 2, 3, 4), (1, 9, 3, 4), (1, 2, 9, 4), (1, 2, 3, 9)] {
            let mut h = TraceHash::default();
            h.record(t, k, c, r);
            assert_ne!(h, base);
        }
    }
}
