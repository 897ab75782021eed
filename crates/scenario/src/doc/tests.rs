//! Unit tests of the index and of patching.

use super::*;

const EXAMPLE: &str = r#"#![enable(implicit_some)]
Scenario(
    name: "queue-growth", // comment with ( and "quote
    services: {
        "db": (workers: 4, service_time: Exp(mean: "20ms")),
        "api": (workers: 2, queue_capacity: Some(10)),
    },
    invariants: [ LatencySlo(percentile: 99.0, bound: "2s"), NoLostRequests ],
)
"#;

/// The text a lookup found.
fn text_at<'s>(src: &'s str, path: &[&str]) -> &'s str {
    let loc = DocIndex::new(src).find(path).expect("path should exist");
    &src[loc.start..loc.end]
}

fn key_at<'s>(src: &'s str, path: &[&str]) -> &'s str {
    let loc = DocIndex::new(src).find_key(path).expect("key should exist");
    &src[loc.start..loc.end]
}

fn patched(src: &str, path: &[&str], value: &str) -> String {
    let (text, range) = patch(src, path, value).expect("patch should apply");
    assert_eq!(&text[range], value);
    text
}

#[test]
fn finds_example_values_with_positions() {
    let index = DocIndex::new(EXAMPLE);
    let workers = index.find(&["services", "db", "workers"]).unwrap();
    assert_eq!(&EXAMPLE[workers.start..workers.end], "4");
    assert_eq!((workers.line, workers.col), (5, 25));
    let mean = index.find(&["services", "db", "service_time", "mean"]).unwrap();
    assert_eq!(&EXAMPLE[mean.start..mean.end], "\"20ms\"");
    assert_eq!((mean.line, mean.col), (5, 52));
    assert_eq!(text_at(EXAMPLE, &["invariants", "0", "bound"]), "\"2s\"");
    assert_eq!(text_at(EXAMPLE, &["invariants", "1"]), "NoLostRequests");
    assert_eq!(text_at(EXAMPLE, &["services", "api", "queue_capacity"]), "Some(10)");
    assert_eq!(text_at(EXAMPLE, &["name"]), "\"queue-growth\"");
    assert!(text_at(EXAMPLE, &[]).starts_with("Scenario(\n"));
    assert_eq!(index.find(&["services", "cache"]), None);
    assert_eq!(index.find(&["invariants", "2"]), None);
    assert_eq!(index.find(&["name", "x"]), None);
}

#[test]
fn lists_example_keys() {
    let index = DocIndex::new(EXAMPLE);
    assert_eq!(index.keys(&["services"]), ["db", "api"]);
    assert_eq!(index.keys(&["services", "db"]), ["workers", "service_time"]);
    assert_eq!(index.keys(&[]), ["name", "services", "invariants"]);
    assert_eq!(index.keys(&["services", "db", "service_time"]), ["mean"]);
    assert!(index.keys(&["invariants"]).is_empty());
    assert!(index.keys(&["name"]).is_empty());
    assert!(index.keys(&["nope"]).is_empty());
}

#[test]
fn finds_keys() {
    assert_eq!(key_at(EXAMPLE, &["services", "db"]), "\"db\"");
    assert_eq!(key_at(EXAMPLE, &["services", "db", "workers"]), "workers");
    let index = DocIndex::new(EXAMPLE);
    assert_eq!(index.find_key(&["invariants", "0"]), None);
    assert_eq!(index.find_key(&[]), None);
    let loc = index.find_key(&["name"]).unwrap();
    assert_eq!((loc.line, loc.col), (3, 5));
}

#[test]
fn replaces_only_the_value() {
    let text = patched(EXAMPLE, &["services", "db", "workers"], "16");
    assert_eq!(text, EXAMPLE.replacen("workers: 4", "workers: 16", 1));
    let text = patched(EXAMPLE, &["services", "api", "queue_capacity"], "None");
    assert_eq!(text, EXAMPLE.replacen("Some(10)", "None", 1));
    assert_eq!(patched("(a: 1)", &[], "7"), "7");
}

