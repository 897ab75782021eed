//! Property tests of the index and of patching, on generated RON documents: nested structs,
//! tuples, lists and maps, `Some(..)` and enum-like wrappers, strings with escapes, raw strings,
//! chars and numbers in every RON form, laid out with random whitespace and comments. The
//! generator knows where it wrote each value, so the index is checked against that, and patches
//! are checked against the same change made to the generated value.

use std::ops::Range;

use proptest::prelude::*;
use proptest::sample::Index;

use super::{DocIndex, patch};

/// A generated RON value.
#[derive(Clone, Debug)]
enum V {
    /// A number, bool, char, string or unit identifier, as written.
    Scalar(String),
    Struct(Option<&'static str>, Vec<(&'static str, V)>),
    /// A named one-element tuple is a wrapper, like `Const("1s")`.
    Tuple(Option<&'static str>, Vec<V>),
    List(Vec<V>),
    /// Keys as written, and the names they stand for.
    Map(Vec<(Key, V)>),
    Some(Box<V>),
}

#[derive(Clone, Debug)]
struct Key {
    text: String,
    name: String,
}

const FIELDS: &[&str] = &["a", "b", "workers", "_x", "k2", "größe", "max_attempts"];
const NAMES: &[&str] = &["Foo", "Exp", "Spike", "Priority", "Bar2"];

const NUMBERS: &[&str] = &[
    "0", "7", "-12", "+5", "1_000", "0x1F", "-0x10", "0o17", "0b101", "1.5", "-2.5e3", "1e-3",
    "1.0E+3", ".5", "1.", "inf", "-inf", "NaN", "10i8", "3u32", "1_f32", "2.5f64",
];
const OTHER_SCALARS: &[&str] = &[
    "true",
    "false",
    "None",
    "Fifo",
    "NoLostRequests",
    "r#match",
    "'c'",
    "'\\''",
    "'\\n'",
    "'\\u{1F980}'",
    "'\"'",
    "b\"bytes\"",
    "br\"raw\"",
];

/// A piece of a string literal: the character(s) it stands for and how it is written.
const STRING_PIECES: &[(&str, &str)] = &[
    ("a", "a"),
    ("Z9", "Z9"),
    ("é", "é"),
    ("🦀", "🦀"),
    (".", "."),
    ("=", "="),
    (" ", " "),
    ("\"", "\\\""),
    ("\\", "\\\\"),
    ("\n", "\\n"),
    ("\n", "\n"),
    ("\t", "\\t"),
    ("\r", "\\r"),
    ("\0", "\\0"),
    ("'", "'"),
    ("'", "\\'"),
    ("A", "\\x41"),
    ("é", "\\u{e9}"),
    ("🦀", "\\u{1F980}"),
    ("(", "("),
    ("}", "}"),
    ("//", "//"),
    ("/*", "/*"),
    ("#", "#"),
];

/// Pieces a raw string `r#"..."#` may hold as they are (no `#`, so no early `"#`).
const RAW_PIECES: &[&str] = &["a", "é", "\"", "\\", "\\n", ".", " ", "(", "//", "\n"];

/// Whitespace and comments between tokens.
const GAPS: &[&str] = &[
    "",
    " ",
    "  ",
    "\n",
    "\n    ",
    "\t",
    "\r\n  ",
    " // note ( [ \" \n",
    "/* ) ] } */",
    " /* a /* nested */ b */ ",
];

fn string_literal() -> impl Strategy<Value = Key> {
    let escaped = prop::collection::vec(prop::sample::select(STRING_PIECES), 0..6).prop_map(|p| {
        let name = p.iter().map(|(name, _)| *name).collect();
        Key { text: format!("\"{}\"", p.iter().map(|(_, text)| *text).collect::<String>()), name }
    });
    let raw = prop::collection::vec(prop::sample::select(RAW_PIECES), 0..5).prop_map(|p| {
        let name: String = p.concat();
        Key { text: format!("r#\"{name}\"#"), name }
    });
    let plain_raw = "[a-z .]{0,4}".prop_map(|name| Key { text: format!("r\"{name}\""), name });
    prop_oneof![4 => escaped, 1 => raw, 1 => plain_raw]
}

