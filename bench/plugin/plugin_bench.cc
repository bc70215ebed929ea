// Plugin process benchmark (a driver, not Google Benchmark: it measures
// whole processes). Reports:
//   - start to port line read by the parent, median/p90 of N launches,
//   - idle RSS (VmRSS, RssAnon) 1 s after start,
//   - Check and Diff round trips (no-op inputs) p50/p99 over M calls from one
//     C++ client on one channel, as the engine makes them, and the same calls
//     to floor_server (a ResourceProvider that only answers, linked like the
//     plugin), and to floor_server --callback (the same on gRPC's callback
//     API), interleaved in blocks so all see the same machine load.
//
//   build/bin/plugin_bench [--launches=N] [--calls=M] [--plugin=PATH]
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/harness/plugin_process.h"

namespace escnative::testing {
namespace {

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

long StatusKb(pid_t pid, const char* key) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, key)) {
      long kb = 0;
      std::sscanf(line.c_str() + std::string(key).size(), " %ld", &kb);
      return kb;
    }
  }
  return -1;
}

// floor_server is built next to this binary.
std::string FloorServerPath() {
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  std::string dir = n > 0 ? std::string(self, static_cast<size_t>(n)) : std::string();
  return dir.substr(0, dir.rfind('/') + 1) + "floor_server";
}

