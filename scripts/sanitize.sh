#!/usr/bin/env bash
# Sanitizer builds (CI runs this after scripts/test.sh):
#   address: AddressSanitizer + LeakSanitizer + UndefinedBehaviorSanitizer,
#            every finding fatal; runs the WHOLE ctest suite.
#   thread:  ThreadSanitizer; builds only what the concurrency tests need and
#            runs only those tests (group commit, threads and processes sharing
#            one store, escctl serve under load, the plugin under concurrent
#            gRPC calls). Debian's Abseil is not TSan-instrumented, so the build
#            links tests/sanitizer/tsan_absl_mutex.cc to make absl::Mutex visible.
# Usage: scripts/sanitize.sh [address|thread]...   (default: both)
# Build dirs: ${SAN_BUILD_DIR:-build-asan} and ${TSAN_BUILD_DIR:-build-tsan}.
#
# Both builds use gcc at -O1 (with asserts) and without benchmarks. The plugin
# is linked dynamically (-DESC_STATIC_PLUGIN=OFF): the sanitizer runtimes are
# shared libraries, and the static-archive closure is not what is under test.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="${JOBS:-$(nproc)}"
kinds=("$@")
[[ ${#kinds[@]} -eq 0 ]] && kinds=(address thread)
bash "$root/scripts/setup.sh"

configure() {  # dir kind
  cmake -S "$root" -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DCMAKE_C_FLAGS_DEBUG="-O1 -g1" \
    -DESC_SANITIZE="$2" -DESC_STATIC_PLUGIN=OFF -DESC_BUILD_BENCH=OFF >/dev/null
}

# Every finding stops the process with a non-zero status, so the test fails.
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:detect_stack_use_after_return=0:strict_string_checks=1:check_initialization_order=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$root/fuzz/lsan.supp:print_suppressions=0"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/sanitizer/tsan.supp"

run_address() {
  local build="${SAN_BUILD_DIR:-$root/build-asan}"
  local start=$SECONDS
  configure "$build" address
  cmake --build "$build" -j "$jobs"
  bash "$root/scripts/npm-setup.sh" "$build/npm"
  echo "sanitize: address build took $((SECONDS - start)) s" >&2
  start=$SECONDS
  (cd "$build" && ctest --output-on-failure -j "$jobs" --timeout 900)
  echo "sanitize: address tests took $((SECONDS - start)) s" >&2
}

# The concurrency tests and the targets they run: threads and group commit on
# one store, two processes on one file, one backend shared by threads (and its
# open cache), `escctl serve` under 32 concurrent clients, and the plugin
# under concurrent gRPC calls on both backends.
tsan_targets=(store_test store_process_test backend_test backend_cache_test escctl serve_load_test
  pulumi-resource-esc lifecycle_test)
tsan_tests='StoreTest[.](ThreadsShareOneStore|GroupCommit)|StoreMultiProcessTest|LocalBackendTest[.]ConcurrentOpensAndUpdatesShareOneBackend|LocalBackendCacheTest[.]EveryOpenHasADurableAuditEvent|ServeLoadTest|PluginConcurrencyTest'

run_thread() {
  local build="${TSAN_BUILD_DIR:-$root/build-tsan}"
  local start=$SECONDS
  configure "$build" thread
  cmake --build "$build" -j "$jobs" --target "${tsan_targets[@]}"
  echo "sanitize: thread build took $((SECONDS - start)) s" >&2
  start=$SECONDS
  (cd "$build" && ctest --output-on-failure -j "$jobs" --timeout 900 -R "$tsan_tests" \
    --no-tests=error)
  echo "sanitize: thread tests took $((SECONDS - start)) s" >&2
}

for kind in "${kinds[@]}"; do
  case "$kind" in
    address) run_address ;;
    thread) run_thread ;;
    *) echo "sanitize: unknown kind '$kind' (address|thread)" >&2; exit 2 ;;
  esac
done
