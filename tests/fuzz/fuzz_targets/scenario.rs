//! Runs generated scenarios (`faultline_tests::generate`) as the property test does: any panic is
//! a crash, and a hang a timeout (run with `-timeout=N`). `cargo fuzz fmt` prints a saved input
//! as the scenario file it stands for.

#![no_main]

use faultline_tests::generate::{Generated, exercise};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|g: Generated| {
    exercise(&g);
});
