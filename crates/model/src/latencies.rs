//! Latency histograms: log-linear buckets no wider than 1/128 of their values (< 0.8 %
//! relative error), with the count, sum and maximum kept exactly.
//!
//! The bucket boundaries and quantiles are the `histogram` crate's. Its dense histogram holds a
//! counter for every bucket up to the run's length (tens of kB), far more than a histogram that
//! records a few hundred values needs: with ten thousand services, two per service were most of
//! a run's memory. So a histogram starts sparse, holding only the buckets values fell in, and
//! becomes the crate's dense histogram once it has recorded as many values as an eighth of its
//! buckets (hundreds). Its memory follows what it records.
//!
//! Every finished request records three to five latencies, so `record` sits on the engine's hot
//! path: a dense record is the crate's handful of inlined instructions. A sparse one notes the
//! value's bucket in a small buffer; every [`PENDING`] values the buffer is sorted and merged
//! into the list in one pass over it. (Searching the list for every value cost several cache
//! misses a value with ten thousand services, whose lists are cold; a merge reads the list
//! sequentially.) A record allocates only when a merge adds buckets the list has no room for
//! (amortised) or when the histogram turns dense (once).

use faultline_engine::SimDuration;
use histogram::{Config, Histogram, Quantile, QuantilesResult, SparseHistogramRef};

/// Sub-buckets per power of two are 2^7 = 128: a bucket spans under 0.8 % of its values.
const GROUPING_POWER: u8 = 7;

/// A sparse entry is `index << COUNT_BITS | count`: bucket indices stay below 2^13 (7,424
/// buckets reach 2^64 ns), so sorting entries sorts them by bucket. A sparse histogram holds
/// fewer than 2^COUNT_BITS values in all, so no count overflows.
const COUNT_BITS: u32 = 19;
const COUNT_MASK: u32 = (1 << COUNT_BITS) - 1;

/// A histogram turns dense when a merge brings a new bucket after it has recorded this share of
/// its bucket count in values (1/8: 528 values for a 300 s run), or when it has recorded
/// 2^COUNT_BITS values. At 4 bytes an entry against 8 a counter, the list is then about a
/// sixteenth of the dense size, and a dense histogram holds at most 64 bytes per value recorded.
const DENSE_SHARE: usize = 8;

/// Values a sparse histogram buffers before merging them into its list.
const PENDING: usize = 16;

/// The distribution of a set of durations, in nanoseconds.
#[derive(Debug, Clone)]
pub struct Latencies {
    /// Once dense, the crate's histogram: a counter for every bucket.
    dense: Option<Histogram>,
    /// While sparse, the buckets touched so far as `index << COUNT_BITS | count` entries, sorted
    /// by bucket, except for the last `pending_len` values recorded:
    sparse: Vec<u32>,
    /// their bucket indices, in the order recorded.
    pending: [u32; PENDING],
    pending_len: u8,
    config: Config,
    /// Values above this are recorded as this (the run's length, so only in theory).
    limit: u64,
    count: u64,
    sum_secs: f64,
    max: u64,
}

/// Mean, percentiles and maximum of a latency histogram, in seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LatencySummary {
    pub count: u64,
    /// Exact (from a running sum), not from the histogram.
    pub mean: f64,
    pub p50: f64,
    pub p99: f64,
    pub p999: f64,
    /// Exact.
    pub max: f64,
}

impl Latencies {
    /// A histogram for durations up to `longest`. Allocates nothing until a value is recorded.
    pub fn new(longest: SimDuration) -> Self {
        let limit = longest.as_nanos().max(2);
        // Buckets must reach `limit`: the power of two above it, and above the grouping.
        let max_value_power = (64 - limit.leading_zeros() as u8).max(GROUPING_POWER + 1);
        let config = Config::new(GROUPING_POWER, max_value_power)
            .expect("grouping power 7 < max value power ≤ 64 is a valid configuration");
        Latencies {
            dense: None,
            sparse: Vec::new(),
            pending: [0; PENDING],
            pending_len: 0,
            config,
            limit,
            count: 0,
            sum_secs: 0.0,
            max: 0,
        }
    }

