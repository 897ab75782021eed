# Convenience wrappers; CI and the README use cargo directly.

default: test

fmt:
    cargo fmt --all

lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

test:
    cargo test --release --workspace

bench:
    cargo bench -p faultline-tests --bench mm1
    cargo bench -p faultline-tests --bench report
    cargo bench -p faultline-tests --bench scale

# Fuzz generated scenarios for `secs` seconds (needs `cargo install cargo-fuzz`).
fuzz secs="1800":
    cargo fuzz run --fuzz-dir tests/fuzz -s none scenario -- -timeout=20 -max_total_time={{secs}}

ci:
    .ci/run
