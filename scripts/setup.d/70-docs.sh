# curl, which the documentation's runnable commands use to talk to the example apps
# (scripts/test.d/80-docs.sh). Idempotent.
set -euo pipefail
if ! command -v curl >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >/dev/null
fi
curl --version | head -1
