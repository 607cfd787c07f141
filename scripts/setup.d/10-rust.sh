# Rust toolchain with rustfmt and clippy (rustup is on this machine kind; install if not).
set -euo pipefail
if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then export PATH="$HOME/.cargo/bin:$PATH"; else
    apt-get update -qq && apt-get install -y -qq cargo rustc >/dev/null
  fi
fi
if command -v rustup >/dev/null 2>&1; then
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
fi
cargo --version
