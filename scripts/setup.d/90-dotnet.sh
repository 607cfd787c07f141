# .NET: this machine kind has no .NET SDK, so the binding is built and tested with Debian's
# Mono (mcs and the mono runtime), Mono.Data.Sqlite (a real ADO.NET driver for the
# integration tests) and SQLite itself. Idempotent: installs only what is missing.
set -euo pipefail

missing=()
command -v mcs >/dev/null 2>&1 || missing+=(mono-devel)
command -v mono >/dev/null 2>&1 || missing+=(mono-runtime)
[ -f /usr/lib/mono/4.5/Mono.Data.Sqlite.dll ] || missing+=(libmono-sqlite4.0-cil)
ls /usr/lib/x86_64-linux-gnu/libsqlite3.so.0 /usr/lib/*/libsqlite3.so.0 >/dev/null 2>&1 || missing+=(libsqlite3-0)
command -v cc >/dev/null 2>&1 || missing+=(gcc) # the ABI-mismatch test builds a stand-in library
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
mono --version | head -n 1
