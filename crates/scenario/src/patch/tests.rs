//! Patches through `load`: paths with quoted names, bare words taken as strings, variants'
//! entries in the order written.

use crate::doc::DocIndex;
use crate::{Overrides, ScenarioError, load};

/// A scenario whose component names hold dots, quotes and spaces.
const ODD_NAMES: &str = r#"Scenario(
    name: "odd",
    duration: "60s",
    clients: {
        "web.eu": (target: "api.v2", rate: "10/s"),
    },
    services: {
        "api.v2": (workers: 2, service_time: Exp(mean: "50ms")),
        "say \"hi\"": (workers: 1, service_time: Const("1ms")),
    },
    invariants: [NoLostRequests],
    variants: {
        "more": (set: { "services.\"api.v2\".workers": 6 }),
        "bad": (set: { "services.api.v2.workers": 6 }),
    },
)
"#;

fn with(
    text: &str,
    variant: Option<&str>,
    sets: &[&str],
) -> Result<crate::Scenario, ScenarioError> {
    let overrides = Overrides {
        variant: variant.map(str::to_string),
        sets: sets.iter().map(|s| s.to_string()).collect(),
    };
    load("t.ron", text, &overrides)
}

fn workers(scenario: &crate::Scenario, service: &str) -> u32 {
    let id = scenario.world.services.iter().position(|s| s.name == service).expect("service");
    scenario.world.services[id].workers
}

fn error(text: &str, variant: Option<&str>, sets: &[&str]) -> String {
    with(text, variant, sets).expect_err("should fail").to_string()
}

