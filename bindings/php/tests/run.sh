#!/usr/bin/env bash
# Runs the extension's .phpt tests with PHP's own run-tests.php (from php-dev).
# Events go to /dev/null unless a test names its own file (--INI-- rampart.events=...).
set -euo pipefail
cd "$(dirname "$0")/.."
run_tests=$(ls /usr/lib/php/*/build/run-tests.php "$(php-config --prefix)"/lib/php/build/run-tests.php 2>/dev/null | head -1 || true)
[ -n "$run_tests" ] || { echo "run-tests.php not found (install php-dev)"; exit 2; }
export NO_INTERACTION=1 REPORT_EXIT_STATUS=1
exec php "$run_tests" -q --show-diff -p "$(command -v php)" \
  -d extension="$PWD/modules/rampart.so" -d rampart.events=/dev/null "${@:-tests}"
