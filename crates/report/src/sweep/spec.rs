//! What a sweep is of: the scenario file, variant, `--set` patches, seed range and version.
//! It names a sweep in its report and shards, and writes the command that replays one seed.

use serde::{Deserialize, Serialize};

/// Inclusive range of seeds: `1..1000` is a thousand seeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedRange {
    pub first: u64,
    pub last: u64,
}

impl SeedRange {
    pub fn len(&self) -> u64 {
        self.last - self.first + 1
    }

    pub fn is_empty(&self) -> bool {
        false // `first <= last` always: a range holds at least one seed
    }

    /// The `k`-th (from 1) of `n` contiguous slices, as even as can be; `None` when empty.
    pub fn shard(&self, k: u64, n: u64) -> Option<SeedRange> {
        let len = u128::from(self.len());
        let start = |i: u64| u128::from(self.first) + len * u128::from(i) / u128::from(n);
        let (from, to) = (start(k - 1), start(k));
        // `to` is past this slice; both fit in u64 since they are at most last + 1 ≤ 2^64.
        (from < to).then(|| SeedRange { first: from as u64, last: (to - 1) as u64 })
    }
}

/// The identity of a sweep: what its shards must agree on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepSpec {
    /// The scenario's `name`.
    pub scenario: String,
    /// The scenario file as given on the command line.
    pub file: String,
    pub variant: Option<String>,
    pub sets: Vec<String>,
    pub seeds: SeedRange,
    /// Faultline's version: another version may run the same seed differently.
    pub version: String,
    /// FNV-1a of the scenario file's text, 16 hex digits.
    pub scenario_hash: String,
}

impl SweepSpec {
    /// The one command that replays `seed` exactly.
    pub fn reproduce(&self, seed: u64) -> String {
        reproduce_command(&self.file, self.variant.as_deref(), &self.sets, seed)
    }

    /// The first field in which `other` differs, with both values, for a merge error.
    pub fn difference(&self, other: &SweepSpec) -> Option<(&'static str, String, String)> {
        let show = |v: &Option<String>| v.as_deref().unwrap_or("(none)").to_string();
        let range = |r: SeedRange| format!("{}..{}", r.first, r.last);
        let fields = [
            ("scenario file", self.file.clone(), other.file.clone()),
            ("scenario", self.scenario.clone(), other.scenario.clone()),
            ("variant", show(&self.variant), show(&other.variant)),
            ("--set", self.sets.join(" "), other.sets.join(" ")),
            ("seeds", range(self.seeds), range(other.seeds)),
            ("faultline version", self.version.clone(), other.version.clone()),
            ("scenario text (hash)", self.scenario_hash.clone(), other.scenario_hash.clone()),
        ];
        fields.into_iter().find(|(_, a, b)| a != b)
    }
}

/// FNV-1a (64-bit) of `text` as 16 hex digits: a stable fingerprint of the scenario text.
pub fn text_hash(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// `faultline run FILE [--variant V] [--set P=V]... --seed N`, quoted for a POSIX shell.
pub fn reproduce_command(file: &str, variant: Option<&str>, sets: &[String], seed: u64) -> String {
    let mut parts = vec!["faultline".to_string(), "run".to_string(), shell_quote(file)];
    if let Some(variant) = variant {
        parts.extend(["--variant".to_string(), shell_quote(variant)]);
    }
    for set in sets {
        parts.extend(["--set".to_string(), shell_quote(set)]);
    }
    parts.extend(["--seed".to_string(), seed.to_string()]);
    parts.join(" ")
}

/// Quotes an argument for a POSIX shell when it holds anything but safe characters.
pub fn shell_quote(arg: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c);
    if !arg.is_empty() && arg.chars().all(safe) {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_the_range_once_in_order() {
        let range = SeedRange { first: 1, last: 10 };
        let slices: Vec<_> = (1..=3).map(|k| range.shard(k, 3).unwrap()).collect();
        let bounds: Vec<_> = slices.iter().map(|s| (s.first, s.last)).collect();
        assert_eq!(bounds, [(1, 3), (4, 6), (7, 10)]);
        // More shards than seeds: some are empty, the others hold one seed each.
        let small = SeedRange { first: 5, last: 6 };
        let held: Vec<_> = (1..=4).map(|k| small.shard(k, 4).map(|s| (s.first, s.last))).collect();
        assert_eq!(held, [None, Some((5, 5)), None, Some((6, 6))]);
        // The top of u64 does not overflow.
        let top = SeedRange { first: u64::MAX - 1, last: u64::MAX };
        assert_eq!(top.shard(2, 2), Some(SeedRange { first: u64::MAX, last: u64::MAX }));
        assert_eq!(top.len(), 2);
    }

    #[test]
    fn fnv1a_matches_its_reference_values() {
        // The published FNV-1a 64 test vectors.
        assert_eq!(text_hash(""), "cbf29ce484222325");
        assert_eq!(text_hash("a"), "af63dc4c8601ec8c");
        assert_eq!(text_hash("foobar"), "85944171f73967e8");
    }

    #[test]
    fn quotes_only_what_needs_quoting() {
        assert_eq!(shell_quote("scenarios/mm1.ron"), "scenarios/mm1.ron");
        assert_eq!(shell_quote("clients.web.rate=300/s"), "clients.web.rate=300/s");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        let sets = vec!["services.db.workers=4".to_string()];
        assert_eq!(
            reproduce_command("s.ron", Some("naive"), &sets, 7),
            "faultline run s.ron --variant naive --set services.db.workers=4 --seed 7"
        );
    }
}
