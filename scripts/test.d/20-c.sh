# The C ABI: the committed include/rampart.h matches the sources, then the C tests
# (bindings/c/Makefile): the header as C99/C11/C++11/C++17, the API, thread and
# conformance tests and the example, under AddressSanitizer+UBSan and under valgrind.
set -euo pipefail
export PATH="$HOME/.cargo/bin:$PATH"
scripts/generate --check c-header
make -C bindings/c test
