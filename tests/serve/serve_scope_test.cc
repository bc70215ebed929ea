// `escctl serve`: the scope table, the tokens API, the audit trail, and the
// secret scan of everything but opens and decrypts.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "tests/serve/serve_fixture.h"

namespace escnative::serve_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::vector<std::string> kPermissions = {"read", "open", "write", "admin"};

struct Row {
  std::string method;
  std::string path;  // {p} = the permission name (unique names per token)
  std::string body;
  int needs;  // index into kPermissions
};

std::string Fill(std::string s, const std::string& p) {
  size_t at;
  while ((at = s.find("{p}")) != std::string::npos) s.replace(at, 3, p);
  return s;
}

TEST_F(ServeTest, EachRouteNeedsItsPermissionInScope) {
  MakeEnv("dev", "values:\n  v: 1\n");
  for (const auto& p : kPermissions) MakeEnv("victim-" + p, "");
  ASSERT_EQ(
      Call("POST", "/api/esc/environments/myorg", admin_, R"({"project":"other","name":"prod"})")
          .status,
      204);
  const std::vector<Row> rows = {
      {"GET", Env("app/dev"), "", 0},
      {"HEAD", Env("app/dev"), "", 0},
      {"GET", Env("app/dev/versions"), "", 0},
      {"GET", Env("app/dev/versions/1"), "", 0},
      {"GET", Env("app/dev/versions/tags"), "", 0},
      {"GET", Env("app/dev/tags"), "", 0},
      {"GET", Env("app/dev/decrypt"), "", 1},
      {"POST", Env("app/dev/open"), "", 1},
      {"PATCH", Env("app/dev"), "values:\n  v: {p}\n", 2},
      {"POST", Env("app/dev/versions/tags"), R"({"name":"t-{p}"})", 2},
      {"POST", Env("app/dev/tags"), R"({"name":"n-{p}","value":"x"})", 2},
      {"POST", "/api/esc/environments/myorg", R"({"project":"app","name":"new-{p}"})", 3},
      {"DELETE", Env("app/victim-{p}"), "", 3},
      {"POST", "/api/orgs/myorg/tokens",
       R"({"scopes":[{"environment":"myorg/app/dev","permission":"read"}]})", 3},
  };
  for (size_t i = 0; i < kPermissions.size(); ++i) {
    const std::string& p = kPermissions[i];
    std::string token = Token("myorg/app/*:" + p);
    for (const Row& row : rows) {
      Resp r = Call(row.method, Fill(row.path, p), token, Fill(row.body, p));
      if (static_cast<int>(i) >= row.needs) {
        EXPECT_TRUE(r.status >= 200 && r.status < 300)
            << p << " " << row.method << " " << row.path << " -> " << r.status << " " << r.body;
      } else {
        EXPECT_EQ(r.status, 403) << p << " " << row.method << " " << row.path << " " << r.body;
        if (row.method != "HEAD") {
          EXPECT_EQ(r.Json()["code"], 403);
        }
      }
    }
    // Out of scope: refused whatever the permission; the list shows only
    // what the token may read.
    EXPECT_EQ(Call("GET", Env("other/prod"), token).status, 403);
    nlohmann::json list = Call("GET", "/api/esc/environments/myorg", token).Json();
    for (const auto& e : list["environments"]) EXPECT_EQ(e["project"], "app");
    EXPECT_EQ(Call("GET", "/api/esc/environments/myorg", admin_).Json()["environments"].size() -
                  list["environments"].size(),
              1u);
  }
}

