# Fuzz smoke: builds every fuzz target (fuzz/, cargo-fuzz on the stable compiler, see
# scripts/fuzz-long) and runs each for a few seconds from seeds made from the vectors
# and the shared corpus. Fails on any panic, hang, memory blow-up or oracle failure
# (lexer tokens tile the input, an attack's span is an occurrence of its input, a policy
# survives parse -> serialize -> parse, an event is one line of JSON). Long runs:
# scripts/fuzz-long (docs/security.md). RAMPART_FUZZ_SECONDS changes the time per target.
set -euo pipefail
cd "$(dirname "$0")/../.."
(cd fuzz && cargo fmt -- --check)
export RAMPART_CORPUS="${RAMPART_CORPUS:-../shared/corpus}"
scripts/fuzz-seeds --per-source 100
scripts/fuzz-long --time "${RAMPART_FUZZ_SECONDS:-12}"