    #[inline]
    pub fn record(&mut self, value: SimDuration) {
        let nanos = value.as_nanos().min(self.limit);
        // `nanos` ≤ `limit` < 2^max_value_power: its bucket exists once dense.
        let dense = self.dense.as_mut().map(Histogram::as_mut_slice);
        match dense.and_then(|counters| counters.get_mut(bucket_index(nanos))) {
            Some(counter) => *counter += 1,
            None => self.record_sparse(nanos),
        }
        self.count += 1;
        self.sum_secs += value.as_secs_f64();
        self.max = self.max.max(nanos);
    }

    /// Notes `nanos` in the buffer of a sparse histogram, merging the buffer into the list when
    /// it is full; turns dense when the list would grow past its share or the counts could
    /// overflow. Cold for the histograms that record most (they are dense): kept out of their
    /// way.
    #[cold]
    #[inline(never)]
    fn record_sparse(&mut self, nanos: u64) {
        self.pending[usize::from(self.pending_len)] = bucket_index(nanos) as u32;
        self.pending_len += 1;
        if self.count + 1 >= u64::from(COUNT_MASK) {
            return self.turn_dense();
        }
        if usize::from(self.pending_len) == PENDING {
            let full = self.count + 1 >= self.dense_at();
            if merge(&mut self.sparse, &mut self.pending, full) {
                self.pending_len = 0;
            } else {
                self.turn_dense();
            }
        }
    }

    /// Replaces the sparse list and buffer by the crate's dense histogram.
    fn turn_dense(&mut self) {
        let mut dense = Histogram::with_config(&self.config);
        let counters = dense.as_mut_slice();
        for entry in std::mem::take(&mut self.sparse) {
            counters[(entry >> COUNT_BITS) as usize] = u64::from(entry & COUNT_MASK);
        }
        for &index in &self.pending[..usize::from(self.pending_len)] {
            counters[index as usize] += 1;
        }
        self.pending_len = 0;
        self.dense = Some(dense);
    }

    /// The number of buckets, or of values recorded, at which a histogram turns dense.
    fn dense_at(&self) -> u64 {
        (self.config.total_buckets() / DENSE_SHARE) as u64
    }

    pub fn len(&self) -> u64 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// How many values recorded were exactly zero (bucket 0 holds zero alone): a queue wait of
    /// zero is a job that found a free worker.
    pub fn zeros(&self) -> u64 {
        if let Some(dense) = &self.dense {
            return dense.as_slice()[0];
        }
        let listed = match self.sparse.first() {
            Some(&entry) if entry >> COUNT_BITS == 0 => u64::from(entry & COUNT_MASK),
            _ => 0,
        };
        let pending = &self.pending[..usize::from(self.pending_len)];
        listed + pending.iter().filter(|&&index| index == 0).count() as u64
    }

    /// The largest value recorded, exactly.
    pub fn max(&self) -> SimDuration {
        SimDuration::from_nanos(self.max)
    }

    /// The `q` quantile (0..=1) by nearest rank: the upper end of the bucket holding it, never
    /// above the true maximum. Zero when empty.
    pub fn quantile(&self, q: f64) -> SimDuration {
        self.quantiles(&[q])[0]
    }

    /// [`Latencies::quantile`] for each of `qs`, in one pass over the buckets.
    pub fn quantiles(&self, qs: &[f64]) -> Vec<SimDuration> {
        let top = |(_, end): (u64, u64)| SimDuration::from_nanos(end.min(self.max));
        let mut out: Vec<SimDuration> = self.quantile_buckets(qs).into_iter().map(top).collect();
        out.resize(qs.len(), SimDuration::ZERO); // empty: no value has any rank
        out
    }

    /// The bucket (lowest and highest value it stands for, in nanoseconds) holding the `q`
    /// quantile, or `None` when empty.
    pub fn quantile_bucket(&self, q: f64) -> Option<(u64, u64)> {
        self.quantile_buckets(&[q]).first().copied()
    }

