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

# The checker must be able to fail: wrong output, a failing command, a broken link.
broken=$(mktemp -d)
trap 'rm -rf "$broken"' EXIT
printf '<!-- snippet: run -->\n```sh\necho hello\n```\n<!-- snippet: output -->\n```\ngoodbye\n```\n' > "$broken/output.md"
printf '<!-- snippet: run -->\n```sh\nfalse\necho never\n```\n' > "$broken/status.md"
printf 'See [this](missing.md) and [that](#nowhere).\n' > "$broken/links.md"
for doc in output status links; do
  if python3 scripts/doc-snippets "$broken/$doc.md" > "$broken/$doc.log"; then
    echo "doc-snippets passed a broken document ($doc):"; cat "$broken/$doc.log"; exit 1
  fi
done

python3 scripts/doc-snippets README.md docs/*.md docs/detection/*.md examples/demo/README.md
