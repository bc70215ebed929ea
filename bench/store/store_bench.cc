// Store throughput: durable updates (1 and 8 writers, threads and
// processes), small secret read-modify-write updates, definition reads, and
// the cost of Open with each Argon2id parameter set.
//
//   build/bench/store/store_bench [--benchmark_filter=...]
//
// The store file lives in $ESC_BENCH_DIR (default /tmp): put it on the disk
// you care about, since fsync cost dominates the write numbers.
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "provider/crypto/keyring.h"
#include "provider/store/definition_check.h"
#include "provider/esc/secret_envelope.h"
#include "provider/store/store.h"

namespace escnative::store {
namespace {

constexpr int kMaxThreads = 8;
constexpr char kPassphrase[] = "bench-passphrase";

std::string g_dir;
std::string g_path;
Store* g_store = nullptr;

StoreOptions FastOptions() {
  StoreOptions o;
  o.credential = crypto::Credential::Passphrase(crypto::SecretBytes::CopyFrom(kPassphrase));
  o.kdf_params = crypto::KdfParams::FastForTesting();
  return o;
}

EnvironmentRef BenchEnv(int i) {
  return EnvironmentRef{"bench", "default", absl::StrCat("env", i)};
}

// A realistic ~1 KiB definition with two encrypted secrets.
std::string Definition(int64_t n) {
  static const std::string secrets = [] {
    std::string out;
    for (const char* name : {"openai_api_key", "db_password"}) {
      auto ct = g_store->SecretsAead().Encrypt(std::string(40, 'k'), name);
      absl::StrAppend(&out, "    ", name,
                      ":\n      fn::secret:\n        ciphertext: ", esc::EncodeSecretEnvelope(*ct),
                      "\n");
    }
    return out;
  }();
  return absl::StrCat("imports:\n  - base\nvalues:\n  counter: ", n,
                      "\n  region: us-east-1\n  endpoints:\n    api: https://api.example.com\n"
                      "    auth: https://auth.example.com\n  secrets:\n",
                      secrets,
                      "  environmentVariables:\n    OPENAI_API_KEY: ${secrets.openai_api_key}\n"
                      "    DB_PASSWORD: ${secrets.db_password}\n  pulumiConfig:\n"
                      "    aws:region: ${region}\n");
}

UpdateOptions By(const char* actor) {
  UpdateOptions o;
  o.actor = actor;
  return o;
}

// Unconditional durable update of a per-thread environment.
void BM_DurableUpdate(benchmark::State& state) {
  const EnvironmentRef env = BenchEnv(state.thread_index());
  int64_t n = 0;
  for (auto _ : state) {
    auto rev = g_store->UpdateDefinition(env, Definition(++n), By("bench"));
    if (!rev.ok()) state.SkipWithError(std::string(rev.status().message()).c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DurableUpdate)->Threads(1)->Threads(kMaxThreads)->UseRealTime();

// The Secret resource's path: read definition + etag, encrypt one value,
// write back guarded by the etag.
void BM_SecretUpdate(benchmark::State& state) {
  const EnvironmentRef env = BenchEnv(kMaxThreads + state.thread_index());
  for (auto _ : state) {
    auto def = g_store->ReadDefinition(env, "");
    auto ct = g_store->SecretsAead().Encrypt("sk-small-secret-value", "token");
    UpdateOptions o = By("bench");
    o.etag = def->etag;
    auto rev = g_store->UpdateDefinition(
        env,
        absl::StrCat("values:\n  token:\n    fn::secret:\n      ciphertext: ",
                     esc::EncodeSecretEnvelope(*ct), "\n"),
        o);
    if (!rev.ok()) state.SkipWithError(std::string(rev.status().message()).c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SecretUpdate)->Threads(1)->UseRealTime();

void BM_ReadDefinition(benchmark::State& state) {
  const EnvironmentRef env = BenchEnv(0);
  for (auto _ : state) {
    auto def = g_store->ReadDefinition(env, "");
    if (!def.ok()) state.SkipWithError("read failed");
    benchmark::DoNotOptimize(def->yaml.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReadDefinition)->Threads(1)->Threads(kMaxThreads)->UseRealTime();

// Reads while another thread keeps writing: one thread updates an
// environment for a second while three threads read it. Reads use their own
// connection, so they do not wait for a write batch's fsync.
void BM_ReadUnderWriteLoad(benchmark::State& state) {
  const EnvironmentRef env = BenchEnv(3 * kMaxThreads - 1);
  constexpr int kReaders = 3;
  for (auto _ : state) {
    std::atomic<bool> stop{false};
    std::atomic<int64_t> reads{0}, writes{0};
    std::vector<std::thread> threads;
    threads.emplace_back([&] {
      int64_t n = 0;
      while (!stop.load()) {
        if (g_store->UpdateDefinition(env, Definition(++n), By("bench")).ok()) ++writes;
      }
    });
    for (int r = 0; r < kReaders; ++r) {
      threads.emplace_back([&] {
        while (!stop.load()) {
          if (g_store->ReadDefinition(env, "").ok()) ++reads;
        }
      });
    }
    const auto start = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(1));
    stop.store(true);
    for (auto& t : threads) t.join();
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    state.SetIterationTime(elapsed.count());
    state.counters["reads_per_s"] = static_cast<double>(reads.load()) / elapsed.count();
    state.counters["writes_per_s"] = static_cast<double>(writes.load()) / elapsed.count();
  }
}
BENCHMARK(BM_ReadUnderWriteLoad)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

// N processes, each with its own connection, each updating its own
// environment `kPerProcess` times. Wall time for all of them.
void BM_DurableUpdateProcesses(benchmark::State& state) {
  const int processes = static_cast<int>(state.range(0));
  constexpr int kPerProcess = 250;
  for (auto _ : state) {
    int go[2];
    if (::pipe(go) != 0) state.SkipWithError("pipe");
    std::vector<pid_t> pids;
    for (int p = 0; p < processes; ++p) {
      const pid_t pid = ::fork();
      if (pid == 0) {
        ::close(go[1]);
        auto store = Store::Open(g_path, FastOptions());
        if (!store.ok()) ::_exit(2);
        char c;
        if (::read(go[0], &c, 1) != 1) ::_exit(3);
        const EnvironmentRef env = BenchEnv(2 * kMaxThreads + p);
        for (int i = 0; i < kPerProcess; ++i) {
          if (!(*store)->UpdateDefinition(env, Definition(i), By("proc")).ok()) {
            ::_exit(4);
          }
        }
        ::_exit(0);
      }
      pids.push_back(pid);
    }
    ::close(go[0]);
    ::usleep(200'000);  // let every child finish Open before the clock starts
    const auto start = std::chrono::steady_clock::now();
    const std::string bytes(static_cast<size_t>(processes), 'g');
    if (::write(go[1], bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
      state.SkipWithError("write");
    }
    ::close(go[1]);
    bool ok = true;
    for (pid_t pid : pids) {
      int status = 0;
      ::waitpid(pid, &status, 0);
      ok &= WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    if (!ok) state.SkipWithError("a child failed");
    state.SetIterationTime(elapsed.count());
  }
  state.SetItemsProcessed(state.iterations() * processes * kPerProcess);
}
BENCHMARK(BM_DurableUpdateProcesses)
    ->Arg(1)
    ->Arg(kMaxThreads)
    ->UseManualTime()
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);

// The plaintext-secret guard run on every update (a YAML parse).
void BM_PlaintextSecretCheck(benchmark::State& state) {
  const std::string yaml = Definition(1);
  for (auto _ : state) {
    absl::Status s = CheckNoPlaintextSecrets(yaml);
    if (!s.ok()) state.SkipWithError("check failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PlaintextSecretCheck);

// What a fresh plugin process pays to open the store.
void BM_Open(benchmark::State& state) {
  const bool production = state.range(0) == 1;
  const std::string path = absl::StrCat(g_dir, "/open-", state.range(0), ".db");
  auto options = [&] {
    StoreOptions o = FastOptions();
    if (production) o.kdf_params = crypto::KdfParams::Default();
    return o;
  };
  { auto s = Store::Open(path, options()); }
  for (auto _ : state) {
    auto s = Store::Open(path, options());
    if (!s.ok()) state.SkipWithError("open failed");
  }
}
BENCHMARK(BM_Open)->Arg(0)->Arg(1)->ArgNames({"default_kdf"})->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace escnative::store

int main(int argc, char** argv) {
  using namespace escnative::store;  // NOLINT: benchmark driver
  const char* base = std::getenv("ESC_BENCH_DIR");
  std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/esc-store-bench-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  g_dir = tmpl;
  g_path = g_dir + "/bench.db";
  int rc = 0;
  {
    auto store = Store::Open(g_path, FastOptions());
    if (!store.ok()) {
      std::fprintf(stderr, "open: %s\n", std::string(store.status().message()).c_str());
      return 1;
    }
    g_store = store->get();
    for (int i = 0; i < 3 * kMaxThreads; ++i) {
      if (!g_store->CreateEnvironment(BenchEnv(i), "bench").ok()) return 1;
    }
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    g_store = nullptr;
  }
  std::error_code ec;
  std::filesystem::remove_all(g_dir, ec);
  return rc;
}