fn scalar() -> impl Strategy<Value = V> {
    prop_oneof![
        prop::sample::select(NUMBERS).prop_map(|n| V::Scalar(n.to_string())),
        prop::sample::select(OTHER_SCALARS).prop_map(|s| V::Scalar(s.to_string())),
        string_literal().prop_map(|k| V::Scalar(k.text)),
    ]
}

fn map_key() -> impl Strategy<Value = Key> {
    prop_oneof![
        4 => string_literal(),
        1 => prop::sample::select(&["1", "-2", "30"][..])
            .prop_map(|n| Key { text: n.to_string(), name: n.to_string() }),
    ]
}

fn name() -> impl Strategy<Value = Option<&'static str>> {
    prop::option::of(prop::sample::select(NAMES))
}

fn value() -> impl Strategy<Value = V> {
    scalar().prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            (name(), prop::collection::vec((prop::sample::select(FIELDS), inner.clone()), 0..4))
                .prop_map(|(n, mut fields)| {
                    let mut seen = Vec::new();
                    fields.retain(|(f, _)| {
                        !seen.contains(f) && {
                            seen.push(*f);
                            true
                        }
                    });
                    V::Struct(n, fields)
                }),
            (name(), prop::collection::vec(inner.clone(), 1..4))
                .prop_map(|(n, items)| V::Tuple(n, items)),
            prop::collection::vec(inner.clone(), 0..4).prop_map(V::List),
            prop::collection::vec((map_key(), inner.clone()), 0..4).prop_map(|mut entries| {
                let mut seen: Vec<String> = Vec::new();
                entries.retain(|(k, _)| {
                    !seen.contains(&k.name) && {
                        seen.push(k.name.clone());
                        true
                    }
                });
                V::Map(entries)
            }),
            inner.prop_map(|v| V::Some(Box::new(v))),
        ]
    })
}

/// Where the writer put each path's value.
type Spans = Vec<(Vec<String>, Range<usize>)>;

/// Writes values with the gaps, trailing commas and attributes that `layout` picks, and
/// remembers where each value went.
struct Writer<'a> {
    out: String,
    layout: &'a [usize],
    next: usize,
    spans: Spans,
}

impl Writer<'_> {
    fn pick(&mut self, n: usize) -> usize {
        let choice = self.layout.get(self.next % self.layout.len().max(1)).copied().unwrap_or(0);
        self.next += 1;
        choice % n
    }

    fn gap(&mut self) {
        let gap = GAPS[self.pick(GAPS.len())];
        self.out.push_str(gap);
    }

    fn document(&mut self, v: &V) {
        if self.pick(4) == 0 {
            self.out.push_str("#![enable(implicit_some)]\n");
        }
        self.gap();
        self.value(v, &mut Vec::new(), true);
        self.gap();
    }

    /// `record` is false for the value inside `Some(..)`, which has its wrapper's path.
    fn value(&mut self, v: &V, path: &mut Vec<String>, record: bool) {
        let start = self.out.len();
        let slot = self.spans.len();
        if record {
            self.spans.push((path.clone(), start..start));
        }
        match v {
            V::Scalar(text) => self.out.push_str(text),
            V::Struct(name, fields) => {
                self.out.push_str(name.unwrap_or(""));
                self.group(
                    '(',
                    ')',
                    fields.iter().map(|(f, v)| (Some(f.to_string()), *f, v)),
                    path,
                );
            }
            V::Tuple(name, items) => {
                self.out.push_str(name.unwrap_or(""));
                self.group('(', ')', items.iter().map(|v| (None, "", v)), path);
            }
            V::List(items) => self.group('[', ']', items.iter().map(|v| (None, "", v)), path),
            V::Map(entries) => {
                let entries =
                    entries.iter().map(|(k, v)| (Some(k.name.clone()), k.text.as_str(), v));
                self.group('{', '}', entries, path);
            }
            V::Some(inner) => {
                self.out.push_str("Some(");
                self.gap();
                self.value(inner, path, false);
                self.gap();
                self.out.push(')');
            }
        }
        if record {
            self.spans[slot].1.end = self.out.len();
        }
    }

    /// Entries are (name for the path, key as written, value); no name means an index.
    fn group<'v>(
        &mut self,
        open: char,
        close: char,
        entries: impl Iterator<Item = (Option<String>, &'v str, &'v V)>,
        path: &mut Vec<String>,
    ) {
        self.out.push(open);
        let mut any = false;
        for (i, (name, key, v)) in entries.enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.gap();
            if name.is_some() {
                self.out.push_str(key);
                self.gap();
                self.out.push(':');
                self.gap();
            }
            path.push(name.unwrap_or_else(|| i.to_string()));
            self.value(v, path, true);
            path.pop();
            any = true;
        }
        // ron reads `( )` as an empty list but `()` as unit: empty groups stay closed up.
        if any {
            if self.pick(2) == 0 {
                self.out.push(',');
            }
            self.gap();
        }
        self.out.push(close);
    }
}

