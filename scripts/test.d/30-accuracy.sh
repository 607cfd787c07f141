# Accuracy gate for the SQL injection check and the context-free payload inspection: rebuilds the (query, input) pairs from the
# public corpora, runs them through the release CLI and fails if attack recall or the
# false-positive rate regressed beyond tools/accuracy/thresholds.json
# (how the pairs are built: docs/accuracy.md). The corpus is ../shared/corpus or
# $RAMPART_CORPUS; it is required, a missing corpus fails the suite.
set -euo pipefail
corpus="${RAMPART_CORPUS:-../shared/corpus}"
if [ ! -d "$corpus" ]; then
  echo "30-accuracy: FAILED: corpus not found at '$corpus' (relative to $(pwd)); set RAMPART_CORPUS" >&2
  exit 1
fi
tools/accuracy/run --check
