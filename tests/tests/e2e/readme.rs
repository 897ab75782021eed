//! The scenario examples in the README are real: the full example loads as written, and the
//! mechanisms reference validates once the services it calls exist.

use faultline_scenario::{Overrides, load};
use faultline_tests::workspace_root;

fn ron_blocks() -> Vec<String> {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README.md");
    readme
        .split("```ron\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap_or("").to_string())
        .collect()
}

#[test]
fn the_full_example_loads_with_every_variant() {
    let blocks = ron_blocks();
    let example = blocks.first().expect("a ron example in the README");
    let base =
        load("README example", example, &Overrides::default()).unwrap_or_else(|e| panic!("{e}"));
    for (variant, _) in &base.variants {
        let overrides = Overrides { variant: Some(variant.clone()), sets: vec![] };
        load("README example", example, &overrides).unwrap_or_else(|e| panic!("{variant}: {e}"));
    }
}

#[test]
fn the_mechanisms_reference_validates() {
    let blocks = ron_blocks();
    let fragment = blocks.get(1).expect("the mechanisms block");
    let others = r#"    "a": (workers: 1, service_time: Const("1ms")),
    "b": (workers: 1, service_time: Const("1ms")),
    "db": (workers: 4, service_time: Const("1ms")),
"#;
    let body = fragment.replacen("services: {\n", &format!("services: {{\n{others}"), 1);
    let text = format!("Scenario(\n    name: \"mechanisms\",\n    duration: \"300s\",\n{body})\n");
    load("README mechanisms", &text, &Overrides::default())
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
}
