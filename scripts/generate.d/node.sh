# bindings/node/index.d.ts: written by hand, drift-checked against the package.
# The check compares every runtime export (and each class's members) with the
# declarations and compiles them with `tsc --strict`; it fails when they differ. There is
# nothing to generate, so both modes (`node.sh` and `node.sh --check`) run the check.
set -euo pipefail
cd "$(dirname "$0")/../../bindings/node"
if [ ! -d test/node_modules/typescript ]; then
  echo "bindings/node: npm dependencies missing: run scripts/setup first" >&2
  exit 1
fi
node scripts/check-types.js