/// The text of `v` laid out by `layout`, and where each path's value is.
fn write(v: &V, layout: &[usize]) -> (String, Spans) {
    let mut w = Writer { out: String::new(), layout, next: 0, spans: Vec::new() };
    w.document(v);
    (w.out, w.spans)
}

/// `v` alone, laid out by `layout` inside (no gaps around it).
fn write_value(v: &V, layout: &[usize]) -> String {
    let mut w = Writer { out: String::new(), layout, next: 0, spans: Vec::new() };
    w.value(v, &mut Vec::new(), false);
    w.out
}

/// The same value with no gaps at all.
fn compact(v: &V) -> String {
    let mut w = Writer { out: String::new(), layout: &[0], next: 0, spans: Vec::new() };
    w.value(v, &mut Vec::new(), false);
    w.out
}

/// The value at `path`, following the index's rules: `Some(..)` adds no segment.
fn at_mut<'v>(v: &'v mut V, path: &[String]) -> Option<&'v mut V> {
    let Some((first, rest)) = path.split_first() else {
        return Some(v);
    };
    let next = match v {
        V::Some(inner) => return at_mut(inner, path),
        V::Struct(_, fields) => fields.iter_mut().find(|(f, _)| f == first).map(|(_, v)| v),
        V::Map(entries) => entries.iter_mut().find(|(k, _)| &k.name == first).map(|(_, v)| v),
        V::Tuple(_, items) | V::List(items) => {
            first.parse::<usize>().ok().and_then(|i| items.get_mut(i))
        }
        V::Scalar(_) => None,
    };
    at_mut(next?, rest)
}

fn ron_value(text: &str) -> ron::Value {
    let options = ron::Options::default();
    options.from_str(text).unwrap_or_else(|e| panic!("not RON: {e}\n{text}"))
}

fn related(a: &[String], b: &[String]) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

fn text_at(src: &str, path: &[String]) -> Option<String> {
    let parts: Vec<&str> = path.iter().map(String::as_str).collect();
    DocIndex::new(src).find(&parts).map(|at| src[at.start..at.end].to_string())
}

