# The demo (`make demo`) as a test: the Express and Flask example shops, each in report
# and block mode on 127.0.0.1, attacked with SQL injection, command injection, path
# traversal and SSRF against a loopback metadata stand-in. The demo exits 1 when any row
# of its table is wrong. Setup has run already (scripts/test), so the demo skips it.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/python-env.sh
ruff check examples/demo && ruff format --check examples/demo
RAMPART_SKIP_SETUP=1 ./scripts/demo
