//! Thousands of generated scenarios (`faultline_tests::generate`), none of which may panic or
//! hang: each loads or is refused with errors, and each that loads runs to its end or to a typed
//! limit. A watchdog turns a hang into a failure that prints the scenario, not a stuck run.
//!
//! The cases come from a fixed seed, so the test is the same on every run; set
//! `PROPTEST_RNG_SEED` (and `PROPTEST_CASES`) to look further.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

use faultline_tests::generate::{self, Generated, exercise};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const CASES: u32 = 3_000;

/// A generated run takes milliseconds; one that has not answered in this long never will.
const WATCHDOG: Duration = Duration::from_secs(5);

/// Set once a case hangs. Its thread cannot be stopped and goes on spinning, so the cases
/// proptest tries next (to shrink it) are not run: each would leave one more spinning thread.
/// The hanging input is reported as it was found.
static HUNG: AtomicBool = AtomicBool::new(false);

fn config() -> Config {
    // `Config::default()` reads PROPTEST_CASES and PROPTEST_RNG_SEED; without them, fixed values.
    let from_env = Config::default();
    let set = |name: &str| std::env::var_os(name).is_some();
    Config {
        cases: if set("PROPTEST_CASES") { from_env.cases } else { CASES },
        rng_seed: if set("PROPTEST_RNG_SEED") { from_env.rng_seed } else { RngSeed::Fixed(1) },
        failure_persistence: None,
        ..from_env
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn generated_scenarios_never_panic_or_hang(bytes in vec(any::<u8>(), 0..1536)) {
        if !HUNG.load(Ordering::Relaxed) {
            check(generate::from_bytes(&bytes));
        }
    }
}

/// Exercises one scenario on a thread of its own, failing with the scenario's text if it
/// panics or does not finish within [`WATCHDOG`].
fn check(g: Generated) {
    let (done, answer) = mpsc::channel();
    let case = g.clone();
    let worker = thread::Builder::new()
        .name("generated scenario".into())
        .spawn(move || done.send(exercise(&case)))
        .expect("spawn a thread");
    match answer.recv_timeout(WATCHDOG) {
        Ok(_) => worker.join().expect("it answered").expect("the receiver is alive"),
        Err(RecvTimeoutError::Timeout) => {
            HUNG.store(true, Ordering::Relaxed);
            panic!("no answer after {WATCHDOG:?}: the simulator hangs on\n{g:?}");
        }
        Err(RecvTimeoutError::Disconnected) => {
            let payload = worker.join().expect_err("it dropped its sender by panicking");
            panic!("panicked ({}) on\n{g:?}", message(payload.as_ref()));
        }
    }
}

fn message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("a panic without a message")
}

#[test]
fn most_generated_scenarios_are_valid() {
    // Validation must be exercised, but a generator whose scenarios are mostly refused would
    // test little of the simulator. Each mechanism it draws brings its own chance of a
    // deliberately wrong value (a bad zone, a token from nowhere), so the share valid falls a
    // little as mechanisms are added: 118 of 200 with tokens and customers; 119 with topics,
    // consumers and a database service (26 of the 37 with a topic valid), scheduled clients
    // now naming their class as the queues expect; 116 once a field a `Publish` key, a
    // malformed share or a `Require` reads must be one something sets. The floor leaves room
    // for a few more.
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut bytes = vec![0u8; 1536];
    let valid = (0..200)
        .filter(|_| {
            rng.fill_bytes(&mut bytes);
            let text = generate::from_bytes(&bytes).text;
            faultline_scenario::load("generated.ron", &text, &Default::default()).is_ok()
        })
        .count();
    eprintln!("{valid} of 200 generated scenarios are valid");
    assert!(valid >= 110, "only {valid} of 200 generated scenarios are valid");
}
