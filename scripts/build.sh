#!/usr/bin/env bash
# Installs the Debian packages (if missing), configures and builds everything
# into ${BUILD_DIR:-build}. Extra arguments go to CMake's configure step.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
bash "$root/scripts/setup.sh"
jobs="${JOBS:-$(nproc)}"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build" -j "$jobs"
# The official ESC SDK for the `escctl serve` conformance test (tests/npm).
bash "$root/scripts/npm-setup.sh" "$build/npm"
