#!/usr/bin/env bash
# The main job: set up, build, install the plugin where the Pulumi engine
# finds it, show it answering the engine's handshake, and build the
# base -> dev/staging/prod hierarchy on the embedded encrypted store.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
bash "$root/scripts/build.sh"
plugin="$build/bin/pulumi-resource-esc"
version="$("$plugin" --version)"

echo "== Installing pulumi-resource-esc v$version"
if command -v pulumi >/dev/null 2>&1; then
  pulumi plugin install resource esc "$version" --file "$plugin" --reinstall
else
  # The plugin cache layout the engine searches (no pulumi CLI on this machine).
  dir="${PULUMI_HOME:-$HOME/.pulumi}/plugins/resource-esc-v$version"
  mkdir -p "$dir"
  install -m 0700 "$plugin" "$dir/pulumi-resource-esc"
  echo "pulumi is not on PATH: copied the plugin into the engine's plugin cache:"
  echo "  $dir/pulumi-resource-esc"
  echo "With the pulumi CLI, the same is: pulumi plugin install resource esc $version --file $plugin --reinstall"
fi

echo
echo "== Launching it the way the engine does"
"$build/bin/esc-plugin-probe" "$plugin"

echo
echo "== The embedded local store: base -> dev/staging/prod with escctl (secrets masked)"
bash "$root/scripts/demo-hierarchy.sh" "$build/bin/escctl"