fn layout() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0..64usize, 1..48)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The index finds every value where it was written, lists exactly those paths, and
    /// patching any of them with its own text gives back the same text.
    #[test]
    fn index_matches_the_writer_and_own_text_round_trips(v in value(), layout in layout()) {
        let (src, spans) = write(&v, &layout);
        prop_assert_eq!(ron_value(&src), ron_value(&compact(&v)), "layout changed the value");
        let index = DocIndex::new(&src);
        let found: Spans =
            index.paths().into_iter().map(|(p, at)| (p, at.start..at.end)).collect();
        prop_assert_eq!(&found, &spans, "{}", src);
        for (path, span) in &spans {
            let parts: Vec<&str> = path.iter().map(String::as_str).collect();
            let at = index.find(&parts).expect("every path is found");
            prop_assert_eq!(at.start..at.end, span.clone());
            let (text, range) = patch(&src, &parts, &src[span.clone()]).expect("patch applies");
            prop_assert_eq!(&text, &src);
            prop_assert_eq!(range, span.clone());
        }
    }

    /// Replacing any value: the path reads back the new text, every unrelated path keeps its
    /// text, and the document means what the generated value with that change means.
    #[test]
    fn a_replaced_value_reads_back_and_nothing_else_changes(
        v in value(),
        layout in layout(),
        pick in any::<Index>(),
        new in value(),
        new_layout in layout(),
    ) {
        let (src, spans) = write(&v, &layout);
        let (path, _) = &spans[pick.index(spans.len())];
        let new_text = write_value(&new, &new_layout);
        let parts: Vec<&str> = path.iter().map(String::as_str).collect();
        let (patched, range) = patch(&src, &parts, &new_text).expect("patch applies");
        prop_assert_eq!(&patched[range], new_text.as_str());
        prop_assert_eq!(text_at(&patched, path), Some(new_text.clone()), "{}", patched);
        for (other, span) in spans.iter().filter(|(p, _)| !related(p, path)) {
            prop_assert_eq!(text_at(&patched, other), Some(src[span.clone()].to_string()));
        }
        let mut want = v.clone();
        *at_mut(&mut want, path).expect("the generator's path") = new;
        prop_assert_eq!(ron_value(&patched), ron_value(&compact(&want)), "{}", patched);
    }

    /// Adding a field to a struct or an entry to a map, possibly inside `Some(..)`.
    #[test]
    fn an_inserted_field_reads_back_and_nothing_else_changes(
        v in value().prop_map(|v| V::Struct(Some("Foo"), vec![("a", v)])),
        layout in layout(),
        pick in any::<Index>(),
        field in prop::sample::select(FIELDS),
        key in string_literal(),
        new in scalar(),
    ) {
        let (src, spans) = write(&v, &layout);
        let mut want = v.clone();
        let targets: Vec<&Vec<String>> = spans
            .iter()
            .map(|(p, _)| p)
            .filter(|p| {
                let mut target = at_mut(&mut want, p);
                while let Some(V::Some(inner)) = target {
                    target = Some(&mut **inner);
                }
                matches!(target, Some(V::Struct(..) | V::Map(..)))
            })
            .collect();
        let parent = targets[pick.index(targets.len())].clone();
        let mut target = at_mut(&mut want, &parent).expect("the generator's path");
        while let V::Some(inner) = target {
            target = inner;
        }
        let V::Scalar(new_text) = &new else { unreachable!("scalar() gives scalars") };
        let name = match target {
            V::Struct(_, fields) => {
                // Structs hold at most 3 of the 7 field names: take the first free one from `field` on.
                let start = FIELDS.iter().position(|f| *f == field).unwrap_or(0);
                let free = (0..FIELDS.len())
                    .map(|i| FIELDS[(start + i) % FIELDS.len()])
                    .find(|f| fields.iter().all(|(g, _)| g != f))
                    .expect("a free field name");
                fields.push((free, new.clone()));
                free.to_string()
            }
            V::Map(entries) => {
                let mut name = key.name.clone();
                while entries.iter().any(|(k, _)| k.name == name) {
                    name.push('~');
                }
                entries.push((Key { text: super::quote(&name), name: name.clone() }, new.clone()));
                name
            }
            _ => unreachable!("filtered to structs and maps"),
        };
        let path: Vec<String> = [parent.clone(), vec![name]].concat();
        let parts: Vec<&str> = path.iter().map(String::as_str).collect();
        let (patched, range) = patch(&src, &parts, new_text).expect("patch applies");
        prop_assert_eq!(&patched[range], new_text.as_str());
        prop_assert_eq!(text_at(&patched, &path), Some(new_text.clone()), "{}", patched);
        // Everything but the parent and the values around it keeps its text, the parent's
        // other entries included.
        for (other, span) in spans.iter().filter(|(p, _)| !parent.starts_with(p)) {
            prop_assert_eq!(text_at(&patched, other), Some(src[span.clone()].to_string()));
        }
        prop_assert_eq!(ron_value(&patched), ron_value(&compact(&want)), "{}", patched);
    }
}
