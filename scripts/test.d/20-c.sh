# The C ABI: the committed include/rampart.h matches the sources, then the C tests
# (bindings/c/Makefile): the header as C99/C11/C++11/C++17, the API, thread and
# conformance tests, the examples, under AddressSanitizer+UBSan and under valgrind.
set -euo pipefail
export PATH="$HOME/.cargo/bin:$PATH"
# A panic must reach the boundary as an unwind (RAMPART_STATUS_PANIC), never abort the host.
if git ls-files -z -- '*Cargo.toml' | xargs -0 grep -nE '^\s*panic\s*=\s*"abort"'; then
  echo 'panic = "abort" would turn a caught bug into a crash of the host'; exit 1
fi
scripts/generate --check c-header
make -C bindings/c test
