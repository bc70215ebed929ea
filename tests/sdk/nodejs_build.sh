#!/usr/bin/env bash
# Compiles sdk/nodejs with the pinned typescript (build/npm) into OUT/node_modules/<package>,
# i.e. what `npm install ./sdk/nodejs` would install, so tests and programs can require it.
# Usage: nodejs_build.sh NPM_DIR OUT
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
npm_dir="$1"
out="$2"
name=$(node -p 'require(process.argv[1]).name' "$root/sdk/nodejs/package.json")
pkg="$out/node_modules/$name"
stamp="$out/.sdk-sources.sha"
sum=$(cd "$root/sdk/nodejs" && find . -type f | sort | xargs sha256sum | sha256sum)
if [[ -f "$stamp" && "$(cat "$stamp")" == "$sum" && -f "$pkg/bin/index.js" ]]; then
  exit 0  # already compiled from these sources
fi
rm -rf "$out/src" "$pkg"
mkdir -p "$out/src" "$pkg"
cp -r "$root/sdk/nodejs/." "$out/src/"
ln -s "$npm_dir/node_modules" "$out/src/node_modules"
"$npm_dir/node_modules/.bin/tsc" -p "$out/src" --outDir "$pkg/bin"
cp "$out/src/package.json" "$out/src/README.md" "$pkg/"
echo "$sum" > "$stamp"
