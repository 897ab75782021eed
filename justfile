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

ci:
    .ci/run
