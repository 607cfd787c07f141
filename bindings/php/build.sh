#!/usr/bin/env bash
# Builds the PHP extension: bindings/php/modules/rampart.so, for the PHP whose php-config
# is on PATH (PHP's development headers and libclang are needed; scripts/setup.d/85-php.sh
# installs them). Then: php -d extension=$PWD/bindings/php/modules/rampart.so -m
set -euo pipefail
cd "$(dirname "$0")"
cargo build --release --locked
mkdir -p modules
cp "${CARGO_TARGET_DIR:-target}/release/librampart.so" modules/rampart.so.tmp
mv modules/rampart.so.tmp modules/rampart.so
echo "built $(pwd)/modules/rampart.so for PHP $(php-config --version)"
