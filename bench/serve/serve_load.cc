// Load for `escctl serve` on loopback: N client threads on keep-alive
// connections, one phase per operation so each gets its own throughput:
//   get    GET the definition of myorg/app/dev
//   open   POST …/open of myorg/app/dev (a 3-level hierarchy: base <- mid <- dev)
//   patch  etag-guarded PATCH (GET for the etag, then PATCH with If-Match), each
//          thread on its own environment, so every write is a durable revision
// Each phase runs until its time limit or its per-thread request cap, then
// requests/s and latency percentiles are printed.
//
//   serve_load PORT TOKEN [THREADS=8] [REQUESTS_PER_THREAD=2000] [SECONDS_PER_PHASE=10]
// Expects myorg/app/dev (bench/serve/run.sh sets it up).
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Result {
  std::vector<double> ms;
  int errors = 0;
};

void Report(const char* name, Result& r, double seconds) {
  std::sort(r.ms.begin(), r.ms.end());
  auto pct = [&](double p) {
    return r.ms.empty() ? 0.0 : r.ms[std::min(r.ms.size() - 1, size_t(p * r.ms.size()))];
  };
  std::printf("%-6s %7zu ok %4d err %8.0f /s  p50 %6.2f ms  p99 %6.2f ms\n", name, r.ms.size(),
              r.errors, r.ms.size() / seconds, pct(0.5), pct(0.99));
}

// One operation on a thread's client; true when it succeeded.
using OpFn = std::function<bool(httplib::Client&, int thread)>;

void Phase(const char* name, int port, int threads, int per_thread, int seconds, const OpFn& op) {
  Result all;
  std::mutex mu;
  auto start = Clock::now();
  auto deadline = start + std::chrono::seconds(seconds);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      httplib::Client cli("127.0.0.1", port);  // loopback only
      cli.set_keep_alive(true);
      cli.set_tcp_nodelay(true);
      Result mine;
      for (int i = 0; i < per_thread && Clock::now() < deadline; ++i) {
        auto t0 = Clock::now();
        bool ok = op(cli, t);
        double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (ok) {
          mine.ms.push_back(ms);
        } else {
          ++mine.errors;
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      all.ms.insert(all.ms.end(), mine.ms.begin(), mine.ms.end());
      all.errors += mine.errors;
    });
  }
  for (auto& th : pool) th.join();
  Report(name, all, std::chrono::duration<double>(Clock::now() - start).count());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: serve_load PORT TOKEN [THREADS] [REQUESTS_PER_THREAD] "
                 "[SECONDS_PER_PHASE]\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const httplib::Headers auth = {{"Authorization", std::string("token ") + argv[2]}};
  const int threads = argc > 3 ? std::max(1, std::atoi(argv[3])) : 8;
  const int per_thread = argc > 4 ? std::max(1, std::atoi(argv[4])) : 2000;
  const int seconds = argc > 5 ? std::max(1, std::atoi(argv[5])) : 10;
  const std::string org = "/api/esc/environments/myorg";
  const std::string dev = org + "/app/dev";
  std::printf("%d keep-alive clients, up to %d requests or %d s per phase\n", threads, per_thread,
              seconds);

  Phase("get", port, threads, per_thread, seconds, [&](httplib::Client& cli, int) {
    auto r = cli.Get(dev, auth);
    return r && r->status == 200;
  });
  Phase("open", port, threads, per_thread, seconds, [&](httplib::Client& cli, int) {
    auto r = cli.Post(dev + "/open", auth, "", "application/x-www-form-urlencoded");
    return r && r->status == 200;
  });
  {
    httplib::Client setup("127.0.0.1", port);
    for (int t = 0; t < threads; ++t) {
      std::string body = "{\"project\":\"app\",\"name\":\"bench-w" + std::to_string(t) + "\"}";
      setup.Post(org, auth, body, "application/json");  // 409 when it exists: fine
    }
  }
  std::vector<int> counters(threads, 0);
  Phase("patch", port, threads, per_thread, seconds, [&](httplib::Client& cli, int t) {
    std::string env = org + "/app/bench-w" + std::to_string(t);
    auto g = cli.Get(env, auth);
    if (!g || g->status != 200) return false;
    httplib::Headers h = auth;
    h.emplace("If-Match", g->get_header_value("ETag"));
    std::string yaml = "values:\n  n: " + std::to_string(++counters[t]) + "\n";
    auto p = cli.Patch(env, h, yaml, "application/x-yaml");
    return p && p->status == 200;
  });
  return 0;
}
