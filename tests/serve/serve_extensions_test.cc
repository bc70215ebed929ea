// escctl serve's routes beyond the ESC API's table: the audit log (Pulumi
// Cloud's shape and our ascending extension), the check of a stored
// environment, and yaml/check naming the environment it is meant for.
#include <gmock/gmock.h>

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/serve/serve_fixture.h"

namespace escnative::serve_test {
namespace {

using ::testing::HasSubstr;

TEST_F(ServeTest, AuditLogNewestFirstWithContinuationTokens) {
  MakeEnv("dev", absl::StrCat("values:\n  s:\n    fn::secret: ", kSecret, "\n"));
  for (int i = 0; i < 4; ++i) {
    AllowSecretsInNextResponse();
    Resp opened = Call("POST", Env("app/dev/open"), admin_);
    ASSERT_EQ(opened.status, 200) << opened.body;
  }
  // Pulumi Cloud's paging: newest first, two at a time, until no token.
  std::vector<int64_t> seqs;
  std::string next;
  for (int page = 0; page < 50; ++page) {
    Resp r = Call("GET",
                  absl::StrCat("/api/orgs/myorg/auditlogs?maxResults=2&startTime=4102444800",
                               next.empty() ? "" : "&continuationToken=" + next),
                  admin_);
    ASSERT_EQ(r.status, 200) << r.body;
    nlohmann::json body = r.Json();
    for (const auto& e : body["auditLogEvents"]) {
      EXPECT_TRUE(e["timestamp"].is_number_integer());
      EXPECT_TRUE(e["user"]["name"].is_string());
      EXPECT_TRUE(e["description"].is_string());
      seqs.push_back(e["sequence"].get<int64_t>());
    }
    if (!body.contains("continuationToken")) break;
    next = body["continuationToken"].get<std::string>();
  }
  ASSERT_GE(seqs.size(), 6u);  // create, update, four opens (and token events)
  for (size_t i = 1; i < seqs.size(); ++i) EXPECT_LT(seqs[i], seqs[i - 1]) << "newest first";
  EXPECT_EQ(std::set<int64_t>(seqs.begin(), seqs.end()).size(), seqs.size()) << "no repeats";

  // Our extension: oldest first after a sequence number, filtered.
  Resp asc = Call("GET",
                  absl::StrCat("/api/orgs/myorg/auditlogs?order=asc&afterSequence=", seqs.back(),
                               "&eventFilter=environment.open&targetPrefix=myorg/app/dev"),
                  admin_);
  ASSERT_EQ(asc.status, 200) << asc.body;
  EXPECT_EQ(asc.Json()["order"], "asc");
  ASSERT_EQ(asc.Json()["auditLogEvents"].size(), 4u);
  EXPECT_EQ(asc.Json()["auditLogEvents"][0]["target"], "myorg/app/dev");

  // Admin of the organization only; bad parameters are 400s that say why.
  std::string reader = Token("myorg/*/*:read");
  EXPECT_EQ(Call("GET", "/api/orgs/myorg/auditlogs", reader).status, 403);
  EXPECT_EQ(Call("GET", "/api/orgs/otherorg/auditlogs", admin_).status, 403);
  Resp bad = Call("GET", "/api/orgs/myorg/auditlogs?order=sideways", admin_);
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("order"));
  EXPECT_EQ(Call("GET", "/api/orgs/myorg/auditlogs?continuationToken=x", admin_).status, 400);
  EXPECT_FALSE(ContainsSecret(Recorded()));
}

TEST_F(ServeTest, CheckOfAStoredEnvironmentNeedsOnlyRead) {
  MakeEnv("base", absl::StrCat("values:\n  key:\n    fn::secret: ", kSecret, "\n  plain: p\n"));
  MakeEnv("dev", "imports:\n  - app/base\nvalues:\n  own: ${plain}\n");
  std::string reader = Token("myorg/app/dev:read");
  Resp checked = Call("GET", Env("app/dev/check"), reader);
  ASSERT_EQ(checked.status, 200) << checked.body;
  EXPECT_EQ(checked.Json()["properties"]["own"]["value"], "p");
  // A check decrypts nothing: the imported secret is an unknown secret.
  EXPECT_EQ(checked.Json()["properties"]["key"]["secret"], true) << checked.body;
  EXPECT_FALSE(checked.Json().contains("definition"));
  // The same text as arbitrary YAML needs access to what it imports.
  EXPECT_EQ(Call("POST", "/api/esc/environments/myorg/yaml/check", reader,
                 "imports:\n  - app/base\nvalues:\n  own: ${plain}\n")
                .status,
            403);
  EXPECT_EQ(Call("GET", Env("app/dev/check?showSecrets=true"), reader).status, 403);
  EXPECT_EQ(Call("GET", Env("app/nope/check"), reader).status, 403);
  EXPECT_EQ(Call("GET", Env("app/nope/check"), admin_).status, 404);
  EXPECT_EQ(Call("GET", Env("app/dev/versions/1/check"), admin_).status, 200);

  // showSecrets: the values and the decrypted definition in one answer.
  AllowSecretsInNextResponse();
  Resp shown = Call("GET", Env("app/base/check?showSecrets=true"), admin_);
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(shown.Json()["properties"]["key"]["value"], kSecret);
  EXPECT_THAT(shown.Json()["definition"].get<std::string>(), HasSubstr(kSecret));

  // yaml/check names the environment the text is meant for.
  Resp named = Call("POST",
                    "/api/esc/environments/myorg/yaml/check?project=app&environment=dev",
                    admin_, "values:\n  x: ${missing}\n");
  EXPECT_EQ(named.status, 400);
  EXPECT_THAT(named.body, HasSubstr("\"environment\":\"app/dev\""));
  EXPECT_EQ(Call("POST", "/api/esc/environments/myorg/yaml/check?environment=a%2Fb", admin_,
                 "values: {}\n")
                .status,
            400);
  EXPECT_FALSE(ContainsSecret(Recorded()));
}

}  // namespace
}  // namespace escnative::serve_test
