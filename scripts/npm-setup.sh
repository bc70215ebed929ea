#!/usr/bin/env bash
# Installs the npm packages of tests/npm (the official @pulumi/esc-sdk, pinned
# by package-lock.json) into DIR (default build/npm) with `npm ci`. Skipped
# when DIR already holds exactly this lock file's install.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:-${BUILD_DIR:-$root/build}/npm}"
src="$root/tests/npm"
mkdir -p "$dir"
if [[ -d "$dir/node_modules" ]] && cmp -s "$src/package-lock.json" "$dir/.installed-lock.json"; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  # A machine without Node.js gets Debian's (node 18 and npm 9 are enough for the suite).
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO=sudo
  echo "npm-setup: installing Debian's nodejs and npm" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
cp "$src/package.json" "$src/package-lock.json" "$dir/"
echo "npm-setup: npm ci in $dir" >&2
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
cp "$src/package-lock.json" "$dir/.installed-lock.json"
