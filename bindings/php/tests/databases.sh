#!/usr/bin/env bash
# Starts throw-away MariaDB and PostgreSQL servers on 127.0.0.1 for the mysqli and pgsql
# hook tests and exports RAMPART_TEST_MYSQL_PORT / RAMPART_TEST_PGSQL_PORT. Source it; call
# stop_databases when done. A server that cannot start leaves its variable unset (its
# tests then skip, and the suite script says so).
free_port() { php -r '$s = stream_socket_server("tcp://127.0.0.1:0"); echo substr(strrchr(stream_socket_get_name($s, false), ":"), 1);'; }
wait_port() { for _ in $(seq 1 100); do php -r 'exit(@fsockopen("127.0.0.1", (int)$argv[1]) ? 0 : 1);' "$1" && return 0; sleep 0.2; done; return 1; }

db_dir=$(mktemp -d /tmp/rampart-php-db.XXXXXX)
chmod 755 "$db_dir"
db_pids=()

start_mariadb() {
  local server install port
  server=$(ls /usr/sbin/mariadbd /usr/sbin/mysqld 2>/dev/null | head -1 || true)
  install=$(command -v mariadb-install-db || command -v mysql_install_db || true)
  [ -n "$server" ] && [ -n "$install" ] || return 0
  "$install" --no-defaults --datadir="$db_dir/mysql" --user=root --auth-root-authentication-method=normal \
    --skip-test-db >"$db_dir/mysql-install.log" 2>&1 || return 0
  port=$(free_port)
  "$server" --no-defaults --datadir="$db_dir/mysql" --socket="$db_dir/mysql.sock" --port="$port" \
    --bind-address=127.0.0.1 --user=root --pid-file="$db_dir/mysql.pid" --log-error="$db_dir/mysql.log" \
    --innodb-buffer-pool-size=16M --skip-log-bin >/dev/null 2>&1 &
  db_pids+=($!)
  wait_port "$port" && export RAMPART_TEST_MYSQL_PORT=$port
}

start_postgres() {
  local bin port run=()
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort | tail -1 || true)
  [ -n "$bin" ] && [ -x "$bin/initdb" ] || return 0
  mkdir -p "$db_dir/pg"
  # initdb and postgres refuse to run as root.
  if [ "$(id -u)" = 0 ]; then chown postgres "$db_dir/pg"; run=(runuser -u postgres --); fi
  "${run[@]}" "$bin/initdb" -D "$db_dir/pg/data" -U rampart --auth=trust -E UTF8 --no-sync \
    >"$db_dir/pg-init.log" 2>&1 || return 0
  port=$(free_port)
  "${run[@]}" "$bin/postgres" -D "$db_dir/pg/data" -p "$port" -k "$db_dir/pg" \
    -c listen_addresses=127.0.0.1 -c fsync=off >"$db_dir/pg.log" 2>&1 &
  db_pids+=($!)
  wait_port "$port" && export RAMPART_TEST_PGSQL_PORT=$port
}

stop_databases() {
  for pid in "${db_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${db_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$db_dir"
}

start_mariadb
start_postgres
