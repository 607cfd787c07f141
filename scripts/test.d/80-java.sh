# The Java package: the JNI library is current, then Maven builds rampart.jar and
# rampart-agent.jar and runs every test: the API and every conformance vector through it,
# then a real Jetty servlet shop (SQLite, a shell, files, outgoing URLs) on 127.0.0.1 in a
# JVM started with -javaagent, in report and in block mode.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -q -p rampart-jni
cd bindings/java
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Maven's log is long: show the summary lines, or all of it when the build fails.
if mvn -B -ntp package >"$log" 2>&1; then
  grep -E "Tests run:|vectors:|Building |BUILD" "$log"
else
  cat "$log"
  exit 1
fi