    /// The buckets holding each of `qs`; empty when no value was recorded. The dense form is
    /// the crate's scan, which sums 32 counters at a step (this runs at every window's end);
    /// its sorted form walks the buckets once for all quantiles (`quantile_buckets_into` picks
    /// each next quantile by a search over the rest: 63 µs for the CDF's 240, against 13 µs).
    /// The sparse form is the crate's walk over the touched buckets.
    fn quantile_buckets(&self, qs: &[f64]) -> Vec<(u64, u64)> {
        let qs: Vec<f64> = qs.iter().map(|q| q.clamp(0.0, 1.0)).collect();
        // Fails only for NaN, which has no rank; `None` when empty.
        let Ok(Some(found)) = self.crate_quantiles(&qs) else { return Vec::new() };
        let bucket = |q: f64| Quantile::new(q).ok().and_then(|q| found.get(&q));
        qs.iter().filter_map(|&q| bucket(q)).map(|b| (b.start(), b.end())).collect()
    }

    fn crate_quantiles(&self, qs: &[f64]) -> Result<Option<QuantilesResult>, histogram::Error> {
        if let Some(dense) = &self.dense {
            return dense.quantiles(qs);
        }
        let mut entries = self.sparse.clone();
        let mut pending = self.pending;
        merge(&mut entries, &mut pending[..usize::from(self.pending_len)], false);
        let index: Vec<u32> = entries.iter().map(|&entry| entry >> COUNT_BITS).collect();
        let count: Vec<u64> = entries.iter().map(|&entry| u64::from(entry & COUNT_MASK)).collect();
        SparseHistogramRef::from_parts(self.config, &index, &count)?.quantiles(qs)
    }

    #[cfg(test)]
    fn is_dense(&self) -> bool {
        self.dense.is_some()
    }

    pub fn summary(&self) -> LatencySummary {
        let secs = |d: SimDuration| d.as_secs_f64();
        let q = self.quantiles(&[0.50, 0.99, 0.999]);
        LatencySummary {
            count: self.count,
            mean: if self.count == 0 { 0.0 } else { self.sum_secs / self.count as f64 },
            p50: secs(q[0]),
            p99: secs(q[1]),
            p999: secs(q[2]),
            max: secs(self.max()),
        }
    }

    /// Forgets every value, keeping the buckets' memory (a dense histogram stays dense).
    pub fn reset(&mut self) {
        if self.count > 0 {
            if let Some(dense) = &mut self.dense {
                dense.reset(); // tens of kB: skipped for windows nothing finished in
            }
            self.sparse.clear();
            self.pending_len = 0;
        }
        self.count = 0;
        self.sum_secs = 0.0;
        self.max = 0;
    }
}

/// Merges the bucket indices `pending` into the sorted `entries`, in place: one pass to count
/// the new buckets, one from the back to move the entries. With `no_new`, leaves `entries` as
/// it is and returns false if that would add a bucket.
fn merge(entries: &mut Vec<u32>, pending: &mut [u32], no_new: bool) -> bool {
    pending.sort_unstable();
    let bucket = |entry: u32| entry >> COUNT_BITS;
    let (mut new, mut at) = (0, 0);
    for (i, &index) in pending.iter().enumerate() {
        if i > 0 && pending[i - 1] == index {
            continue;
        }
        at += entries[at..].partition_point(|&entry| bucket(entry) < index);
        new += usize::from(entries.get(at).is_none_or(|&entry| bucket(entry) != index));
    }
    if no_new && new > 0 {
        return false;
    }
    let (mut read, mut write) = (entries.len(), entries.len() + new);
    entries.resize(write, 0);
    let mut rest = pending.len();
    while rest > 0 {
        let index = pending[rest - 1];
        let run = pending[..rest].iter().rev().take_while(|&&i| i == index).count() as u32;
        rest -= run as usize;
        while read > 0 && bucket(entries[read - 1]) > index {
            (read, write) = (read - 1, write - 1);
            entries[write] = entries[read];
        }
        write -= 1;
        entries[write] = if read > 0 && bucket(entries[read - 1]) == index {
            read -= 1;
            entries[read] + run
        } else {
            index << COUNT_BITS | run
        };
    }
    true
}

