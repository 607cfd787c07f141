# Shared by the Python setup, test and generate scripts: the virtual environment under
# target/ and the build of the extension into it.
RAMPART_VENV="${RAMPART_VENV:-$PWD/target/venv}"
if [ ! -x "$RAMPART_VENV/bin/python" ]; then
  echo "no Python environment at $RAMPART_VENV: run scripts/setup first" >&2
  return 1 2>/dev/null || exit 1
fi
export VIRTUAL_ENV="$RAMPART_VENV"
export PATH="$RAMPART_VENV/bin:$PATH"

# Builds the extension module and installs the package into the venv, the way a user
# does (`pip install ./bindings/python`, maturin as the PEP 517 backend). The venv
# already holds maturin, so the build needs no network.
python_env_build() {
  pip install --quiet --no-build-isolation --force-reinstall --no-deps ./bindings/python
}
