# Python 3 (standard library only) for tools/accuracy, run by scripts/test.d/30-accuracy.sh.
set -euo pipefail
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  apt-get update -qq && apt-get install -y -qq python3 >/dev/null
fi
python3 --version