#[test]
fn inserts_a_missing_field() {
    let text = patched(EXAMPLE, &["services", "db", "queue_capacity"], "100");
    let want = r#"(workers: 4, service_time: Exp(mean: "20ms"), queue_capacity: 100),"#;
    assert!(text.contains(want), "{text}");
    assert_eq!(text.len(), EXAMPLE.len() + ", queue_capacity: 100".len());
    let index = DocIndex::new(&text);
    assert_eq!(index.keys(&["services", "db"]), ["workers", "service_time", "queue_capacity"]);
    let text = patched(EXAMPLE, &["services", "cache"], "(workers: 1)");
    assert!(text.contains("        \"cache\": (workers: 1),\n    },"), "{text}");
    let text = patched(EXAMPLE, &["seed"], "7");
    assert!(text.ends_with("NoLostRequests ],\n    seed: 7,\n)\n"), "{text}");
}

#[test]
fn reports_what_is_missing() {
    assert_eq!(
        patch(EXAMPLE, &["services", "cache", "workers"], "1"),
        Err(PatchError::NotFound {
            at: vec!["services".into()],
            missing: "cache".into(),
            available: vec!["db".into(), "api".into()],
        })
    );
    assert_eq!(
        patch(EXAMPLE, &["name", "x"], "1"),
        Err(PatchError::NotAContainer { at: vec!["name".into()] })
    );
    assert_eq!(
        patch(EXAMPLE, &["invariants", "x"], "1"),
        Err(PatchError::NotAContainer { at: vec!["invariants".into()] })
    );
    assert_eq!(
        patch(EXAMPLE, &["invariants", "5", "bound"], "1"),
        Err(PatchError::NotFound {
            at: vec!["invariants".into()],
            missing: "5".into(),
            available: vec!["0".into(), "1".into()],
        })
    );
    let at_top = patch(EXAMPLE, &["servics", "db"], "1");
    assert!(matches!(at_top, Err(PatchError::NotFound { at, .. }) if at.is_empty()));
    assert_eq!(patch("", &["a"], "1"), Err(PatchError::NotAContainer { at: vec![] }));
}

#[test]
fn inserts_into_empty_containers() {
    assert_eq!(patched("()", &["a"], "1"), "(a: 1)");
    assert_eq!(patched("Config()", &["a"], "1"), "Config(a: 1)");
    assert_eq!(patched("(m: {})", &["m", "k"], "1"), "(m: {\"k\": 1})");
    assert_eq!(patched("(m: { })", &["m", "a\"b"], "1"), "(m: {\"a\\\"b\": 1 })");
    assert_eq!(patched("", &[], "(a: 1)"), "(a: 1)");
    assert_eq!(text_at("Config()", &[]), "Config()");
    assert!(DocIndex::new("()").keys(&[]).is_empty());
}

#[test]
fn insertion_handles_commas_and_layout() {
    assert_eq!(patched("(a: 1,)", &["b"], "2"), "(a: 1, b: 2,)");
    assert_eq!(patched("(a: 1 /* c */)", &["b"], "2"), "(a: 1, b: 2 /* c */)");
    assert_eq!(patched("(\n  a: 1 // one\n)", &["b"], "2"), "(\n  a: 1, // one\n  b: 2,\n)");
    assert_eq!(patched("(\n\ta: 1, // one\n)", &["b"], "2"), "(\n\ta: 1, // one\n\tb: 2,\n)");
    assert_eq!(patched("(\n  a: 1)", &["b"], "2"), "(\n  a: 1, b: 2)");
    // Through `Some(..)` and into a nested struct.
    assert_eq!(patched("(r: Some((max: 1)))", &["r", "min"], "0"), "(r: Some((max: 1, min: 0)))");
}

