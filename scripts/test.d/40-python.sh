# Python binding: build and install it the way users do (pip + maturin), check that
# the committed stub matches the extension, lint, build the abi3 wheel, then run the
# tests: API, every conformance vector, inputs, middleware, each hook against its real
# driver (PostgreSQL and MariaDB started on 127.0.0.1), and real Flask, Django and
# FastAPI apps served on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/python-env.sh

python_env_build
python bindings/python/tools/stubcheck.py
ruff check bindings/python benches/python_overhead.py examples/python-flask
ruff format --check bindings/python benches/python_overhead.py examples/python-flask

maturin build --quiet --release -m bindings/python/Cargo.toml -o target/wheels 2>&1 | tail -1
ls target/wheels/rampart_rasp-*-cp38-abi3-*.whl >/dev/null

RAMPART_REQUIRE_SERVERS=1 python -m pytest bindings/python/tests -q -p no:cacheprovider
