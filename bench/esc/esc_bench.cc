// Evaluator benchmarks: import fan-out, a 10-level import chain, one large
// environment, and many unknown references (the error path). Each comes in two sizes to show how
// time grows.
//
//   build/bench/esc/esc_bench --benchmark_counters_tabular=true
//
// peak_rss_mb is the process high-water mark (VmHWM) after the benchmark.
#include <fstream>
#include <map>
#include <string>

#include "benchmark/benchmark.h"
#include "provider/esc/evaluator.h"

namespace escnative::esc {
namespace {

class MemLoader : public EnvironmentLoader {
 public:
  explicit MemLoader(std::map<std::string, std::string> envs) : envs_(std::move(envs)) {}
  absl::StatusOr<LoadedEnvironment> Load(std::string_view ref) const override {
    auto it = envs_.find(std::string(ref));
    if (it == envs_.end()) return absl::NotFoundError("not found");
    return LoadedEnvironment{it->first, it->second, nullptr};
  }

 private:
  std::map<std::string, std::string> envs_;
};

double PeakRssMb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

void Run(benchmark::State& state, const std::string& root, const MemLoader& loader) {
  EvalOptions opts;
  opts.loader = &loader;
  size_t diags = 0;
  for (auto _ : state) {
    EvalResult r = Evaluate("root", root, opts);
    diags = r.diagnostics.size();
    benchmark::DoNotOptimize(r.root);
  }
  if (diags != 0) state.SkipWithError("unexpected diagnostics");
  state.counters["peak_rss_mb"] = PeakRssMb();
}

// Root imports N environments, each with 10 values (one interpolated).
void BM_ImportFanOut(benchmark::State& state) {
  int n = static_cast<int>(state.range(0));
  std::map<std::string, std::string> envs;
  std::string root = "imports:\n";
  for (int i = 0; i < n; ++i) {
    std::string name = "proj/env" + std::to_string(i);
    root += "  - " + name + "\n";
    std::string yaml = "values:\n  shared:\n    k" + std::to_string(i) + ": v\n";
    for (int k = 0; k < 9; ++k)
      yaml += "  e" + std::to_string(i) + "_" + std::to_string(k) + ": value\n";
    yaml += "  ref" + std::to_string(i) + ": x-${e" + std::to_string(i) + "_0}\n";
    envs[name] = yaml;
  }
  root += "values:\n  total: ${shared.k0}\n";
  MemLoader loader(std::move(envs));
  Run(state, root, loader);
}
BENCHMARK(BM_ImportFanOut)->Arg(50)->Arg(100)->Unit(benchmark::kMillisecond);

// A chain env9 -> env8 -> ... -> env0 with V values per level.
void BM_ImportChain10(benchmark::State& state) {
  int v = static_cast<int>(state.range(0));
  std::map<std::string, std::string> envs;
  for (int level = 0; level < 10; ++level) {
    std::string yaml;
    if (level > 0) yaml += "imports:\n  - env" + std::to_string(level - 1) + "\n";
    yaml += "values:\n  obj:\n";
    for (int k = 0; k < v; ++k)
      yaml += "    l" + std::to_string(level) + "_" + std::to_string(k) + ": ${base}\n";
    yaml += "  base: level" + std::to_string(level) + "\n";
    envs["env" + std::to_string(level)] = yaml;
  }
  MemLoader loader(std::move(envs));
  Run(state, "imports:\n  - env9\nvalues:\n  top: ${obj.l0_0}\n", loader);
}
BENCHMARK(BM_ImportChain10)->Arg(10)->Arg(100)->Unit(benchmark::kMillisecond);

// One environment with N values, N/10 of them interpolations.
void BM_LargeEnvironment(benchmark::State& state) {
  int n = static_cast<int>(state.range(0));
  std::string yaml = "values:\n";
  for (int i = 0; i < n; ++i) {
    std::string key = "key" + std::to_string(i);
    if (i % 10 == 9) {
      yaml += "  " + key + ": prefix-${key" + std::to_string(i - 1) + "}-${key" +
              std::to_string(i - 2) + "}\n";
    } else {
      yaml += "  " + key + ": value number " + std::to_string(i) + "\n";
    }
  }
  MemLoader loader({});
  Run(state, yaml, loader);
}
BENCHMARK(BM_LargeEnvironment)->Arg(5000)->Arg(10000)->Unit(benchmark::kMillisecond);

// N values, each an unknown reference: the error path. Diagnostics are
// capped (kMaxDiagnostics) and suggestions budgeted, so time grows linearly.
void BM_UnknownReferences(benchmark::State& state) {
  int n = static_cast<int>(state.range(0));
  std::string yaml = "values:\n";
  for (int i = 0; i < n; ++i) {
    yaml += "  a" + std::to_string(i) + ": ${nope" + std::to_string(i) + "}\n";
  }
  EvalOptions opts;
  opts.mode = EvalMode::kCheck;
  size_t diags = 0;
  for (auto _ : state) {
    EvalResult r = Evaluate("root", yaml, opts);
    diags = r.diagnostics.size();
    benchmark::DoNotOptimize(r.root);
  }
  state.counters["diagnostics"] = static_cast<double>(diags);
  state.counters["peak_rss_mb"] = PeakRssMb();
}
BENCHMARK(BM_UnknownReferences)->Arg(1000)->Arg(8000)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace escnative::esc

BENCHMARK_MAIN();
