#!/usr/bin/env bash
# Builds and runs every benchmark, then prints the README's performance tables
# (goal and result side by side). One step to reproduce every figure:
#
#   bash scripts/bench.sh            # everything (~4 min on 2 cores)
#   BENCH_QUICK=1 bash scripts/bench.sh   # shorter runs, no cloud/serve phases
#
# Raw outputs are kept in $BENCH_OUT (default: a fresh directory under /tmp).
# Figures depend on the machine's load: run it on a quiet machine to compare.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
out="${BENCH_OUT:-$(mktemp -d /tmp/esc-bench-XXXXXX)}"
quick="${BENCH_QUICK:-}"
mkdir -p "$out"

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" -j"${JOBS:-2}" pulumi-resource-esc escctl plugin_bench floor_server resources_bench \
  backend_bench store_bench esc_bench serve_load >/dev/null

launches=40 calls=10000 min_time=1 phase_s=5
[[ -n "$quick" ]] && launches=10 calls=2000 min_time=0.3 phase_s=2

echo "running benchmarks; raw output in $out" >&2
"$build/bin/plugin_bench" --launches="$launches" --calls="$calls" >"$out/plugin.txt"
"$build/bin/resources_bench" --secrets=1000 >"$out/resources.txt"
"$build/bench/backend/backend_bench" --benchmark_min_time="$min_time" \
  --benchmark_format=json >"$out/backend.json" 2>/dev/null
"$build/bench/store/store_bench" --benchmark_filter='BM_DurableUpdate/' \
  --benchmark_min_time="$min_time" --benchmark_format=json >"$out/store.json" 2>/dev/null
"$build/bench/esc/esc_bench" --benchmark_filter='Large|ImportChain|ImportFanOut|UnknownReferences' \
  --benchmark_format=json >"$out/esc.json" 2>/dev/null
if [[ -z "$quick" ]]; then
  "$build/bin/resources_bench" --secrets=1000 --backend=cloud >"$out/resources_cloud.txt"
  bash "$root/bench/serve/run.sh" "$build" 8 2000 "$phase_s" >"$out/serve.txt"
fi

/usr/bin/python3 - "$out" <<'PY'
import json, os, re, sys
out = sys.argv[1]

def text(name):
    p = os.path.join(out, name)
    return open(p).read() if os.path.exists(p) else ""

def row(table_text, measure_prefix):
    for line in table_text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].startswith(measure_prefix):
            return cells[1]
    return "n/a"

def bench(name):
    try:
        return {b["name"]: b for b in json.load(open(os.path.join(out, name)))["benchmarks"]}
    except (OSError, ValueError, KeyError):
        return {}

def rate(b, name, counter):
    v = b.get(name, {}).get(counter)
    if v is None:
        return "n/a"
    return f"{v / 1000:.1f}k/s" if v >= 1000 else f"{v:.0f}/s"

def cpu_ms(b, name):
    v = b.get(name)
    if v is None:
        return "n/a"
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[v.get("time_unit", "ns")]
    return f"{v['cpu_time'] * scale:.1f} ms"

def table(title, rows):
    print(f"\n{title}\n")
    print("| measure | goal | result |")
    print("|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} |")

plugin, res, cloud, serve = text("plugin.txt"), text("resources.txt"), \
    text("resources_cloud.txt"), text("serve.txt")
backend, store, esc = bench("backend.json"), bench("store.json"), bench("esc.json")

def trip(kind):
    cell = row(plugin, f"{kind} round trip")
    m = re.search(r"p50 (\d+) us, p99 (\d+) us \(floor: p50 (\d+), p99 (\d+)\)", cell)
    cb = re.search(r"p50 (\d+) / (\d+) us", row(plugin, "do-nothing server on the callback API"))
    callback = ""
    if cb:
        callback = f"; on the callback API: p50 {cb.group(1 if kind == 'Check' else 2)} µs"
    return (f"p50 {m.group(1)} µs, p99 {m.group(2)} µs (do-nothing server, same sweep: "
            f"p50 {m.group(3)} µs, p99 {m.group(4)} µs{callback})") if m else cell

table("Issue goals (performance issue)", [
    ("Check+Create of 1,000 `Secret`s, 10 concurrent (`resources_bench`)", "≤ 1 s",
     row(res, "Check+Create")),
    ("no-change preview of the same 1,000", "≤ 0.2 s", row(res, "no-change preview")),
    ("opens/s of a 3-level hierarchy through `LocalBackend`, audited durably, 8 threads / 1",
     "≥ 20k / ≥ 5k",
     rate(backend, "BM_OpenHierarchy/real_time/threads:8", "opens/s") + " / " +
     rate(backend, "BM_OpenHierarchy/real_time/threads:1", "opens/s")),
    ("no-op Check round trip from one C++ client", "p50 ≤ 120 µs, p99 ≤ 400 µs", trip("Check")),
    ("no-op Diff round trip from one C++ client", "p50 ≤ 120 µs, p99 ≤ 400 µs", trip("Diff")),
    ("evaluate 10,000 values with 1,000 interpolations (CPU; 5,000 values)", "≤ 5 ms, linear",
     cpu_ms(esc, "BM_LargeEnvironment/10000") + " (" + cpu_ms(esc, "BM_LargeEnvironment/5000") + ")"),
    ("plugin start to port line, median", "≤ 3 ms", row(plugin, "start to port")),
])

