# Robustness beyond the per-language suites (docs/security.md):
#   - concurrency under ThreadSanitizer: one engine replaced while threads check, in
#     the core and through the C ABI (scripts/tsan; scripts/setup.d/65-robustness.sh
#     installs the nightly Rust and clang it needs);
#   - memory of long-running hosts: C (RSS sampled, and LeakSanitizer), Python and
#     Node.js loops creating and dropping requests over millions of checks; each fails
#     when resident memory still grows after its warm-up.
# RAMPART_SOAK_CHECKS sets the checks of the Python and Node loops (CI: 1M each).
set -euo pipefail
cd "$(dirname "$0")/../.."
checks="${RAMPART_SOAK_CHECKS:-1000000}"

RAMPART_CONCURRENCY_CHECKS=200000 scripts/tsan

make -C bindings/c soak SOAK_REQUESTS=$((checks / 8))

. scripts/lib/python-env.sh
python -c 'import rampart' 2>/dev/null || python_env_build
python benches/python_memory.py --checks "$checks"

node bindings/node/scripts/build-native.js
node --expose-gc benches/node_memory.js --checks "$checks"
echo "robustness: 4 passed, 0 failed"
