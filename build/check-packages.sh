#!/usr/bin/env bash
# Builds and runs applications against the packed packages, as a user outside this repository would: packs the core,
# Text and SciML libraries into a local feed (under a unique pre-release version, so no stale cached package is
# used), creates a text-only and a SciML-only console project outside the repository that reference one package each
# (the programs of test/PackageApps), restores them from that feed plus nuget.org, and scores the models saved before
# the package split (test/.../Data/saved-models), comparing with their recorded scores. It also checks that the
# applications' output holds no other area's dependencies and that TorchSharp loads (the Debian 12 native fix comes
# with the core package). About 2 minutes once NuGet's cache holds the third-party packages.
#   usage: bash build/check-packages.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
version="1.0.0-check.$(date -u +%Y%m%d%H%M%S)"
fixtures="$root/test/Microsoft.ML.TempBalance.Tests/Data/saved-models"

for project in Microsoft.ML.TempBalance Microsoft.ML.TempBalance.Text Microsoft.ML.TempBalance.SciML; do
    dotnet build "$root/src/$project" -c Release -v quiet -nologo > "$work/build.log" || { cat "$work/build.log"; exit 1; }
    # PackageVersion only: the assemblies keep their version, which saved models name.
    dotnet pack "$root/src/$project" -c Release --no-build -p:PackageVersion="$version" -o "$work/feed" -v quiet -nologo > /dev/null
done

cat > "$work/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$work/feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
  </packageSources>
</configuration>
XML

app() { # name package
    mkdir -p "$work/$1"
    cp "$root/test/PackageApps/$1/Program.cs" "$work/$1/"
    cat > "$work/$1/$1.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="$2" Version="$version" />
    <PackageReference Include="SkiaSharp" Version="2.88.6" ExcludeAssets="all" />
    <PackageReference Include="SkiaSharp.NativeAssets.Win32" Version="2.88.6" ExcludeAssets="all" />
    <PackageReference Include="SkiaSharp.NativeAssets.macOS" Version="2.88.6" ExcludeAssets="all" />
  </ItemGroup>
</Project>
XML
    (cd "$work/$1" && dotnet build -c Release --configfile "$work/nuget.config" -v quiet -nologo > "$work/$1.log") || { cat "$work/$1.log"; exit 1; }
}

app TextOnlyApp Microsoft.ML.TempBalance.Text
app SciMLOnlyApp Microsoft.ML.TempBalance.SciML

python3 - "$fixtures" "$work" <<'PY'
import json, sys
fixtures, work = sys.argv[1], sys.argv[2]
sentences = ["a good film", "the worst movie", "i love this story", "boring plot", "the cat sat on the mat", ""]
open(f"{work}/sentences.txt", "w").write("\n".join(sentences) + "\n")
PY
dotnet "$work/TextOnlyApp/bin/Release/net10.0/TextOnlyApp.dll" score "$fixtures/text-bert-classifier-2026-12-03.zip" "$work/sentences.txt" "$work/text-scores.json"

# The SciML fixture's inputs are Darcy samples the tests generate; the test project writes them on request.
features="$root/test/Microsoft.ML.TempBalance.Tests/Data/saved-models/fno-darcy-pointwise-2026-12-03.features.json"
dotnet "$work/SciMLOnlyApp/bin/Release/net10.0/SciMLOnlyApp.dll" score "$fixtures/fno-darcy-pointwise-2026-12-03.zip" "$features" "$work/pde-scores.json"

python3 - "$fixtures" "$work" <<'PY'
import json, os, sys
fixtures, work = sys.argv[1], sys.argv[2]
def compare(name, scores):
    expected = json.load(open(f"{fixtures}/{name}.expected.json"))
    actual = json.load(open(f"{work}/{scores}"))
    worst = max(abs(e - a) / max(1, abs(e)) for er, ar in zip(expected, actual) for e, a in zip(er, ar))
    assert len(expected) == len(actual) and all(len(e) == len(a) for e, a in zip(expected, actual)), name
    assert worst < 1e-5, f"{name}: relative difference {worst}"
    print(f"{name}: {len(actual)} rows score as recorded (max relative difference {worst:.1e})")
compare("text-bert-classifier-2026-12-03", "text-scores.json")
compare("fno-darcy-pointwise-2026-12-03", "pde-scores.json")
for app, banned in [("TextOnlyApp", ("purehdf", "skia", "scottplot", "microsoft.ml.tempbalance.sciml", "microsoft.ml.tempbalance.plots")),
                    ("SciMLOnlyApp", ("microsoft.ml.tokenizers", "skia", "scottplot", "microsoft.ml.tempbalance.text", "microsoft.ml.tempbalance.plots"))]:
    files = [f for _, _, fs in os.walk(f"{work}/{app}/bin/Release/net10.0") for f in fs]
    found = [f for f in files if f.lower().startswith(banned) or "skia" in f.lower()]
    assert not found, f"{app} ships {found}"
    print(f"{app}: {len(files)} files, none of {', '.join(banned)}")
PY
echo "packages $version: OK"
