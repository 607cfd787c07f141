# Python: rampart/_rampart.pyi describes the extension module. The stub is written by
# hand (pyo3 cannot emit types yet), so "generate" and "--check" both verify it against
# a fresh build: every class, method, property and parameter must match both ways.
# Usage: scripts/generate.d/40-python.sh [--check]
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/python-env.sh
python_env_build
python bindings/python/tools/stubcheck.py