int Main(int argc, char** argv) {
  int launches = 50;
  int calls = 10000;
  std::string plugin_path;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (absl::StartsWith(a, "--launches=")) (void)absl::SimpleAtoi(a.substr(11), &launches);
    if (absl::StartsWith(a, "--calls=")) (void)absl::SimpleAtoi(a.substr(8), &calls);
    if (absl::StartsWith(a, "--plugin=")) plugin_path = a.substr(9);
  }
  auto engine = FakeEngine::Start();
  LaunchOptions opts;
  opts.binary = plugin_path;  // empty: the build's plugin
  opts.engine_address = engine->address();

  // 1. Start-up: exec -> port line read.
  std::vector<double> start_ms;
  for (int i = 0; i < launches + 3; ++i) {
    auto p = PluginProcess::Launch(opts);
    if (!p.ok()) {
      std::fprintf(stderr, "launch failed: %s\n", std::string(p.status().message()).c_str());
      return 1;
    }
    if (i >= 3) start_ms.push_back(absl::ToDoubleMilliseconds((*p)->startup_time()));  // 3 warm-ups
    (*p)->SignalAndWait(SIGKILL, absl::Seconds(5));
  }

  // 2. Idle memory, 3. round trips, on one long-lived process.
  auto p = PluginProcess::Launch(opts);
  if (!p.ok()) return 1;
  auto& plugin = **p;
  absl::SleepFor(absl::Seconds(1));
  long rss = StatusKb(plugin.pid(), "VmRSS:");
  long anon = StatusKb(plugin.pid(), "RssAnon:");
  long threads = StatusKb(plugin.pid(), "Threads:");

  pulumirpc::CheckRequest check;
  check.set_urn("urn:pulumi:dev::bench::esc:index:Secret::s");
  check.set_type("esc:index:Secret");
  auto* news = check.mutable_news()->mutable_fields();
  (*news)["environment"].set_string_value("organization/default/dev");
  (*news)["path"].set_string_value("secrets.apiKey");
  (*news)["secret"].set_bool_value(true);
  (*news)["value"].set_string_value("value");
  check.mutable_olds();
  pulumirpc::DiffRequest diff;
  diff.set_urn(check.urn());
  diff.set_type(check.type());
  diff.set_id("organization/default/dev#secrets.apiKey");
  *diff.mutable_olds() = check.news();
  *diff.mutable_old_inputs() = check.news();
  *diff.mutable_news() = check.news();

  LaunchOptions floor_opts = opts;
  floor_opts.binary = FloorServerPath();
  auto f = PluginProcess::Launch(floor_opts);
  if (!f.ok()) {
    std::fprintf(stderr, "floor_server: %s\n", std::string(f.status().message()).c_str());
    return 1;
  }
  auto& floor = **f;
  LaunchOptions callback_opts = floor_opts;
  callback_opts.extra_args = {"--callback"};
  auto cb = PluginProcess::Launch(callback_opts);
  if (!cb.ok()) {
    std::fprintf(stderr, "floor_server --callback: %s\n",
                 std::string(cb.status().message()).c_str());
    return 1;
  }
  auto& callback_floor = **cb;

  // Round trips in blocks of 500, alternating plugin and floor.
  struct Samples {
    std::vector<double> check, diff;
  };
  Samples ours, bare, bare_callback;
  auto run = [&](PluginProcess& target, int n, Samples* out) {
    for (int i = 0; i < n; ++i) {
      absl::Time t0 = absl::Now();
      grpc::ClientContext ctx;
      pulumirpc::CheckResponse cresp;
      bool ok = target.stub().Check(&ctx, check, &cresp).ok();
      if (out != nullptr) out->check.push_back(absl::ToDoubleMicroseconds(absl::Now() - t0));
      t0 = absl::Now();
      grpc::ClientContext dctx;
      pulumirpc::DiffResponse dresp;
      ok = ok && target.stub().Diff(&dctx, diff, &dresp).ok() &&
           dresp.changes() == pulumirpc::DiffResponse::DIFF_NONE;
      if (out != nullptr) out->diff.push_back(absl::ToDoubleMicroseconds(absl::Now() - t0));
      if (!ok) {
        std::fprintf(stderr, "call failed\n");
        std::exit(1);
      }
    }
  };
  run(plugin, 200, nullptr);  // warm-up
  run(floor, 200, nullptr);
  run(callback_floor, 200, nullptr);
  for (int done = 0; done < calls; done += 500) {
    const int n = std::min(500, calls - done);
    run(plugin, n, &ours);
    run(floor, n, &bare);
    run(callback_floor, n, &bare_callback);
  }
  callback_floor.SignalAndWait(SIGINT, absl::Seconds(5));
  floor.SignalAndWait(SIGINT, absl::Seconds(5));
  plugin.SignalAndWait(SIGINT, absl::Seconds(5));

  std::printf("| measure | result |\n|---|---|\n");
  std::printf(
      "| start to port line, median of %d launches | %.2f ms (p90 %.2f ms, min %.2f ms) |\n",
      launches, Percentile(start_ms, 0.5), Percentile(start_ms, 0.9), Percentile(start_ms, 0.0));
  std::printf("| idle RSS 1 s after start | %.1f MB (RssAnon %.2f MB, %ld threads) |\n",
              static_cast<double>(rss) / 1024.0, static_cast<double>(anon) / 1024.0, threads);
  std::printf(
      "| Check round trip, %d calls | p50 %.0f us, p99 %.0f us (floor: p50 %.0f, p99 %.0f) |\n",
      calls, Percentile(ours.check, 0.5), Percentile(ours.check, 0.99), Percentile(bare.check, 0.5),
      Percentile(bare.check, 0.99));
  std::printf(
      "| Diff round trip, %d calls | p50 %.0f us, p99 %.0f us (floor: p50 %.0f, p99 %.0f) |\n",
      calls, Percentile(ours.diff, 0.5), Percentile(ours.diff, 0.99), Percentile(bare.diff, 0.5),
      Percentile(bare.diff, 0.99));
  std::printf(
      "| do-nothing server on the callback API, Check / Diff | p50 %.0f / %.0f us, p99 %.0f / "
      "%.0f us |\n",
      Percentile(bare_callback.check, 0.5), Percentile(bare_callback.diff, 0.5),
      Percentile(bare_callback.check, 0.99), Percentile(bare_callback.diff, 0.99));
  return 0;
}

}  // namespace
}  // namespace escnative::testing

int main(int argc, char** argv) { return escnative::testing::Main(argc, argv); }
