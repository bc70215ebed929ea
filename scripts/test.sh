#!/usr/bin/env bash
# The test command: set up, build, and run every test (unit, conformance and
# process-level tests that launch the plugin as the Pulumi engine does).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
bash "$root/scripts/build.sh"
cd "$build"
ctest --output-on-failure -j "${JOBS:-$(nproc)}" --timeout 600
