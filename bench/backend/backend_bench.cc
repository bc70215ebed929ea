// LocalBackend throughput: durable validated+encrypted updates, secret sets
// (read, edit, etag-guarded write), and opens of a 3-level hierarchy.
// Figures and the command are in docs/local-backend.md.
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"
#include "provider/backend/local_backend.h"
#include "provider/esc/definition_edit.h"

namespace escnative::backend {
namespace {

constexpr int kMaxThreads = 8;

EnvironmentRef Ref(const std::string& name) { return EnvironmentRef{"benchorg", "default", name}; }

// ~1 KiB: two plaintext secrets (encrypted on every write) and interpolations.
std::string UpdateYaml(int64_t i) {
  std::string y = absl::StrCat("values:\n  iteration: ", i,
                               "\n  secrets:\n    openai_api_key:\n      fn::secret: sk-bench-", i,
                               "-aaaaaaaaaaaaaaaaaaaaaaaa\n    anthropic_api_key:\n"
                               "      fn::secret: sk-ant-bench-bbbbbbbbbbbbbbbbbbbbbbbbbbbb\n"
                               "  environmentVariables:\n"
                               "    OPENAI_API_KEY: ${secrets.openai_api_key}\n"
                               "    ANTHROPIC_API_KEY: ${secrets.anthropic_api_key}\n"
                               "  settings:\n");
  for (int k = 0; k < 20; ++k) absl::StrAppend(&y, "    key", k, ": value-", k, "-cccccccccccc\n");
  return y;
}

class Fixture {
 public:
  static Fixture& Get() {
    static Fixture* f = new Fixture();
    return *f;
  }
  LocalBackend& backend() { return *backend_; }

 private:
  Fixture() {
    const char* base = std::getenv("ESC_BENCH_DIR");
    std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/esc-backend-bench-XXXXXX";
    dir_ = ::mkdtemp(tmpl.data());
    // The fixture lives for the whole process; remove its store at exit.
    static std::string* dir = new std::string(dir_);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(*dir, ec);
    });
    LocalBackendOptions o;
    o.path = dir_ + "/store.db";
    o.credential = crypto::Credential::Passphrase(crypto::SecretBytes::CopyFrom("bench"));
    o.organization = "benchorg";
    o.actor = "bench";
    o.kdf_params = crypto::KdfParams::FastForTesting();
    backend_ = *LocalBackend::Open(std::move(o));
    auto make = [&](const std::string& name, const std::string& yaml) {
      (void)backend_->CreateEnvironment(Ref(name));
      if (!backend_->UpdateDefinition(Ref(name), yaml, std::nullopt).ok()) std::abort();
    };
    make("base", UpdateYaml(0));
    make("dev", "imports:\n  - base\nvalues:\n  region: eu-west-1\n  logLevel: debug\n");
    make("child", "imports:\n  - dev\nvalues:\n  level: child\n  url: https://${region}.example\n");
    for (int t = 0; t < kMaxThreads; ++t) make(absl::StrCat("w", t), "values: {}\n");
  }
  ~Fixture() = delete;

  std::string dir_;
  std::unique_ptr<LocalBackend> backend_;
};

void BM_DurableUpdate(benchmark::State& state) {
  LocalBackend& b = Fixture::Get().backend();
  EnvironmentRef ref = Ref(absl::StrCat("w", state.thread_index()));
  int64_t i = 0;
  for (auto _ : state) {
    auto res = b.UpdateDefinition(ref, UpdateYaml(++i), std::nullopt);
    if (!res.ok()) state.SkipWithError(std::string(res.status().message()).c_str());
  }
  state.counters["updates/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DurableUpdate)->Threads(1)->Threads(8)->UseRealTime();

void BM_SecretSet(benchmark::State& state) {
  LocalBackend& b = Fixture::Get().backend();
  EnvironmentRef ref = Ref(absl::StrCat("w", state.thread_index()));
  int64_t i = 0;
  for (auto _ : state) {
    auto def = b.GetDefinition(ref, "", false);
    if (!def.ok()) state.SkipWithError("read failed");
    ++i;
    auto yaml = esc::SetDefinitionValue(def->yaml, absl::StrCat("secrets.key", i % 4),
                                        absl::StrCat("sk-value-", i), /*secret=*/true);
    if (!yaml.ok()) state.SkipWithError("edit failed");
    auto res = b.UpdateDefinition(ref, *yaml, def->etag);
    if (!res.ok()) state.SkipWithError(std::string(res.status().message()).c_str());
  }
  state.counters["sets/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SecretSet)->Threads(1)->Threads(8)->UseRealTime();

void BM_OpenHierarchy(benchmark::State& state) {
  LocalBackend& b = Fixture::Get().backend();
  for (auto _ : state) {
    auto opened = b.OpenEnvironment(Ref("child"), "");
    if (!opened.ok()) state.SkipWithError(std::string(opened.status().message()).c_str());
    benchmark::DoNotOptimize(opened);
  }
  state.counters["opens/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_OpenHierarchy)->Threads(1)->Threads(8)->UseRealTime();

// The same evaluation in check mode (no audit write, no decryption).
void BM_CheckHierarchy(benchmark::State& state) {
  LocalBackend& b = Fixture::Get().backend();
  for (auto _ : state) {
    auto checked = b.CheckEnvironment(Ref("child"), "", false);
    if (!checked.ok()) state.SkipWithError(std::string(checked.status().message()).c_str());
    benchmark::DoNotOptimize(checked);
  }
  state.counters["checks/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CheckHierarchy)->Threads(1)->Threads(8)->UseRealTime();

}  // namespace
}  // namespace escnative::backend

BENCHMARK_MAIN();