#[test]
fn brackets_in_comments_and_strings_are_ignored() {
    let src = r###"(
            a: "x)(]\"[", /* ) ] } */ b: ')',
            c: r#"a"(b"#, // ) and "
            d: r"(", e: b"]", f: '\'', g: br##"]"#"##,
            h: 1,
        )"###;
    assert_eq!(text_at(src, &["a"]), r#""x)(]\"[""#);
    assert_eq!(text_at(src, &["b"]), "')'");
    assert_eq!(text_at(src, &["c"]), r###"r#"a"(b"#"###);
    assert_eq!(text_at(src, &["g"]), r###"br##"]"#"##"###);
    assert_eq!(text_at(src, &["h"]), "1");
    let keys = DocIndex::new(src).keys(&[]);
    assert_eq!(keys, ["a", "b", "c", "d", "e", "f", "g", "h"]);
}

#[test]
fn nested_block_comments() {
    let src = "(a: /* outer /* inner ) */ still ( comment */ 5, b: 6)";
    assert_eq!(text_at(src, &["a"]), "5");
    assert_eq!(text_at(src, &["b"]), "6");
}

#[test]
fn multi_line_values_and_unicode_columns() {
    let src = "(\n  é: \"ü\", x: [\n    1,\n    2,\n  ],\n)";
    let x = DocIndex::new(src).find(&["x"]).unwrap();
    assert_eq!(&src[x.start..x.end], "[\n    1,\n    2,\n  ]");
    // `é` and `ü` are two bytes each but one column.
    assert_eq!((x.line, x.col), (2, 14));
    assert_eq!(text_at(src, &["é"]), "\"ü\"");
    let two = DocIndex::new(src).find(&["x", "1"]).unwrap();
    assert_eq!((two.line, two.col), (4, 5));
}

#[test]
fn line_col_edges() {
    assert_eq!(line_col("", 0), (1, 1));
    assert_eq!(line_col("ab\ncd", 3), (2, 1));
    assert_eq!(line_col("ab\ncd", 99), (2, 3));
    // Inside the two-byte `é`: reported at the `é`.
    assert_eq!(line_col("xé", 2), (1, 2));
}

#[test]
fn tuples_lists_wrappers_and_maps() {
    let src = r#"(t: (1, "two", [3, 4]), o: Some([5, 6]), w: Wrap((k: 7)),
            c: Const("1s"), m: { 1: "one", Key: 2, "es\"c\n": 3, 'c': 4 }, n: Some(Some((z: 8))))"#;
    assert_eq!(text_at(src, &["t", "1"]), "\"two\"");
    assert_eq!(text_at(src, &["t", "2", "1"]), "4");
    assert_eq!(text_at(src, &["o", "1"]), "6");
    assert_eq!(text_at(src, &["w", "k"]), "7");
    assert_eq!(text_at(src, &["w", "0"]), "(k: 7)");
    assert_eq!(text_at(src, &["c", "0"]), "\"1s\"");
    assert_eq!(text_at(src, &["n", "z"]), "8");
    assert_eq!(text_at(src, &["m", "1"]), "\"one\"");
    assert_eq!(text_at(src, &["m", "Key"]), "2");
    assert_eq!(text_at(src, &["m", "es\"c\n"]), "3");
    assert_eq!(text_at(src, &["m", "c"]), "4");
    let index = DocIndex::new(src);
    assert_eq!(index.keys(&["w"]), ["k"]);
    assert_eq!(index.keys(&["n"]), ["z"]);
    assert!(index.keys(&["c"]).is_empty());
    assert_eq!(
        patch(src, &["o", "9"], "1"),
        Err(PatchError::NotFound {
            at: vec!["o".into()],
            missing: "9".into(),
            available: vec!["0".into(), "1".into()],
        })
    );
}

#[test]
fn reports_duplicate_keys() {
    let src = "(a: 1, s: { \"x\": 1, \"y\": 2, \"x\": 3 }, a: 2, o: Some((k: 1, k: 2)), a: 3)";
    let dups = DocIndex::new(src).duplicate_keys();
    let found: Vec<(String, &str, usize)> =
        dups.iter().map(|(p, k, l)| (p.join("."), k.as_str(), l.col)).collect();
    let want = [("s", "x", 29), ("", "a", 39), ("o", "k", 60), ("", "a", 68)];
    assert_eq!(found, want.map(|(p, k, c)| (p.to_string(), k, c)));
    // serde keeps the last, so lookups do too.
    assert_eq!(text_at(src, &["a"]), "3");
    assert_eq!(DocIndex::new(src).keys(&[]), ["a", "s", "o"]);
    assert!(DocIndex::new(EXAMPLE).duplicate_keys().is_empty());
}

#[test]
fn skips_attributes_and_trailing_commas() {
    let src = "#![enable(implicit_some)]\n#![enable(unwrap_newtypes)]\n(a: [1, 2,], b: (3,),)";
    assert_eq!(text_at(src, &["a", "1"]), "2");
    assert_eq!(text_at(src, &["b", "0"]), "3");
    assert_eq!(DocIndex::new(src).find(&["a", "2"]), None);
    assert!(text_at(src, &[]).starts_with("(a:"));
}

#[test]
fn malformed_input_is_indexed_as_far_as_possible() {
    let src = "(a: 1, b: [2, 3), c: \"unterminated";
    assert_eq!(text_at(src, &["a"]), "1");
    assert_eq!(text_at(src, &["b", "1"]), "3");
    assert_eq!(DocIndex::new("").find(&[]), None);
    assert_eq!(DocIndex::new("  // only a comment").find(&[]), None);
    let deep = "([{".repeat(50_000);
    assert!(DocIndex::new(&deep).find(&["0", "0"]).is_some());
    assert!(patch(&deep, &["0", "x"], "1").is_err());
}

/// xorshift64: deterministic pseudo-random numbers without dependencies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const PIECES: &[&str] = &[
    "(", ")", "[", "]", "{", "}", ",", ":", "\"", "'", "\\", "/", "*", "//", "/*", "*/", "#", "!",
    "r", "r#\"", "\"#", "b", " ", "\n", "a", "Some", "é", "🦀", "1", "-2.5e3", "x:",
];

