//! Runs generated scenarios (`faultline_tests::generate`) as the property test does: any panic is
//! a crash, and a hang a timeout (run with `-timeout=N`). `cargo fuzz fmt` prints a saved input
//! as the scenario file it stands for.
//!
//! Scenarios hitting a known, not yet fixed problem (`generate::known_issue`) are skipped so the
//! fuzzer looks for new ones; set `FAULTLINE_FUZZ_KNOWN_ISSUES=1` to run them too.

#![no_main]

use std::sync::OnceLock;

use faultline_tests::generate::{Generated, exercise, known_issue};
use libfuzzer_sys::fuzz_target;

fn skip_known_issues() -> bool {
    static SKIP: OnceLock<bool> = OnceLock::new();
    *SKIP.get_or_init(|| std::env::var_os("FAULTLINE_FUZZ_KNOWN_ISSUES").is_none())
}

fuzz_target!(|g: Generated| {
    exercise(&g, |s| skip_known_issues() && known_issue(s).is_some());
});
