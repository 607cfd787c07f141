# include/rampart.h, from the extern "C" functions and types of bindings/c, by the
# cbindgen version pinned in scripts/setup.d/20-c.sh. $1: the output root.
set -euo pipefail
want=$(sed -n 's/^CBINDGEN_VERSION=//p' scripts/setup.d/20-c.sh)
have=$(cbindgen --version 2>/dev/null || true)
if [ "$have" != "cbindgen $want" ]; then
  echo "generate: need cbindgen $want (have: ${have:-none}); run scripts/setup" >&2
  exit 1
fi
mkdir -p "$1/include"
cbindgen --quiet --config bindings/c/cbindgen.toml --crate rampart-ffi --output "$1/include/rampart.h" bindings/c