#[test]
fn quoted_names_reach_names_with_dots() {
    let s = with(ODD_NAMES, None, &[r#"services."api.v2".workers=4"#]).unwrap();
    assert_eq!(workers(&s, "api.v2"), 4);
    let s = with(ODD_NAMES, None, &[r#"services."say \"hi\"".workers=3"#]).unwrap();
    assert_eq!(workers(&s, "say \"hi\""), 3);
    let s = with(ODD_NAMES, Some("more"), &[]).unwrap();
    assert_eq!(workers(&s, "api.v2"), 6);
}

#[test]
fn unquoted_dotted_names_list_the_quoted_names() {
    let message = error(ODD_NAMES, None, &["services.api.v2.workers=4"]);
    assert!(
        message.starts_with("--set services.api.v2.workers=4: `services` has no `api`"),
        "{message}"
    );
    assert!(
        message.contains(r#"help: names holding a `.` are quoted: `services."api.v2".workers`"#),
        "{message}"
    );
    let message = error(ODD_NAMES, None, &[r#"services."api.v3".workers=4"#]);
    assert!(message.contains(r#"did you mean `"api.v2"`?"#), "{message}");
    let message = error(ODD_NAMES, None, &["services.zzz.workers=4"]);
    assert!(message.contains(r#"valid names here are `"api.v2"` and `"say \"hi\""`"#), "{message}");
    // In a variant, the problem is at the variant's key.
    let message = error(ODD_NAMES, Some("bad"), &[]);
    assert!(message.starts_with("t.ron:14:24: `services` has no `api`"), "{message}");
}

#[test]
fn bad_paths_are_located() {
    let message = error(ODD_NAMES, None, &[r#"services."api.v2.workers=4"#]);
    assert!(message.contains("is not a path") && message.contains("not closed"), "{message}");
    let message = error(ODD_NAMES, None, &["services..workers=4"]);
    assert!(
        message
            .starts_with("--set services..workers=4: `services..workers` is not a path: column 10"),
        "{message}"
    );
    let text = ODD_NAMES.replace(r#""services.api.v2.workers""#, r#""services.\"api.v2\"x""#);
    let message = error(&text, Some("bad"), &[]);
    assert!(
        message.starts_with("t.ron:14:24: ") && message.contains("after a quoted name"),
        "{message}"
    );
}

#[test]
fn validation_problems_name_quoted_paths() {
    let message = error(ODD_NAMES, None, &[r#"services."api.v2".workers=0"#]);
    assert!(message.contains(r#"`services."api.v2".workers` is 0"#), "{message}");
    let text = ODD_NAMES.replace("workers: 2", "workers: 0");
    let message = error(&text, None, &[]);
    assert!(message.starts_with(r#"t.ron:8:29: `services."api.v2".workers` is 0"#), "{message}");
}

/// The base has no retry; the variant sets the whole policy and one field of it.
fn retry_variant(entries: &str) -> String {
    let order = format!("\"order\": (set: {{ {entries} }}),\n        \"bad\": (");
    ODD_NAMES.replace(r#""bad": ("#, &order)
}

fn max_attempts(text: &str) -> u32 {
    let s = with(text, Some("order"), &[]).unwrap();
    s.world.clients[0].call.retry.as_ref().expect("a retry policy").max_attempts
}

#[test]
fn a_variants_entries_apply_in_the_order_written() {
    let whole_then_field = retry_variant(
        r#""clients.\"web.eu\".retry": (max_attempts: 3), "clients.\"web.eu\".retry.max_attempts": 5"#,
    );
    assert_eq!(max_attempts(&whole_then_field), 5);
    // Sorted by key, the whole policy would come first here too, and 5 would win.
    let field_then_whole = retry_variant(
        r#""clients.\"web.eu\".retry.max_attempts": 5, "clients.\"web.eu\".retry": (max_attempts: 3)"#,
    );
    assert_eq!(max_attempts(&field_then_whole), 3);
}

const VALUES: &str = r#"Scenario(
    name: "t",
    duration: "60s",
    clients: { "web": (target: "api", rate: "10/s", class: "high") },
    services: {
        "api": (workers: 2, service_time: Exp(mean: "50ms"), queue: Fifo),
        "1": (workers: 1, service_time: Const("1ms")),
    },
    invariants: [NoLostRequests],
)
"#;

/// The text at `path` after `--set ARG`, or the error.
fn after_set(arg: &str, path: &[&str]) -> Result<String, String> {
    let base = super::parse(VALUES).unwrap();
    let overrides = Overrides { variant: None, sets: vec![arg.to_string()] };
    let patched = super::apply(VALUES, &base, &overrides).map_err(|p| format!("{p:?}"))?;
    let loc = crate::doc::DocIndex::new(&patched.text).find(path).expect("the path is there");
    Ok(patched.text[loc.start..loc.end].to_string())
}

#[test]
fn bare_words_become_strings_where_strings_are_expected() {
    let cases: &[(&str, &[&str], &str)] = &[
        ("clients.web.target=api", &["clients", "web", "target"], r#""api""#),
        ("clients.web.target=1", &["clients", "web", "target"], r#""1""#),
        ("clients.web.class=low", &["clients", "web", "class"], r#""low""#),
        ("duration=600s", &["duration"], r#""600s""#),
        ("clients.web.rate=300/s", &["clients", "web", "rate"], r#""300/s""#),
        ("name=1e3", &["name"], r#""1e3""#),
        ("name=0x1F", &["name"], r#""0x1F""#),
        ("name=true", &["name"], r#""true""#),
        ("name=inf", &["name"], r#""inf""#),
        ("name=None", &["name"], r#""None""#),
        ("name=Some(x)", &["name"], r#""Some(x)""#),
        ("name=Fifo", &["name"], r#""Fifo""#),
        (r#"lesson=say "hi""#, &["lesson"], r#""say \"hi\"""#),
        (r#"lesson="hi" there"#, &["lesson"], r#""\"hi\" there""#),
        (r"lesson=C:\temp\n", &["lesson"], r#""C:\\temp\\n""#),
        ("lesson=it's é 🦀", &["lesson"], r#""it's é 🦀""#),
        ("lesson=two  spaces ", &["lesson"], r#""two  spaces""#),
        ("lesson=", &["lesson"], r#""""#),
        ("lesson=a, b: c", &["lesson"], r#""a, b: c""#),
        ("clients.web.timeout=2s", &["clients", "web", "timeout"], r#""2s""#),
        ("services.api.contention=1ms", &["services", "api", "contention"], r#""1ms""#),
    ];
    assert_each_reads_back(cases);
}

#[test]
fn ron_values_are_kept_as_written() {
    let cases: &[(&str, &[&str], &str)] = &[
        (r#"name="quoted""#, &["name"], r#""quoted""#),
        (r##"name=r#"raw "x""#"##, &["name"], r##"r#"raw "x""#"##),
        (r#"lesson="a\tb\u{e9}""#, &["lesson"], r#""a\tb\u{e9}""#),
        ("services.api.workers=16", &["services", "api", "workers"], "16"),
        ("services.api.workers=0x10", &["services", "api", "workers"], "0x10"),
        ("services.api.workers=1_000", &["services", "api", "workers"], "1_000"),
        ("services.api.queue_capacity=None", &["services", "api", "queue_capacity"], "None"),
        ("services.api.queue_capacity=Some(5)", &["services", "api", "queue_capacity"], "Some(5)"),
        ("services.api.queue=Fifo", &["services", "api", "queue"], "Fifo"),
        (
            r#"services.api.queue=Priority(order: ["high"])"#,
            &["services", "api", "queue"],
            r#"Priority(order: ["high"])"#,
        ),
        (
            r#"clients.web.shape=Spike(at: "1s", length: "1s", factor: 2.0)"#,
            &["clients", "web", "shape"],
            r#"Spike(at: "1s", length: "1s", factor: 2.0)"#,
        ),
        ("clients.web.retry=(max_attempts: 3)", &["clients", "web", "retry"], "(max_attempts: 3)"),
        (
            "clients.web.retry=(max_attempts: 2, retry_on: [Timeout])",
            &["clients", "web", "retry", "retry_on"],
            "[Timeout]",
        ),
        ("clients.web.timeout=None", &["clients", "web", "timeout"], "None"),
        (r#"clients.web.timeout=Some("2s")"#, &["clients", "web", "timeout"], r#"Some("2s")"#),
        ("clients.web.cancel_on_timeout=true", &["clients", "web", "cancel_on_timeout"], "true"),
        ("services.api.hold_while_open=true", &["services", "api", "hold_while_open"], "true"),
    ];
    assert_each_reads_back(cases);
}

#[test]
fn values_of_the_wrong_kind_are_errors_not_strings() {
    for arg in [
        "services.api.workers=many",
        r#"services.api.workers="16""#,
        "services.api.workers=1, queue_capacity: 5",
        "services.api.workers=5 // five",
        "services.api.queue=Lifo",
        "clients.web.shape=Spike(at: \"1s\")",
        "clients.web.cancel_on_timeout=yes",
    ] {
        let message = error(VALUES, None, &[arg]);
        assert!(message.starts_with(&format!("--set {arg}: setting ")), "{message}");
    }
    let message = error(VALUES, None, &["services.api.workers=many"]);
    assert!(message.contains("`services.api.workers`") && message.contains("integer"), "{message}");
}

/// Every bundled scenario: (file name, text).
fn bundled() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the scenarios folder")
        .map(|e| e.expect("a folder entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "bundled scenarios in {}", dir.display());
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).expect("readable"))
        })
        .collect()
}

/// The text after the given patches, or the problems.
fn patched(text: &str, variant: Option<&str>, sets: Vec<String>) -> Result<String, String> {
    let base = super::parse(text).map_err(|p| p.message)?;
    let overrides = Overrides { variant: variant.map(str::to_string), sets };
    super::apply(text, &base, &overrides).map(|p| p.text).map_err(|p| format!("{p:?}"))
}

/// Patching any value of a bundled scenario with its own text, through `--set` or through a
/// variant's `set`, leaves the text as it was. Paths are written with `path::display`, so
/// the keys of the variants' own `set` maps (`variants.fixed.set."services.db.workers"`) are
/// quoted names.
#[test]
fn bundled_values_set_to_their_own_text_leave_the_file_unchanged() {
    let mut checked = 0;
    for (file, text) in bundled() {
        let base = format!("{:?}", super::parse(&text).expect("bundled scenarios parse"));
        let index = DocIndex::new(&text);
        for (segments, at) in index.paths().into_iter().skip(1) {
            let own = &text[at.start..at.end];
            let arg = format!("{}={own}", crate::path::display(&segments));
            let after = patched(&text, None, vec![arg.clone()]);
            assert_eq!(after.as_deref(), Ok(text.as_str()), "{file}: --set {arg}");
            checked += 1;
            if segments[0] == "variants" {
                continue;
            }
            // The same through a variant added for it.
            let key = crate::doc::quote(&crate::path::display(&segments));
            let with_variant = add_variant(&text, &format!("(set: {{ {key}: {own} }})"));
            let after = patched(&with_variant, Some("own"), vec![]);
            if after.as_deref() != Ok(with_variant.as_str()) {
                let after = after.unwrap_or_default();
                let start =
                    after.bytes().zip(with_variant.bytes()).take_while(|(a, b)| a == b).count();
                panic!(
                    "{file}: variant {key}: from byte {start}: {:?} vs {:?}",
                    &after[start..(start + 80).min(after.len())],
                    &with_variant[start..(start + 80).min(with_variant.len())]
                );
            }
        }
        let again = patched(&text, None, vec![]).expect("no patches");
        assert_eq!(format!("{:?}", super::parse(&again).unwrap()), base);
    }
    assert!(checked > 400, "{checked} paths");
}

/// `text` with a variant `own` added.
fn add_variant(text: &str, variant: &str) -> String {
    let has_variants = DocIndex::new(text).find(&["variants"]).is_some();
    let (path, value) = if has_variants {
        (&["variants", "own"][..], variant.to_string())
    } else {
        (&["variants"][..], format!("{{ \"own\": {variant} }}"))
    };
    crate::doc::patch(text, path, &value).expect("a variant can be added").0
}

#[test]
fn hex_escapes_in_names_are_decoded() {
    let text = VALUES.replace(r#""1": (workers: 1"#, r#""\x31\xC3\xA9": (workers: 1"#);
    let s = with(&text, None, &["services.1é.workers=3"]).unwrap();
    assert_eq!(workers(&s, "1é"), 3);
}

/// String values of the bundled scenarios (outside the variants' `set` maps, which take any
/// RON): (scenario text, path).
fn string_paths() -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for (_, text) in bundled() {
        for (segments, at) in DocIndex::new(&text).paths() {
            let in_set = segments.first().is_some_and(|s| s == "variants")
                && segments.get(2).is_some_and(|s| s == "set");
            if !in_set && text[at.start..at.end].starts_with('"') {
                out.push((text.clone(), segments));
            }
        }
    }
    out
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]

    /// A word set where a bundled scenario has a string reads back as exactly that string,
    /// unless it is RON that means something there (a string already, `None`, `Some(..)`).
    #[test]
    fn a_word_set_where_a_string_is_expected_reads_back(
        pick in proptest::prelude::any::<proptest::sample::Index>(),
        word in r#"[a-zA-Z0-9 ._/%:()\[\]{},"'\\#=é-]{0,12}"#,
    ) {
        let word = word.trim();
        proptest::prop_assume!(!word.starts_with(['"', '\'']) && !word.starts_with("r\""));
        proptest::prop_assume!(!word.starts_with("r#\"") && !word.starts_with("b\""));
        proptest::prop_assume!(word != "None" && !word.starts_with("Some("));
        let paths = string_paths();
        let (text, segments) = &paths[pick.index(paths.len())];
        let arg = format!("{}={word}", crate::path::display(segments));
        let after = patched(text, None, vec![arg.clone()]).expect("a string can be set");
        let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
        let at = DocIndex::new(&after).find(&parts).expect("the path is still there");
        proptest::prop_assert_eq!(&after[at.start..at.end], crate::doc::quote(word), "--set {}", arg);
    }
}

#[test]
fn a_variants_values_are_spliced_without_the_space_and_comments_around_them() {
    let text = VALUES.replace(
        "    invariants: [NoLostRequests],",
        "    invariants: [NoLostRequests],\n    variants: { \"v\": (set: {\n        \"services.api.workers\":  /* more */ 16 // pods\n    }) },",
    );
    let after = patched(&text, Some("v"), vec![]).unwrap();
    assert!(after.contains("\"api\": (workers: 16, service_time"), "{after}");
}

/// Each `--set` argument leaves the text `want` at its path; every case that does not is listed.
fn assert_each_reads_back(cases: &[(&str, &[&str], &str)]) {
    let wrong: Vec<String> = cases
        .iter()
        .filter(|(arg, path, want)| after_set(arg, path).as_deref() != Ok(*want))
        .map(|(arg, path, _)| format!("--set {arg}: {:?}", after_set(arg, path)))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
