# PHP extension: PHP 8.2 with its development headers (php-config, run-tests.php), the
# extensions the hooks patch (SQLite3/PDO, mysqli, pgsql, curl), libclang for
# ext-php-rs's bindgen, the database servers the hook tests start on 127.0.0.1, then
# the extension itself (bindings/php/build.sh). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."

apt_packages=(php8.2-cli php8.2-dev php8.2-sqlite3 php8.2-mysql php8.2-pgsql php8.2-curl clang libclang-dev
  postgresql mariadb-server)
missing=()
for package in "${apt_packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# The Debian packages start their services on install; the tests start their own.
for service in postgresql mariadb; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$service" 2>/dev/null; then
    systemctl stop "$service" >/dev/null 2>&1 || true
  fi
done
bindings/php/build.sh
