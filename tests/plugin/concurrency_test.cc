// The plugin under concurrent calls, as the engine makes them: it runs the
// steps of independent resources in parallel (`--parallel`, 16 by default in
// the CLI), so Check, Diff, Create, Read, Update, Delete and Invoke arrive on
// many gRPC threads at once against one configured provider. Secrets in one
// environment share its definition, so their writes race on the same etag.
// The ThreadSanitizer build runs this test too (scripts/sanitize.sh).
#include <atomic>
#include <thread>

#include "tests/plugin/lifecycle_fixture.h"

namespace escnative::testing {
namespace {

constexpr int kThreads = 6;
constexpr int kSecretsPerThread = 5;

std::string Key(int t, int k) { return absl::StrCat("t", t, "_k", k); }
std::string Value(int t, int k, int version) {
  return absl::StrCat(kSecretValue, "-", t, "-", k, "-v", version);
}

// The keys of an object, never its values (they hold the planted secrets).
std::string Keys(const json& j) {
  std::string out;
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) absl::StrAppend(&out, out.empty() ? "" : ",", k);
  }
  return out;
}

class PluginConcurrencyTest : public BackendLifecycleTest {};

TEST_P(PluginConcurrencyTest, ParallelLifecyclesOnOnePlugin) {
  json shared_in = Check(kEnv, "shared", json::object(), {{"name", "shared"}});
  pulumirpc::CreateResponse sc;
  ASSERT_TRUE(Create(kEnv, "shared", shared_in, false, &sc).ok());

  std::atomic<int> failures{0};
  auto expect = [&](bool ok, const std::string& what, const grpc::Status& st) {
    if (ok) return;
    ++failures;
    ADD_FAILURE() << what << ": " << st.error_message();
  };
  // Each thread fills only its own row.
  struct Written {
    std::string id;
    json outputs, inputs;
  };
  std::vector<std::vector<Written>> outs(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // An environment of this thread's own: create, update, open, delete.
      const std::string env = absl::StrCat("own-", t);
      json in = Check(kEnv, env, json::object(), {{"name", env}, {"values", {{"n", t}}}});
      pulumirpc::CreateResponse ec;
      grpc::Status st = Create(kEnv, env, in, false, &ec);
      expect(st.ok(), "create " + env, st);
      json news = in;
      news["values"]["n"] = t + 100;
      json checked = Check(kEnv, env, in, news);
      pulumirpc::UpdateResponse eu;
      st = Update(kEnv, env, ec.id(), ToJ(ec.properties()), in, checked, false, &eu);
      expect(st.ok(), "update " + env, st);

      // Secrets in the shared environment: create, diff, update, read.
      for (int k = 0; k < kSecretsPerThread; ++k) {
        const std::string name = Key(t, k);
        json sin = Check(kSecret, name, json::object(),
                         {{"environment", "shared"},
                          {"path", absl::StrCat("secrets.", name)},
                          {"value", Value(t, k, 1)}});
        pulumirpc::CreateResponse c;
        st = Create(kSecret, name, sin, false, &c);
        expect(st.ok(), "create secret " + name, st);
        if (!st.ok()) continue;
        json sout = ToJ(c.properties());
        json snews = sin;
        snews["value"] = Secret(Value(t, k, 2));
        json schecked = Check(kSecret, name, sin, snews);
        auto d = Diff(kSecret, name, c.id(), sout, sin, schecked);
        EXPECT_EQ(d.changes(), pulumirpc::DiffResponse::DIFF_SOME) << name;
        pulumirpc::UpdateResponse u;
        st = Update(kSecret, name, c.id(), sout, sin, schecked, false, &u);
        expect(st.ok(), "update secret " + name, st);
        json uout = ToJ(u.properties());
        outs[t].push_back({c.id(), uout, schecked});
        auto r = Read(kSecret, name, c.id(), &uout, &schecked);
        // EXPECT_TRUE, not EXPECT_EQ: a failure must not print the values.
        EXPECT_TRUE(ToJ(r.inputs())["value"] == Secret(Value(t, k, 2))) << name;
        json got = Invoke("esc:index:getSecret",
                          {{"environment", "shared"}, {"path", absl::StrCat("secrets.", name)}});
        EXPECT_TRUE(got["value"] == Secret(Value(t, k, 2))) << name;
      }

      json opened = Invoke("esc:index:openEnvironment", {{"environment", env}});
      EXPECT_EQ(opened["values"]["n"], t + 100) << env;
      st = Delete(kEnv, env, ec.id(), ToJ(eu.properties()), &checked);
      expect(st.ok(), "delete " + env, st);
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);

  // Every secret's last write is in the shared environment: none was lost to
  // a concurrent write of its neighbours.
  json opened = Invoke("esc:index:openEnvironment", {{"environment", "shared"}});
  ASSERT_TRUE(opened["values"].contains("secrets")) << Keys(opened["values"]);
  const json& secrets = opened["values"]["secrets"];
  EXPECT_EQ(secrets.size(), static_cast<size_t>(kThreads * kSecretsPerThread));
  for (int t = 0; t < kThreads; ++t) {
    for (int k = 0; k < kSecretsPerThread; ++k) {
      EXPECT_TRUE(secrets.value(Key(t, k), json()) == Secret(Value(t, k, 2))) << Key(t, k);
    }
  }
  // The threads' own environments are gone.
  for (int t = 0; t < kThreads; ++t) {
    grpc::Status st;
    Invoke("esc:index:getEnvironment", {{"environment", absl::StrCat("own-", t)}}, &st);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND) << t;
  }

  // Deleting every secret at once leaves the environment without them.
  threads.clear();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (size_t k = 0; k < outs[t].size(); ++k) {
        const Written& w = outs[t][k];
        grpc::Status st = Delete(kSecret, Key(t, static_cast<int>(k)), w.id, w.outputs, &w.inputs);
        expect(st.ok(), "delete secret " + w.id, st);
      }
    });
  }
  for (auto& th : threads) th.join();
  opened = Invoke("esc:index:openEnvironment", {{"environment", "shared"}});
  EXPECT_TRUE(!opened["values"].contains("secrets") || opened["values"]["secrets"].empty())
      << Keys(opened["values"]["secrets"]);
}

INSTANTIATE_TEST_SUITE_P(Backends, PluginConcurrencyTest, ::testing::Values("local", "cloud"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace escnative::testing
