// Resource throughput through the plugin, as the engine drives it: 10
// concurrent calls on one channel.
//   1. Check + Create of N esc:index:Secret resources in one environment;
//   2. a no-change preview of the same N (Check + Diff).
//
// --backend=cloud runs the plugin on `backend: cloud` against `escctl serve`
// on a fresh store (our client against our server, over loopback HTTP).
//
//   build/bin/resources_bench [--secrets=1000] [--concurrency=10] [--backend=local|cloud]
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/harness/plugin_process.h"
#include "tests/harness/serve_process.h"

namespace escnative::testing {
namespace {

void SetString(google::protobuf::Struct* s, const std::string& k, const std::string& v) {
  (*s->mutable_fields())[k].set_string_value(v);
}

int Main(int argc, char** argv) {
  int secrets = 1000, concurrency = 10;
  bool cloud = false;
  std::string binary;  // another plugin binary, or a wrapper that profiles it
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--backend=cloud") cloud = true;
    if (absl::StartsWith(a, "--plugin=")) binary = a.substr(9);
    if (absl::StartsWith(a, "--secrets=")) (void)absl::SimpleAtoi(a.substr(10), &secrets);
    if (absl::StartsWith(a, "--concurrency=")) (void)absl::SimpleAtoi(a.substr(14), &concurrency);
  }
  char dir_template[] = "/tmp/esc-resources-bench-XXXXXX";
  std::string dir = mkdtemp(dir_template);
  auto engine = FakeEngine::Start();
  LaunchOptions opts;
  if (!binary.empty()) opts.binary = binary;
  opts.port_timeout = absl::Seconds(60);
  opts.engine_address = engine->address();
  opts.env = {{"ESC_PASSPHRASE", "bench-passphrase"}, {"ESC_LOCAL_PATH", dir + "/store.db"}};
  auto launched = PluginProcess::Launch(opts);
  if (!launched.ok()) return 1;
  auto& plugin = **launched;
  pulumirpc::ConfigureRequest creq;
  creq.mutable_args();
  std::unique_ptr<ServeProcess> server;
  if (cloud) {
    auto served = ServeProcess::Start(
        {{"ESC_PASSPHRASE", "bench-passphrase"}, {"ESC_LOCAL_PATH", dir + "/served.db"}}, dir);
    if (!served.ok()) {
      std::fprintf(stderr, "%s\n", served.status().ToString().c_str());
      return 1;
    }
    server = *std::move(served);
    auto token = server->CreateToken("organization/*/*:admin");
    if (!token.ok()) return 1;
    SetString(creq.mutable_args(), "backend", "cloud");
    SetString(creq.mutable_args(), "backendUrl", server->url());
    SetString(creq.mutable_args(), "accessToken", *token);
  }
  pulumirpc::ConfigureResponse cresp;
  if (!plugin.stub().Configure(CallContext(absl::Seconds(30)).get(), creq, &cresp).ok()) return 1;

  // The environment the secrets go into.
  pulumirpc::CreateRequest env;
  env.set_type("esc:index:Environment");
  env.set_urn("urn:pulumi:b::b::esc:index:Environment::bench");
  SetString(env.mutable_properties(), "organization", "organization");
  SetString(env.mutable_properties(), "project", "default");
  SetString(env.mutable_properties(), "name", "bench");
  pulumirpc::CreateResponse env_resp;
  grpc::Status st = plugin.stub().Create(CallContext().get(), env, &env_resp);
  if (!st.ok()) {
    std::fprintf(stderr, "environment: %s\n", st.error_message().c_str());
    return 1;
  }

  std::vector<google::protobuf::Struct> inputs(secrets), outputs(secrets);
  auto run = [&](auto&& body) {
    std::atomic<int> next{0};
    std::atomic<int> failed{0};
    absl::Time t0 = absl::Now();
    std::vector<std::thread> threads;
    for (int t = 0; t < concurrency; ++t) {
      threads.emplace_back([&] {
        for (int i = next++; i < secrets; i = next++) {
          if (!body(i)) ++failed;
        }
      });
    }
    for (auto& t : threads) t.join();
    if (failed > 0) std::fprintf(stderr, "%d calls failed\n", failed.load());
    return absl::Now() - t0;
  };

  absl::Duration create = run([&](int i) {
    pulumirpc::CheckRequest check;
    check.set_type("esc:index:Secret");
    check.set_urn(absl::StrCat("urn:pulumi:b::b::esc:index:Secret::s", i));
    check.mutable_olds();
    SetString(check.mutable_news(), "environment", "bench");
    SetString(check.mutable_news(), "path", absl::StrCat("secrets.key", i));
    SetString(check.mutable_news(), "value", absl::StrCat("value-", i));
    pulumirpc::CheckResponse checked;
    grpc::Status s = plugin.stub().Check(CallContext().get(), check, &checked);
    if (!s.ok() || checked.failures_size() > 0) return false;
    pulumirpc::CreateRequest req;
    req.set_type("esc:index:Secret");
    req.set_urn(check.urn());
    *req.mutable_properties() = checked.inputs();
    pulumirpc::CreateResponse resp;
    s = plugin.stub().Create(CallContext(absl::Seconds(60)).get(), req, &resp);
    if (!s.ok()) {
      std::fprintf(stderr, "create %d: %s\n", i, s.error_message().c_str());
      return false;
    }
    inputs[i] = checked.inputs();
    outputs[i] = resp.properties();
    return true;
  });

  absl::Duration preview = run([&](int i) {
    pulumirpc::CheckRequest check;
    check.set_type("esc:index:Secret");
    check.set_urn(absl::StrCat("urn:pulumi:b::b::esc:index:Secret::s", i));
    *check.mutable_olds() = inputs[i];
    *check.mutable_news() = inputs[i];
    pulumirpc::CheckResponse checked;
    if (!plugin.stub().Check(CallContext().get(), check, &checked).ok()) return false;
    pulumirpc::DiffRequest diff;
    diff.set_type("esc:index:Secret");
    diff.set_urn(check.urn());
    *diff.mutable_olds() = outputs[i];
    *diff.mutable_old_inputs() = inputs[i];
    *diff.mutable_news() = checked.inputs();
    pulumirpc::DiffResponse d;
    return plugin.stub().Diff(CallContext().get(), diff, &d).ok() &&
           d.changes() == pulumirpc::DiffResponse::DIFF_NONE;
  });
  plugin.SignalAndWait(SIGINT, absl::Seconds(binary.empty() ? 5 : 120));
  server.reset();
  std::system(("rm -rf '" + dir + "'").c_str());

  std::printf("| measure (%d concurrent calls, backend %s) | result |\n|---|---|\n", concurrency,
              cloud ? "cloud via escctl serve" : "local");
  std::printf("| Check+Create of %d Secret resources in one environment | %.2f s |\n", secrets,
              absl::ToDoubleSeconds(create));
  std::printf("| no-change preview (Check+Diff) of the same %d | %.3f s |\n", secrets,
              absl::ToDoubleSeconds(preview));
  // Each revision is one batch of edits: one validation, one fsync.
  double revisions = 0;
  for (const auto& o : outputs) {
    auto it = o.fields().find("revision");
    if (it != o.fields().end()) revisions = std::max(revisions, it->second.number_value());
  }
  std::printf("| revisions written for the %d creates | %.0f |\n", secrets, revisions - 1);
  return 0;
}

}  // namespace
}  // namespace escnative::testing

int main(int argc, char** argv) { return escnative::testing::Main(argc, argv); }
