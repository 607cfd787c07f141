# The .NET binding under Mono (bindings/dotnet): build the library and its tests with mcs,
# then run every conformance vector through the C# API (counts per kind computed here,
# independently of the runner), the API and integration tests, the HttpListener
# application in block and report mode, and the refusal of a librampart with another C ABI.
set -euo pipefail
export PATH="$HOME/.cargo/bin:$PATH"
root=$(pwd)
out="$root/target/dotnet"

cargo build --release --locked -p rampart-ffi
bindings/dotnet/build.sh "$out"

export LD_LIBRARY_PATH="$root/target/release${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export RAMPART_ROOT="$root"
unset RAMPART_POLICY RAMPART_MODE
# Bounded: a hung test must fail the suite, not stall CI.
tests="timeout 600 mono --debug $out/Rampart.Tests.exe"

mapfile -t vectors < <(ls testdata/vectors/*.jsonl | grep -v '/skip\.jsonl$')
total=$(cat "${vectors[@]}" | grep -c '[^[:space:]]')
per_kind=()
for kind in $(cat "${vectors[@]}" | grep -o '"kind": *"[a-z]*"' | sed 's/.*"\([a-z]*\)"$/\1/' | sort -u); do
  per_kind+=(--expect-kind "$kind=$(cat "${vectors[@]}" | grep -c "\"kind\": *\"$kind\"")")
done
$tests vectors --expect "$total" "${per_kind[@]}" --skip testdata/vectors/skip.jsonl "${vectors[@]}"

$tests api
$tests app

# The example of docs/dotnet.md ("The API without guards") compiles and finds the attack.
docs="$out/docs-example"
mkdir -p "$docs"
{
  printf 'using System;\nusing Rampart;\ninternal static class DocsExample\n{\n    private static void Main()\n    {\n'
  awk '/^## The API without guards/ {on = 1} on && /^```csharp$/ {code = 1; next} code && /^```$/ {exit} code' docs/dotnet.md
  printf '    }\n}\n'
} > "$docs/DocsExample.cs"
grep -q CheckSql "$docs/DocsExample.cs"
mcs -nologo -warnaserror -r:"$out/Rampart.dll" -out:"$docs/DocsExample.exe" "$docs/DocsExample.cs"
MONO_PATH="$out" timeout 60 mono "$docs/DocsExample.exe" 2> "$docs/err.txt"
grep -q '"threat":"sql_injection"' "$docs/err.txt" || { echo "docs-example: no event"; cat "$docs/err.txt"; exit 1; }
echo "docs-example: 1 passed, 0 failed"

# A librampart.so of another C ABI version is refused at load with a message saying so.
stub="$out/abi-stub"
mkdir -p "$stub"
printf '%s\n' '#include <stdint.h>' 'uint32_t rampart_abi_version(void) { return 999; }' \
  'const char *rampart_version(void) { return "9.9.9"; }' > "$stub/stub.c"
cc -shared -fPIC -o "$stub/librampart.so" "$stub/stub.c"
set +e
LD_LIBRARY_PATH="$stub" $tests abi-probe > "$stub/out.txt" 2>&1
status=$?
set -e
cat "$stub/out.txt"
if [ "$status" -ne 3 ] || ! grep -q 'C ABI version 999, but this Rampart assembly needs C ABI version 1' "$stub/out.txt"; then
  echo "abi: a mismatched librampart.so was not refused (exit $status)"; exit 1
fi
# No librampart.so at all: the same exception, saying where the library is expected.
mkdir -p "$stub/empty"
set +e
LD_LIBRARY_PATH="$stub/empty" $tests abi-probe > "$stub/missing.txt" 2>&1
status=$?
set -e
cat "$stub/missing.txt"
if [ "$status" -ne 3 ] || ! grep -q 'cannot load the native library librampart.so' "$stub/missing.txt"; then
  echo "abi: a missing librampart.so was not reported (exit $status)"; exit 1
fi
echo "abi: 2 passed, 0 failed"
