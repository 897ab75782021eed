//! Unit tests of removing entries: layouts by hand, and every removable entry of every bundled
//! scenario checked against the parsed value with that entry taken out.

use super::*;

fn removed(src: &str, path: &[&str]) -> String {
    remove(src, path).unwrap_or_else(|e| panic!("{path:?}: {e:?}"))
}

const LINES: &str = r#"Scenario(
    name: "x", // the name
    faults: [
        Down(service: "db", at: "1s", length: "2s"),
        Crash(node: "api", at: "3s", restart_after: "1s"), // the second
        Pause(
            node: "db",
            at: "5s",
            length: "1s",
        ),
    ],
    variants: {
        "naive": (description: "n", set: {}),
    },
)
"#;

#[test]
fn an_entry_on_lines_of_its_own_goes_with_its_lines_and_comment() {
    let text = removed(LINES, &["faults", "1"]);
    assert!(!text.contains("Crash") && !text.contains("the second"), "{text}");
    assert!(text.contains("length: \"2s\"),\n        Pause(\n"), "{text}");
    let text = removed(LINES, &["faults", "2"]);
    assert!(text.contains("// the second\n    ],\n"), "{text}");
    let text = removed(LINES, &["variants"]);
    assert!(text.ends_with("    ],\n)\n") && !text.contains("naive"), "{text}");
    let text = removed(LINES, &["variants", "naive"]);
    assert!(text.contains("    variants: {\n    },\n"), "{text}");
    // A comment after the field on its line goes with it.
    assert!(removed(LINES, &["name"]).starts_with("Scenario(\n    faults: [\n"));
}

#[test]
fn an_entry_inline_goes_with_one_separator() {
    let src = "(a: [1, 2, 3], b: {\"k\": 1, \"l\": 2}, c: [4], d: Some([5, 6,]))";
    assert_eq!(
        removed(src, &["a", "0"]),
        "(a: [2, 3], b: {\"k\": 1, \"l\": 2}, c: [4], d: Some([5, 6,]))"
    );
    assert_eq!(
        removed(src, &["a", "1"]),
        "(a: [1, 3], b: {\"k\": 1, \"l\": 2}, c: [4], d: Some([5, 6,]))"
    );
    assert_eq!(
        removed(src, &["a", "2"]),
        "(a: [1, 2], b: {\"k\": 1, \"l\": 2}, c: [4], d: Some([5, 6,]))"
    );
    assert_eq!(
        removed(src, &["b", "l"]),
        "(a: [1, 2, 3], b: {\"k\": 1}, c: [4], d: Some([5, 6,]))"
    );
    assert_eq!(
        removed(src, &["c", "0"]),
        "(a: [1, 2, 3], b: {\"k\": 1, \"l\": 2}, c: [], d: Some([5, 6,]))"
    );
    assert_eq!(
        removed(src, &["d", "1"]),
        "(a: [1, 2, 3], b: {\"k\": 1, \"l\": 2}, c: [4], d: Some([5]))"
    );
    assert_eq!(removed(src, &["d"]), "(a: [1, 2, 3], b: {\"k\": 1, \"l\": 2}, c: [4])");
}

#[test]
fn removing_what_is_not_there_says_what_is() {
    let src = "(a: [1, 2], b: {\"k\": 1}, c: 3)";
    let missing = |path: &[&str]| remove(src, path).unwrap_err();
    assert_eq!(
        missing(&["a", "2"]),
        PatchError::NotFound {
            at: vec!["a".into()],
            missing: "2".into(),
            available: vec!["0".into(), "1".into()]
        }
    );
    assert_eq!(
        missing(&["b", "q"]),
        PatchError::NotFound {
            at: vec!["b".into()],
            missing: "q".into(),
            available: vec!["k".into()]
        }
    );
    assert_eq!(
        missing(&["x", "y"]),
        PatchError::NotFound {
            at: vec![],
            missing: "x".into(),
            available: vec!["a".into(), "b".into(), "c".into()]
        }
    );
    assert_eq!(missing(&["c", "0"]), PatchError::NotAContainer { at: vec!["c".into()] });
    assert_eq!(missing(&[]), PatchError::NotAContainer { at: vec![] });
}

/// The parsed value at `path` (`Some` looked through), mutably.
fn value_at<'v>(value: &'v mut ron::Value, path: &[String]) -> &'v mut ron::Value {
    let mut value = value;
    for seg in path {
        while let ron::Value::Option(Some(inner)) = value {
            value = inner;
        }
        value = match value {
            ron::Value::Map(map) => map.get_mut(&ron::Value::String(seg.clone())).expect("key"),
            ron::Value::Seq(items) => &mut items[seg.parse::<usize>().expect("index")],
            other => panic!("{other:?} has no {seg}"),
        };
    }
    value
}

fn parse_value(text: &str) -> ron::Value {
    crate::patch::ron_options().from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// The entries `faultline shrink` may cut: top-level fields, faults, invariants, steps, and
/// clients, services, variants and customers by name.
fn removable(path: &[String]) -> bool {
    let parts: Vec<&str> = path.iter().map(String::as_str).collect();
    matches!(
        parts.as_slice(),
        [_] | ["faults" | "invariants", _]
            | ["clients" | "services" | "variants" | "customers", _]
            | ["services", _, "steps", _]
    )
}

#[test]
fn every_removable_entry_of_every_bundled_scenario_leaves_the_rest_as_parsed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut checked = 0;
    for file in std::fs::read_dir(&dir).expect("scenarios") {
        let file = file.expect("entry").path();
        let text = std::fs::read_to_string(&file).expect("readable");
        let original = parse_value(&text);
        for (path, _) in DocIndex::new(&text).paths().into_iter().filter(|(p, _)| removable(p)) {
            let parts: Vec<&str> = path.iter().map(String::as_str).collect();
            let after = parse_value(&removed(&text, &parts));
            let mut expected = original.clone();
            let (last, parent) = path.split_last().expect("not the root");
            match value_at(&mut expected, parent) {
                ron::Value::Map(map) => drop(map.remove(&ron::Value::String(last.clone()))),
                ron::Value::Seq(items) => drop(items.remove(last.parse::<usize>().expect("index"))),
                other => panic!("{other:?}"),
            }
            assert_eq!(after, expected, "{}: removing {path:?}", file.display());
            checked += 1;
        }
    }
    assert!(checked > 200, "{checked} entries");
}