fn garble(rng: &mut Rng) -> String {
    if rng.below(2) == 0 {
        let mut s: Vec<char> = EXAMPLE.chars().collect();
        for _ in 0..1 + rng.below(6) {
            if s.is_empty() {
                break;
            }
            let at = rng.below(s.len());
            match rng.below(3) {
                0 => drop(s.remove(at)),
                1 => s.insert(at, PIECES[rng.below(PIECES.len())].chars().next().unwrap()),
                _ => s.truncate(at),
            }
        }
        return s.into_iter().collect();
    }
    (0..rng.below(40)).map(|_| PIECES[rng.below(PIECES.len())]).collect()
}

#[test]
fn never_panics_on_garbled_input() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let segs = ["services", "db", "workers", "0", "1", "a", "x", "name", ""];
    for _ in 0..4000 {
        let src = garble(&mut rng);
        let path: Vec<&str> = (0..rng.below(4)).map(|_| segs[rng.below(segs.len())]).collect();
        let index = DocIndex::new(&src);
        for len in 0..=path.len() {
            if let Some(loc) = index.find(&path[..len]) {
                assert!(loc.start <= loc.end && src.get(loc.start..loc.end).is_some());
            }
            let _ = (index.find_key(&path[..len]), index.keys(&path[..len]));
        }
        let _ = index.duplicate_keys();
        let _ = line_col(&src, rng.below(src.len() + 3));
        if let Ok((text, range)) = patch(&src, &path, "(v: 1)") {
            assert_eq!(text.get(range), Some("(v: 1)"), "{src:?} {path:?}");
        }
    }
}
