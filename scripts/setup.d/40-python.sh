# Python binding: a virtual environment under target/venv with maturin, the test
# frameworks and the database drivers, plus the PostgreSQL and MariaDB servers the
# hook tests start on 127.0.0.1, and the MariaDB client headers mysqlclient builds
# against. Idempotent: does nothing when everything is in place.
set -euo pipefail
cd "$(dirname "$0")/../.."

apt_packages=(postgresql mariadb-server libmariadb-dev pkg-config python3-venv)
missing=()
for package in "${apt_packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
# python3-venv is only needed where python3 cannot make a venv by itself.
if python3 -c 'import venv, ensurepip' 2>/dev/null; then
  missing=("${missing[@]/python3-venv}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

venv="${RAMPART_VENV:-$PWD/target/venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
fi
. scripts/lib/python-env.sh
requirements=bindings/python/requirements-dev.txt
stamp="$RAMPART_VENV/.requirements.sha256"
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  pip install --quiet -r "$requirements"
  echo "$want" > "$stamp"
fi
python --version