/// The index of the crate's bucket holding `value` (`Config::bucket_index`, which the crate
/// keeps private): below 2^(grouping power + 1) a bucket per value; above, with `s` the low bits
/// a bucket ignores, `s` blocks of 2^grouping-power buckets and then `value >> s`.
#[inline]
fn bucket_index(value: u64) -> usize {
    if value < 1 << (GROUPING_POWER + 1) {
        return value as usize;
    }
    // Setting the low bit keeps the leading zeros and tells the compiler the value is not zero.
    let shift = 63 - (value | 1).leading_zeros() - u32::from(GROUPING_POWER);
    ((shift as usize) << GROUPING_POWER) + (value >> shift) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> SimDuration {
        SimDuration::from_millis(n)
    }

    #[test]
    fn quantiles_by_nearest_rank_within_a_bucket_of_the_truth() {
        let mut l = Latencies::new(SimDuration::from_secs(100));
        for i in 1..=1000 {
            l.record(ms(i));
        }
        let q = l.quantiles(&[0.0, 0.5, 0.99, 1.0]);
        for (got, want) in q.iter().zip([ms(1), ms(500), ms(990), ms(1000)]) {
            let error = got.as_secs_f64() / want.as_secs_f64() - 1.0;
            assert!((0.0..1.0 / 128.0).contains(&error), "{got:?} for {want:?}");
        }
        assert_eq!(q[3], ms(1000), "the top never exceeds the exact maximum");
        assert_eq!((l.len(), l.max()), (1000, ms(1000)));
        assert!((l.summary().mean - 0.5005).abs() < 1e-12);
    }

    #[test]
    fn zeros_are_counted_sparse_pending_and_dense() {
        let mut l = Latencies::new(SimDuration::from_secs(100));
        // 3 zeros among 10 values: some still pending, some merged into the list.
        for i in 0..10u64 {
            l.record(if i % 3 == 0 && i < 9 { SimDuration::ZERO } else { ms(i + 1) });
        }
        assert_eq!(l.zeros(), 3);
        for _ in 0..17 {
            l.record(SimDuration::ZERO); // past a merge: the list's first entry
        }
        assert_eq!(l.zeros(), 20);
        for i in 0..5_000u64 {
            l.record(if i % 2 == 0 { SimDuration::ZERO } else { ms(i) });
        }
        assert!(l.is_dense());
        assert_eq!((l.zeros(), l.len()), (2_520, 5_027));
    }

    #[test]
    fn empty_and_reset_report_zero() {
        let mut l = Latencies::new(SimDuration::from_secs(1));
        assert_eq!(l.quantile(0.99), SimDuration::ZERO);
        l.record(ms(7));
        l.reset();
        assert!(l.is_empty());
        assert_eq!(l.summary(), LatencySummary::default());
    }

    #[test]
    fn values_past_the_limit_count_at_the_limit() {
        let mut l = Latencies::new(SimDuration::from_secs(1));
        l.record(SimDuration::from_secs(50));
        assert_eq!(l.max(), SimDuration::from_secs(1));
        assert_eq!(l.len(), 1);
    }

    #[test]
    fn a_quantile_bucket_brackets_the_value() {
        let mut l = Latencies::new(SimDuration::from_secs(100));
        l.record(ms(1000));
        let (low, high) = l.quantile_bucket(0.5).expect("one value");
        assert!(low <= 1_000_000_000 && 1_000_000_000 <= high);
        assert!((high - low) as f64 / low as f64 <= 1.0 / 128.0);
        assert_eq!(Latencies::new(SimDuration::from_secs(1)).quantile_bucket(0.5), None);
    }

    /// The same histogram built by the crate directly, for comparison.
    fn oracle(longest: SimDuration, values: &[u64]) -> Histogram {
        let config = Latencies::new(longest).config;
        let mut h = Histogram::with_config(&config);
        values.iter().for_each(|&v| h.increment(v.min(longest.as_nanos())).unwrap());
        h
    }

    /// Values spread over many powers of two, from a fixed linear congruential sequence.
    fn spread(n: usize) -> Vec<u64> {
        let mut x: u64 = 12345;
        (0..n)
            .map(|_| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (x >> 33) >> ((x >> 7) % 31)
            })
            .collect()
    }

    const QS: [f64; 9] = [0.0, 0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 0.99999, 1.0];

    #[test]
    fn bucket_indices_are_the_crates() {
        let edges = (0..64).flat_map(|p| {
            let v = 1u64 << p;
            [v - 1, v, v + 1, v | (v >> 1), v | (v - 1)]
        });
        for value in edges.chain([u64::MAX, 0, 1, 255, 256, 257]).chain(spread(10_000)) {
            let mut h = Histogram::new(GROUPING_POWER, 64).unwrap();
            h.increment(value).unwrap();
            let index = h.as_slice().iter().position(|&c| c == 1).unwrap();
            assert_eq!(bucket_index(value), index, "value {value}");
        }
    }

    #[test]
    fn sparse_and_dense_give_the_crates_quantiles() {
        let longest = SimDuration::from_secs(300);
        for n in [1, 2, 3, 10, 100, 300, 527, 528, 529, 2_000, 50_000] {
            let values = spread(n);
            let mut l = Latencies::new(longest);
            values.iter().for_each(|&v| l.record(SimDuration::from_nanos(v)));
            let want = oracle(longest, &values);
            let found = want.quantiles(&QS).unwrap().unwrap();
            let top = |q: f64| found.get(&Quantile::new(q).unwrap()).unwrap().end().min(l.max);
            let got: Vec<u64> = l.quantiles(&QS).iter().map(|d| d.as_nanos()).collect();
            assert_eq!(got, QS.map(top), "{n} values");
            if l.is_dense() {
                assert_eq!(l.dense.as_ref(), Some(&want), "{n} values");
            } else {
                assert!(n < 2_000, "{n} values are still sparse");
            }
        }
    }

    #[test]
    fn merging_the_buffer_keeps_every_count() {
        // Few distinct values, so buffers hold repeats and merges meet buckets already listed.
        let values: Vec<u64> = spread(700).into_iter().map(|v| v % 3_000 * 1_000).collect();
        let longest = SimDuration::from_secs(300);
        let mut l = Latencies::new(longest);
        for (n, &v) in values.iter().enumerate() {
            l.record(SimDuration::from_nanos(v));
            let want = oracle(longest, &values[..=n]);
            if !l.is_dense() && l.pending_len == 0 {
                let listed: Vec<(usize, u64)> = l
                    .sparse
                    .iter()
                    .map(|&e| ((e >> COUNT_BITS) as usize, u64::from(e & COUNT_MASK)))
                    .collect();
                let counted = want.as_slice().iter().enumerate().filter(|(_, c)| **c > 0);
                assert_eq!(listed, counted.map(|(i, &c)| (i, c)).collect::<Vec<_>>());
            }
            let found = want.quantiles(&QS).unwrap().unwrap();
            let top = |q: f64| found.get(&Quantile::new(q).unwrap()).unwrap().end().min(l.max);
            let got: Vec<u64> = l.quantiles(&QS).iter().map(|d| d.as_nanos()).collect();
            assert_eq!(got, QS.map(top), "{} values", n + 1);
        }
        assert!(l.is_dense(), "700 values over 3,000 buckets: dense by now");
    }

    #[test]
    fn memory_follows_the_buckets_touched() {
        let mut l = Latencies::new(SimDuration::from_secs(300));
        assert_eq!((l.is_dense(), l.sparse.capacity()), (false, 0), "nothing before a value");
        for _ in 0..1000 {
            l.record(ms(5));
            l.record(ms(7));
        }
        assert_eq!((l.is_dense(), l.sparse.len(), l.pending_len), (false, 2, 0), "two buckets");
        spread(5_000).into_iter().for_each(|v| l.record(SimDuration::from_nanos(v)));
        assert!(l.is_dense(), "many values: dense");
        l.reset();
        assert!(l.is_dense(), "a reset keeps the memory");
        assert_eq!(l.quantile(0.5), SimDuration::ZERO);
    }

    #[test]
    fn a_full_sparse_count_turns_dense_without_losing_any() {
        let mut l = Latencies::new(SimDuration::from_secs(1));
        let n = u64::from(COUNT_MASK) + 3;
        (0..n).for_each(|_| l.record(ms(3)));
        l.record(ms(9));
        assert!(l.is_dense(), "still sparse");
        assert_eq!(l.dense.as_ref().unwrap().as_slice().iter().sum::<u64>(), n + 1);
        let want = oracle(SimDuration::from_secs(1), &[3_000_000]).quantile(0.5).unwrap().unwrap();
        assert_eq!(l.quantile(0.5).as_nanos(), want.max().end().min(l.max));
    }
}
