# The Node.js package: the addon is current, index.d.ts matches the package, then every
# test (vectors through the JS API, each hook against its real library and database, the
# example shop in report and block mode).
set -euo pipefail
cd "$(dirname "$0")/../.."
node bindings/node/scripts/build-native.js
bash scripts/generate.d/node.sh --check
cd bindings/node/test
node --test --test-concurrency=1 .