TEST_F(ServeTest, TokensApiCreatesOnceListsWithoutValuesAndRevokes) {
  Resp made = Call("POST", "/api/orgs/myorg/tokens", admin_,
                   R"({"name":"ci","description":"d","expires":0,
                       "scopes":[{"environment":"myorg/app/*","permission":"open"}]})");
  ASSERT_EQ(made.status, 200) << made.body;
  std::string id = made.Json()["id"], value = made.Json()["tokenValue"];
  EXPECT_FALSE(value.empty());
  Resp list = Call("GET", "/api/orgs/myorg/tokens", admin_);
  ASSERT_EQ(list.status, 200);
  EXPECT_THAT(list.body, Not(HasSubstr(value)));
  EXPECT_THAT(list.body, Not(HasSubstr(admin_)));
  bool found = false;
  nlohmann::json tokens = list.Json()["tokens"];
  for (const auto& t : tokens) {
    if (t["id"] != id) continue;
    found = true;
    EXPECT_EQ(t["scopes"][0]["permission"], "open");
    EXPECT_EQ(t["expires"], 0);
  }
  EXPECT_TRUE(found);
  // The new token works, with its scopes; it cannot mint wider or admin tokens.
  MakeEnv("dev", "");
  EXPECT_EQ(Call("POST", Env("app/dev/open"), value).status, 200);
  EXPECT_EQ(Call("POST", "/api/orgs/myorg/tokens", value,
                 R"({"scopes":[{"environment":"myorg/app/*","permission":"read"}]})")
                .status,
            403);
  std::string app_admin = Token("myorg/app/*:admin");
  EXPECT_EQ(Call("POST", "/api/orgs/myorg/tokens", app_admin,
                 R"({"scopes":[{"environment":"myorg/*/*","permission":"read"}]})")
                .status,
            403);
  EXPECT_EQ(Call("POST", "/api/orgs/myorg/tokens", app_admin,
                 R"({"scopes":[{"environment":"myorg/app/x","permission":"read"}]})")
                .status,
            200);
  // Bad bodies.
  EXPECT_EQ(Call("POST", "/api/orgs/myorg/tokens", admin_, R"({"scopes":[]})").status, 400);
  EXPECT_EQ(Call("POST", "/api/orgs/myorg/tokens", admin_,
                 R"({"scopes":[{"environment":"other/*/*","permission":"read"}]})")
                .status,
            400);
  EXPECT_EQ(Call("POST", "/api/orgs/myorg/tokens", admin_,
                 R"({"scopes":[{"environment":"myorg/*/*","permission":"root"}]})")
                .status,
            400);
  EXPECT_EQ(Call("POST", "/api/orgs/myorg/tokens", admin_, R"({"admin":true,"expires":1})").status,
            400);
  EXPECT_EQ(Call("POST", "/api/orgs/myorg/tokens", admin_, R"({"admin":"yes"})").status, 400);
  EXPECT_EQ(
      Call("POST", "/api/orgs/myorg/tokens", admin_, R"({"admin":true,"expires":"x"})").status,
      400);
  // Revoked: 401 from then on.
  EXPECT_EQ(Call("DELETE", "/api/orgs/myorg/tokens/" + id, admin_).status, 204);
  EXPECT_EQ(Call("GET", "/api/esc/environments/myorg", value).status, 401);
  EXPECT_EQ(Call("DELETE", "/api/orgs/myorg/tokens/nope", admin_).status, 404);
}

TEST_F(ServeTest, RequestsAreAuditedUnderTheTokenIdAndLastUseIsRecorded) {
  MakeEnv("dev", "values:\n  v: 1\n");
  Call("GET", Env("app/dev"), admin_);
  Call("POST", Env("app/dev/open"), admin_);
  std::string login = Call("GET", "/api/user", admin_).Json()["name"];
  ASSERT_TRUE(absl::StartsWith(login, "token:"));
  Exit audit = Escctl({"audit", "ls", "--limit", "1000"});
  ASSERT_EQ(audit.code, 0) << audit.err;
  for (const char* action :
       {"environment.create", "environment.update", "environment.read", "environment.open"}) {
    bool seen = false;
    for (absl::string_view line : absl::StrSplit(audit.out, '\n')) {
      seen |= absl::StrContains(line, action) && absl::StrContains(line, login);
    }
    EXPECT_TRUE(seen) << action << " by " << login << " in:\n" << audit.out;
  }
  EXPECT_THAT(audit.out, Not(HasSubstr(admin_)));
  nlohmann::json tokens = Call("GET", "/api/orgs/myorg/tokens", admin_).Json()["tokens"];
  for (const auto& t : tokens) {
    if ("token:" + t["id"].get<std::string>() == login) {
      EXPECT_GT(t["lastUsed"], 0);
    }
  }
}

