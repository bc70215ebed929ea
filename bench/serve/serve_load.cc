// Load for `escctl serve` on loopback: N client threads with keep-alive
// connections, each sending a bounded number of requests (and stopping at a
// time limit), then requests/s and latency percentiles per operation.
//
//   serve_load PORT TOKEN [THREADS=8] [REQUESTS_PER_THREAD=200] [SECONDS=30]
// Expects environment myorg/app/dev (bench/serve/run.sh sets it up).
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Op {
  const char* name;
  std::vector<double> ms;
  int errors = 0;
};

void Report(Op& op, double seconds) {
  std::sort(op.ms.begin(), op.ms.end());
  auto pct = [&](double p) {
    return op.ms.empty() ? 0.0 : op.ms[std::min(op.ms.size() - 1, size_t(p * op.ms.size()))];
  };
  std::printf("%-10s %7zu ok %4d err %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms\n", op.name,
              op.ms.size(), op.errors, op.ms.size() / seconds, pct(0.5), pct(0.99));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: serve_load PORT TOKEN [THREADS] [REQUESTS_PER_THREAD] [SECONDS]\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const std::string auth = std::string("token ") + argv[2];
  const int threads = argc > 3 ? std::max(1, std::atoi(argv[3])) : 8;
  const int per_thread = argc > 4 ? std::max(1, std::atoi(argv[4])) : 200;
  const int seconds = argc > 5 ? std::max(1, std::atoi(argv[5])) : 30;
  const std::string env = "/api/esc/environments/myorg/app/dev";
  const auto deadline = Clock::now() + std::chrono::seconds(seconds);

  Op get{"get", {}}, open{"open+read", {}}, list{"list", {}};
  std::mutex mu;
  auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      httplib::Client cli("127.0.0.1", port);  // loopback only
      cli.set_keep_alive(true);
      cli.set_tcp_nodelay(true);
      httplib::Headers h = {{"Authorization", auth}};
      Op g{"get", {}}, o{"open+read", {}}, l{"list", {}};
      for (int i = 0; i < per_thread && Clock::now() < deadline; ++i) {
        auto t0 = Clock::now();
        Op* op = nullptr;
        bool ok = false;
        switch ((i + t) % 3) {
          case 0: {
            op = &g;
            auto r = cli.Get(env, h);
            ok = r && r->status == 200;
            break;
          }
          case 1: {
            op = &o;
            auto r = cli.Post(env + "/open", h, "", "application/x-www-form-urlencoded");
            if (r && r->status == 200) {
              auto id = r->body.substr(7, r->body.size() - 9);  // {"id":"..."}
              auto v = cli.Get(env + "/open/" + id, h);
              ok = v && v->status == 200;
            }
            break;
          }
          default: {
            op = &l;
            auto r = cli.Get("/api/esc/environments/myorg", h);
            ok = r && r->status == 200;
          }
        }
        double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (ok) {
          op->ms.push_back(ms);
        } else {
          ++op->errors;
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      for (auto [from, to] : {std::pair{&g, &get}, std::pair{&o, &open}, std::pair{&l, &list}}) {
        to->ms.insert(to->ms.end(), from->ms.begin(), from->ms.end());
        to->errors += from->errors;
      }
    });
  }
  for (auto& th : pool) th.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("%d threads, %.2f s\n", threads, elapsed);
  Report(get, elapsed);
  Report(open, elapsed);
  Report(list, elapsed);
  return get.errors + open.errors + list.errors == 0 ? 0 : 1;
}
