# cargo-fuzz for the fuzz smoke (scripts/test.d/60-fuzz.sh), pinned, from crates.io. It
# builds libFuzzer with the C++ compiler that scripts/setup.d/20-c.sh installs. Idempotent.
set -euo pipefail
CARGO_FUZZ_VERSION=0.13.2
export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v c++ >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq g++ >/dev/null
fi
if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --quiet
fi
cargo fuzz --version