table("Resources (`resources_bench`, local backend, 10 concurrent calls)", [
    ("Check+Create of 1,000 `Secret` resources in one environment", "≤ 2 s (issue: ≤ 1 s)",
     row(res, "Check+Create")),
    ("no-change preview (Check+Diff) of the same 1,000", "≤ 0.5 s (issue: ≤ 0.2 s)",
     row(res, "no-change preview")),
    ("revisions written for the 1,000 creates", "—", row(res, "revisions written")),
])

table("Plugin (`plugin_bench`)", [
    ("start to port line, median", "≤ 15 ms", row(plugin, "start to port")),
    ("idle RSS 1 s after start", "≤ 20 MB", row(plugin, "idle RSS")),
    ("no-op Check round trip", "p50 ≤ 150 µs", trip("Check")),
    ("no-op Diff round trip", "p50 ≤ 150 µs", trip("Diff")),
])

table("Store and local backend (`store_bench`, `backend_bench`)", [
    ("durable updates in the store, 1 thread / 8", "—",
     rate(store, "BM_DurableUpdate/real_time/threads:1", "items_per_second") + " / " +
     rate(store, "BM_DurableUpdate/real_time/threads:8", "items_per_second")),
    ("validated+encrypted updates through the backend, 1 thread / 8", "—",
     rate(backend, "BM_DurableUpdate/real_time/threads:1", "updates/s") + " / " +
     rate(backend, "BM_DurableUpdate/real_time/threads:8", "updates/s")),
    ("check of the 3-level hierarchy (no audit), 1 thread / 8", "—",
     rate(backend, "BM_CheckHierarchy/real_time/threads:1", "checks/s") + " / " +
     rate(backend, "BM_CheckHierarchy/real_time/threads:8", "checks/s")),
])

table("Evaluator (`esc_bench`, CPU time)", [
    ("10-level import chain, 10 / 100 values per level", "—",
     cpu_ms(esc, "BM_ImportChain10/10") + " / " + cpu_ms(esc, "BM_ImportChain10/100")),
    ("fan-out of 50 / 100 imports", "—",
     cpu_ms(esc, "BM_ImportFanOut/50") + " / " + cpu_ms(esc, "BM_ImportFanOut/100")),
    ("5,000 / 10,000 values", "≤ 5 ms at 10,000",
     cpu_ms(esc, "BM_LargeEnvironment/5000") + " / " + cpu_ms(esc, "BM_LargeEnvironment/10000")),
    ("1k / 8k / 100k unknown references (the error path, diagnostics capped)", "linear",
     cpu_ms(esc, "BM_UnknownReferences/1000") + " / " + cpu_ms(esc, "BM_UnknownReferences/8000") +
     " / " + cpu_ms(esc, "BM_UnknownReferences/100000")),
    ("10,000 values in phases: libfyaml's events alone (libyaml's) / syntax tree / + AST / "
     "evaluation of a parsed AST", "—",
     cpu_ms(esc, "BM_LargeYamlEventsOnly/10000") + " (" +
     cpu_ms(esc, "BM_LargeLibyamlEventsOnly/10000") + ") / " +
     cpu_ms(esc, "BM_LargeYamlSyntax/10000") + " / " + cpu_ms(esc, "BM_LargeParse/10000") + " / " +
     cpu_ms(esc, "BM_LargeEvaluateParsed/10000")),
])

if serve:
    def phase(name):
        m = re.search(rf"^{name}\s+\d+ ok\s+\d+ err\s+(\d+) /s\s+p50\s+([\d.]+) ms\s+p99\s+([\d.]+) ms",
                      serve, re.M)
        return f"{int(m.group(1)):,}/s, p50 {m.group(2)} ms, p99 {m.group(3)} ms" if m else "n/a"
    table("`escctl serve` (`bench/serve/run.sh`, 8 keep-alive clients)", [
        ("GET definition", "p50 ≤ 1 ms", phase("get")),
        ("opens of a 3-level hierarchy (each audited durably)", "≥ 5,000/s", phase("open")),
        ("etag-guarded PATCH (GET + PATCH, each a durable revision)", "≥ 1,000/s", phase("patch")),
    ])
if cloud:
    table("Cloud backend (`resources_bench --backend=cloud`)", [
        ("Check+Create of 1,000 `Secret`s", "≤ 3 s", row(cloud, "Check+Create")),
        ("no-change preview", "≤ 0.5 s", row(cloud, "no-change preview")),
    ])
PY
