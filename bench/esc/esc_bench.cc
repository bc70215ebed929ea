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
#include "libfyaml.h"
#ifdef ESC_BENCH_LIBYAML
#include <yaml.h>
#endif
#include "provider/esc/evaluator.h"
#include "provider/esc/yaml_syntax.h"

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
std::string LargeYaml(int n) {
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
  return yaml;
}

void BM_LargeEnvironment(benchmark::State& state) {
  MemLoader loader({});
  Run(state, LargeYaml(static_cast<int>(state.range(0))), loader);
}
BENCHMARK(BM_LargeEnvironment)->Arg(5000)->Arg(10000)->Unit(benchmark::kMillisecond);

// The same document in phases, to show where the time goes. The floor: only
// libfyaml's event stream, nothing built and no scalar text formatted.
void BM_LargeYamlEventsOnly(benchmark::State& state) {
  std::string yaml = LargeYaml(static_cast<int>(state.range(0)));
  size_t events = 0;
  for (auto _ : state) {
    struct fy_parse_cfg cfg = {};
    cfg.flags = static_cast<enum fy_parse_cfg_flags>(FYPCF_DEFAULT_VERSION_1_2 | FYPCF_QUIET);
    struct fy_parser* p = fy_parser_create(&cfg);
    fy_parser_set_string(p, yaml.data(), yaml.size());
    events = 0;
    while (struct fy_event* e = fy_parser_parse(p)) {
      ++events;
      fy_parser_event_free(p, e);
    }
    fy_parser_destroy(p);
  }
  state.counters["events"] = static_cast<double>(events);
}
BENCHMARK(BM_LargeYamlEventsOnly)->Arg(5000)->Arg(10000)->Unit(benchmark::kMillisecond);

#ifdef ESC_BENCH_LIBYAML
// The same floor with libyaml's parser: what a faster packaged parser would
// leave of the 5 ms budget.
void BM_LargeLibyamlEventsOnly(benchmark::State& state) {
  std::string yaml = LargeYaml(static_cast<int>(state.range(0)));
  size_t events = 0;
  for (auto _ : state) {
    yaml_parser_t p;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, reinterpret_cast<const unsigned char*>(yaml.data()),
                                 yaml.size());
    events = 0;
    for (bool done = false; !done;) {
      yaml_event_t e;
      if (yaml_parser_parse(&p, &e) == 0) {
        state.SkipWithError("libyaml parse error");
        break;
      }
      done = e.type == YAML_STREAM_END_EVENT;
      yaml_event_delete(&e);
      ++events;
    }
    yaml_parser_delete(&p);
  }
  state.counters["events"] = static_cast<double>(events);
}
BENCHMARK(BM_LargeLibyamlEventsOnly)->Arg(5000)->Arg(10000)->Unit(benchmark::kMillisecond);
#endif

// YAML -> syntax tree with ranges.
void BM_LargeYamlSyntax(benchmark::State& state) {
  std::string yaml = LargeYaml(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(ParseYaml("root", yaml));
}
BENCHMARK(BM_LargeYamlSyntax)->Arg(5000)->Arg(10000)->Unit(benchmark::kMillisecond);

// YAML -> syntax tree -> AST.
void BM_LargeParse(benchmark::State& state) {
  std::string yaml = LargeYaml(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(Parse("root", yaml));
}
BENCHMARK(BM_LargeParse)->Arg(5000)->Arg(10000)->Unit(benchmark::kMillisecond);

// Evaluation of an AST parsed once (as the backend's parse cache serves it).
void BM_LargeEvaluateParsed(benchmark::State& state) {
  ParseResult parsed = Parse("root", LargeYaml(static_cast<int>(state.range(0))));
  EvalOptions opts;
  for (auto _ : state) benchmark::DoNotOptimize(Evaluate(parsed, opts));
}
BENCHMARK(BM_LargeEvaluateParsed)->Arg(5000)->Arg(10000)->Unit(benchmark::kMillisecond);

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
