# The documentation's commands: every block marked runnable in README.md, the getting-
# started guide and the tuning guide is run (a Flask app and an Express app on
# 127.0.0.1, the C example, the `rampart` command) and its output compared with the
# output the page shows (scripts/doc-snippets).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$HOME/.cargo/bin:$PATH"
. scripts/lib/python-env.sh
python_env_build                           # the Python guide's app imports rampart as installed
node bindings/node/scripts/build-native.js # the Node guide's app loads the addon
cargo build -q --release -p rampart-cli    # `rampart` in the tuning guide
ruff check scripts/doc-snippets && ruff format --check scripts/doc-snippets
python3 scripts/doc-snippets README.md docs/*.md docs/detection/*.md examples/demo/README.md
