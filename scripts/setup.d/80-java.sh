# Java package: a JDK 17 and Maven (Debian packages), the JNI library, then every Maven
# dependency and plugin the build and its tests use, fetched once into ~/.m2 so that the
# test suite only builds. Idempotent: Maven skips what it has.
set -euo pipefail
cd "$(dirname "$0")/../.."

missing=()
command -v javac >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

cargo build --release -q -p rampart-jni
(cd bindings/java && mvn -B -q -ntp -DskipTests package)
java -version 2>&1 | head -1
