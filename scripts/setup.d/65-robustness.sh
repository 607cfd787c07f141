# Robustness suite: ThreadSanitizer needs a nightly Rust (for -Zsanitizer=thread and its
# runtime) and clang (the C side of the C ABI concurrency test). Idempotent.
set -euo pipefail
export PATH="$HOME/.cargo/bin:$PATH"

if ! rustc +nightly -V >/dev/null 2>&1; then
  echo "installing: nightly Rust (minimal profile) for ThreadSanitizer"
  rustup toolchain install nightly --profile minimal
fi
if ! command -v clang >/dev/null; then
  echo "installing: clang"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang >/dev/null
fi
rustc +nightly -V
