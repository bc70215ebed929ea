#!/usr/bin/env bash
# Compiles a TypeScript example against the pinned @pulumi/pulumi (build/npm) and the compiled
# SDK (tests/sdk/nodejs_build.sh) into OUT/bin/index.js, which the test engine runs.
# Usage: ts_example_build.sh EXAMPLE_DIR NPM_DIR SDK_OUT OUT
set -euo pipefail
example="$(cd "$1" && pwd)"; npm_dir="$(cd "$2" && pwd)"; sdk_out="$(cd "$3" && pwd)"; out="$4"
rm -rf "$out"
mkdir -p "$out/node_modules"
cp "$example"/*.ts "$example/tsconfig.json" "$out/"
ln -s "$npm_dir/node_modules/@pulumi" "$out/node_modules/@pulumi"
ln -s "$npm_dir/node_modules/@types" "$out/node_modules/@types"
# A copy, not a link: the SDK then resolves @pulumi/pulumi from here, like an npm install would.
for scoped in "$sdk_out"/node_modules/@*; do
  cp -r "$scoped" "$out/node_modules/"
done
"$npm_dir/node_modules/.bin/tsc" -p "$out"
