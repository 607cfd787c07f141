# The PHP extension: formatting and lints of its crate (a workspace of its own), the
# build, PHP's own .phpt tests through run-tests.php (the API, every vector, each hook
# against the real SQLite3/PDO, MariaDB, PostgreSQL, shell, file system and curl), then
# the example app under `php -S` in report and block mode.
set -euo pipefail
cd "$(dirname "$0")/../.."
(cd bindings/php && cargo fmt -- --check && cargo clippy --release --locked -- -D warnings)
bindings/php/build.sh
php -d extension="$PWD/bindings/php/modules/rampart.so" -m | grep -x rampart

source bindings/php/tests/databases.sh
trap stop_databases EXIT
# The setup installs both servers: a hook test that skips here would hide a regression.
[ -n "${RAMPART_TEST_MYSQL_PORT:-}" ] || { echo "MariaDB did not start: see $db_dir"; exit 1; }
[ -n "${RAMPART_TEST_PGSQL_PORT:-}" ] || { echo "PostgreSQL did not start: see $db_dir"; exit 1; }
bindings/php/tests/run.sh
php bindings/php/tests/app/app_test.php