// Exercises the routes with secrets in play (including failures that might
// quote input), then scans every non-open response, the server's stderr and
// the audit log for the planted secrets and token values.
TEST_F(ServeTest, SecretsAndTokensNeverLeakOutsideOpens) {
  const std::string with_secret = absl::StrCat("values:\n  s:\n    fn::secret: ", kSecret, "\n");
  MakeEnv("dev", with_secret);
  std::string reader = Token("myorg/app/*:read");
  Call("GET", Env("app/dev"), admin_);
  Call("GET", Env("app/dev/versions/2"), admin_);
  Call("GET", Env("app/dev/versions"), admin_);
  Call("GET", Env("app/dev/decrypt"), reader);  // 403
  Call("POST", Env("app/dev/open"), reader);    // 403
  Call("PATCH", Env("app/dev"), admin_, absl::StrCat("values:\n  x: [", kSecret2, "\n"));
  Call("PATCH", Env("app/dev"), admin_,
       absl::StrCat("values:\n  s:\n    fn::secret: ", kSecret2, "\n  y: ${s.nope}\n"));
  Call("PATCH", Env("app/dev"), admin_, with_secret, {{"ETag", "stale"}});
  Call("POST", "/api/esc/environments/myorg/yaml/check", admin_,
       absl::StrCat("values:\n  s:\n    fn::secret: ", kSecret2, "\n  t: ${s}\n"));
  Call("POST", "/api/esc/environments/myorg/yaml/check", admin_,
       absl::StrCat("values:\n  s:\n    fn::secret: ", kSecret2, "\n  t: ${bad}\n"));
  Call("POST", "/api/esc/environments/myorg", admin_,
       absl::StrCat("{\"name\":\"", kSecret2, "\"}"));
  Call("GET", absl::StrCat(Env("app/dev/open/"), "x?property=", kSecret2), admin_);
  Call("POST", Env("app/dev/clone"), admin_, R"({"name":"dev-copy"})");
  Call("GET", Env("app/dev-copy"), admin_);
  Call("GET", "/api/esc/environments/myorg", "esc_" + std::string(kSecret2));

  std::string recorded = Recorded();
  EXPECT_FALSE(ContainsSecret(recorded)) << recorded;
  EXPECT_THAT(recorded, Not(HasSubstr(reader)));
  std::string log = ServerStderr();
  EXPECT_FALSE(ContainsSecret(log)) << log;
  EXPECT_THAT(log, Not(HasSubstr(admin_)));
  Exit audit = Escctl({"audit", "ls", "--limit", "1000"});
  ASSERT_EQ(audit.code, 0);
  EXPECT_FALSE(ContainsSecret(audit.out)) << audit.out;
  EXPECT_THAT(audit.out, Not(HasSubstr(admin_)));
  EXPECT_THAT(audit.out, Not(HasSubstr(reader)));
}

// The scan above can fail: a decrypt recorded without the allowance is found.
TEST_F(ServeTest, SecretScanFindsAPlantedLeak) {
  MakeEnv("dev", absl::StrCat("values:\n  s:\n    fn::secret: ", kSecret, "\n"));
  EXPECT_FALSE(ContainsSecret(Recorded()));
  Call("GET", Env("app/dev/decrypt"), admin_);
  EXPECT_TRUE(ContainsSecret(Recorded()));
}

}  // namespace
}  // namespace escnative::serve_test
