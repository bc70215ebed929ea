#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and runs each for a while.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
#   SECONDS  per target (default 30: the short run CI does after the tests;
#            docs/fuzzing.md records the long runs)
#   TARGET   default: every target below
# Build dir ${FUZZ_BUILD_DIR:-build-fuzz}; corpora in ${FUZZ_CORPUS_DIR:-<build>/corpus}/TARGET,
# seeded from fuzz/seeds/TARGET. A finding fails the script; its input is
# saved as <build>/artifacts/TARGET/crash-* (replay: <build>/fuzz/TARGET FILE).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
corpora="${FUZZ_CORPUS_DIR:-$build/corpus}"
jobs="${JOBS:-$(nproc)}"
seconds="${1:-30}"
shift || true
all=(esc_eval_fuzz rest_api_fuzz struct_codec_fuzz property_path_fuzz dotenv_fuzz import_fuzz)
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=("${all[@]}")
bash "$root/scripts/setup.sh"

start=$SECONDS
cmake -S "$root" -B "$build" -G Ninja -DESC_FUZZ=ON -DESC_BUILD_PLUGIN=OFF -DESC_BUILD_TESTS=OFF \
  -DESC_BUILD_BENCH=OFF -DESC_STATIC_PLUGIN=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang >/dev/null
cmake --build "$build" -j "$jobs" --target "${targets[@]}"
echo "fuzz: build took $((SECONDS - start)) s" >&2

# libfyaml's own leak on malformed YAML (docs/esc-evaluator.md) is suppressed.
export LSAN_OPTIONS="suppressions=$root/fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
for t in "${targets[@]}"; do
  mkdir -p "$corpora/$t" "$build/artifacts/$t"
  seeds=()
  [[ -d "$root/fuzz/seeds/$t" ]] && seeds=("$root/fuzz/seeds/$t")
  dict=()
  [[ "$t" == esc_eval_fuzz ]] && dict=(-dict="$root/fuzz/esc.dict")
  echo "fuzz: $t for ${seconds} s" >&2
  "$build/fuzz/$t" "$corpora/$t" "${seeds[@]}" "${dict[@]}" -max_total_time="$seconds" \
    -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/$t/" 2>"$build/artifacts/$t/log" ||
    { tail -n 60 "$build/artifacts/$t/log" >&2; echo "fuzz: $t found a problem" >&2; exit 1; }
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)" \
    "$build/artifacts/$t/log" >&2 || true
done
