// A bounded soak of `escctl serve`: 32 keep-alive clients for 20 s mixing
// opens, reads and etag-guarded read-modify-write PATCHes on one
// environment. No response may be a 5xx, every acknowledged write must be in
// the final definition, and the store must pass SQLite's integrity check.
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "tests/serve/serve_fixture.h"

namespace escnative::serve_test {
namespace {

constexpr int kClients = 32;
constexpr auto kDuration = std::chrono::seconds(20);
constexpr int kMaxRequestsPerClient = 4000;  // bounded even on a fast machine

class ServeLoadTest : public ServeTest {};

TEST_F(ServeLoadTest, ThirtyTwoClientsForTwentySeconds) {
  StartServer();
  MakeEnv("load", "values:\n  seed: 1\n  nested:\n    a: ${seed}\n");
  const std::string path = Env("app/load");
  std::atomic<int> server_errors{0}, transport_errors{0}, requests{0}, conflicts{0};
  std::mutex mu;
  std::set<std::string> acknowledged;  // keys whose PATCH got a 200
  auto deadline = std::chrono::steady_clock::now() + kDuration;

  auto client = [&](int id) {
    httplib::Client cli("127.0.0.1", port_);
    cli.set_keep_alive(true);
    cli.set_read_timeout(30, 0);
    httplib::Headers auth = {{"Authorization", "token " + admin_}};
    auto note = [&](const httplib::Result& r) {
      requests++;
      if (!r) {
        transport_errors++;
        return false;
      }
      if (r->status >= 500) server_errors++;
      return true;
    };
    for (int n = 0; n < kMaxRequestsPerClient && std::chrono::steady_clock::now() < deadline; ++n) {
      switch (n % 4) {
        case 0: {  // open and read the values
          httplib::Result o = cli.Post(path + "/open", auth, "", "application/json");
          if (!note(o) || o->status != 200) break;
          nlohmann::json j = nlohmann::json::parse(o->body, nullptr, false);
          if (j.is_object() && j.contains("id") && j["id"].is_string()) {
            note(cli.Get(path + "/open/" + j["id"].get<std::string>(), auth));
          }
          break;
        }
        case 1:
        case 2:
          note(cli.Get(path, auth));
          break;
        case 3: {  // read-modify-write, guarded by the etag it read
          httplib::Result g = cli.Get(path, auth);
          if (!note(g) || g->status != 200) break;
          std::string etag = g->get_header_value("ETag");
          std::string key = absl::StrCat("w", id, "_", n);
          httplib::Headers h = auth;
          h.emplace("If-Match", etag);
          httplib::Result p =
              cli.Patch(path, h, g->body + "  " + key + ": v\n", "application/x-yaml");
          if (!note(p)) break;
          if (p->status == 200) {
            std::lock_guard<std::mutex> lock(mu);
            acknowledged.insert(key);
          } else if (p->status == 409) {
            conflicts++;
          } else {
            ADD_FAILURE() << "PATCH answered " << p->status << ": " << p->body;
          }
          break;
        }
      }
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) threads.emplace_back(client, i);
  for (auto& t : threads) t.join();

  EXPECT_EQ(server_errors.load(), 0);
  EXPECT_EQ(transport_errors.load(), 0);
  EXPECT_GT(acknowledged.size(), 0u);
  std::cout << "load: " << requests.load() << " requests, " << acknowledged.size()
            << " acknowledged writes, " << conflicts.load() << " etag conflicts\n";
  Resp final_def = Call("GET", path, admin_);
  ASSERT_EQ(final_def.status, 200);
  for (const std::string& key : acknowledged) {
    EXPECT_NE(final_def.body.find("  " + key + ": v\n"), std::string::npos) << key << " lost";
  }
  EXPECT_EQ(StopServer(), 0);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(store_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "ok");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

}  // namespace
}  // namespace escnative::serve_test
