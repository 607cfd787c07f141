#!/usr/bin/env bash
# Builds the .NET binding with Mono's C# compiler (mcs), from the same sources that
# Rampart.csproj packs with the .NET SDK, plus the test program:
#
#   bindings/dotnet/build.sh [OUT]     OUT defaults to target/dotnet
#
#   OUT/Rampart.dll          the library (what the NuGet package holds as lib/netstandard2.0/)
#   OUT/Rampart.Tests.exe    the tests (run with mono; see scripts/test.d/90-dotnet.sh)
#   OUT/Shop.exe             the example shop (examples/dotnet-httplistener)
#
# The ASP.NET Core middleware (src/Rampart.AspNetCore) needs the .NET SDK and is not
# built here.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/target/dotnet}
mkdir -p "$out"

mapfile -t library < <(find "$here/src/Rampart" -name '*.cs' | sort)
mapfile -t tests < <(find "$here/tests" -name '*.cs' | sort)
example="$root/examples/dotnet-httplistener"

# As Rampart.csproj builds it: warnings are errors, XML docs are generated (and checked),
# missing docs on public members (CS1591) are allowed.
mcs -target:library -unsafe -optimize+ -debug -warnaserror -nowarn:1591 -nologo \
  -doc:"$out/Rampart.xml" -r:System.Net.Http.dll -r:System.Data.dll \
  -out:"$out/Rampart.dll" "${library[@]}"

mcs -target:exe -unsafe -optimize+ -debug -warnaserror -nologo \
  -r:"$out/Rampart.dll" -r:System.Net.Http.dll -r:System.Data.dll -r:System.Xml.dll -r:Mono.Data.Sqlite.dll \
  -out:"$out/Rampart.Tests.exe" "${tests[@]}" "$example/Shop.cs"

# The example shop (examples/dotnet-httplistener), which the tests drive too.
mcs -target:exe -optimize+ -debug -warnaserror -nologo \
  -r:"$out/Rampart.dll" -r:System.Net.Http.dll -r:System.Data.dll -r:Mono.Data.Sqlite.dll \
  -out:"$out/Shop.exe" "$example/Shop.cs" "$example/Program.cs"
