//! Patches through `load`: paths with quoted names, bare words taken as strings, variants'
//! entries in the order written.

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
