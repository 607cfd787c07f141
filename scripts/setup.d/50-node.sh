# Node.js package: Node and npm, the databases the hook tests start (PostgreSQL, MariaDB),
# SQLite headers, the native addon, then the npm dependencies of the tests
# (bindings/node/test) and of the example shop.
# Native npm modules (sqlite3, better-sqlite3) build from source against Debian's Node
# headers. Idempotent: an install runs only when package-lock.json changed.
set -euo pipefail
cd "$(dirname "$0")/../.."

missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/sbin/mariadbd ] || [ -x /usr/sbin/mysqld ] || missing+=(mariadb-server)
[ -f /usr/include/sqlite3.h ] || missing+=(libsqlite3-dev)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v g++ >/dev/null 2>&1 || missing+=(g++ make)
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

export npm_config_nodedir=/usr           # Debian's Node headers: no header download
export npm_config_build_from_source=true # no prebuilt binary download
export npm_config_sqlite=/usr            # sqlite3 links the system SQLite
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

install_if_changed() {
  local dir=$1
  if [ -f "$dir/node_modules/.package-lock.json" ] && [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; then
    echo "$dir: npm dependencies up to date"
    return
  fi
  echo "$dir: npm ci"
  (cd "$dir" && npm ci --loglevel=error)
}

node bindings/node/scripts/build-native.js # the addon (cargo); rebuilt when the Rust sources changed
install_if_changed bindings/node/test      # the libraries the hooks patch, frameworks, autocannon
install_if_changed examples/node-express
node --version
