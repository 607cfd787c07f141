# The Rust workspace: formatting, lints (warnings are errors), then every test,
# including the conformance vectors and the zero-allocation proof.
set -euo pipefail
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
