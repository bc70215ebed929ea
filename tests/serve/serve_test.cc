// `escctl serve` over HTTP: every route, status codes, etags, bad input,
// shutdown. Scopes and secrets are in serve_scope_test.cc.
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "tests/serve/serve_fixture.h"

namespace escnative::serve_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kYaml[] =
    "values:\n"
    "  foo: bar\n"
    "  arr: [1, 2, 3]\n"
    "  pass:\n"
    "    fn::secret: sk-serve-test-SECRET-7d1f0c2e9b\n"
    "  pulumiConfig:\n"
    "    foo: ${foo}\n";

TEST_F(ServeTest, RequestsWithoutAValidTokenAre401WithAJsonError) {
  const std::string path = "/api/esc/environments/myorg";
  Resp none = Call("GET", path, "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.Json()["code"], 401);
  EXPECT_THAT(none.Json()["message"].get<std::string>(), HasSubstr("Authorization"));
  EXPECT_EQ(Call("GET", path, "esc_bogus").status, 401);
  Resp bearer = Call("GET", path, "", "", {{"Authorization", "Bearer " + admin_}});
  EXPECT_EQ(bearer.status, 401);
  EXPECT_THAT(bearer.body, Not(HasSubstr(admin_)));
  EXPECT_EQ(Call("GET", path, admin_).status, 200);
}

TEST_F(ServeTest, EnvironmentLifecycle) {
  const std::string org = "/api/esc/environments/myorg";
  // Create: 204 in general, 200 for esc-sdk 0.12 (its wrapper wants 200).
  Resp c = Call("POST", org, admin_, R"({"project":"app","name":"dev"})");
  EXPECT_EQ(c.status, 204) << c.body;
  Resp sdk = Call("POST", org, admin_, R"({"project":"app","name":"sdk"})",
                  {{"User-Agent", "esc-sdk/ts/v0.12.4"}});
  EXPECT_EQ(sdk.status, 200) << sdk.body;
  EXPECT_EQ(Call("POST", org, admin_, R"({"project":"app","name":"dev"})").status, 409);

  // Revision 1 is empty: an empty body (never JSON-parsable), etag, revision.
  Resp g = Call("GET", Env("app/dev"), admin_);
  EXPECT_EQ(g.status, 200);
  EXPECT_EQ(g.body, "");
  EXPECT_EQ(g.Header("Pulumi-ESC-Revision"), "1");
  std::string etag1 = g.Header("ETag");
  EXPECT_FALSE(etag1.empty());
  Resp h = Call("HEAD", Env("app/dev"), admin_);
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.Header("ETag"), etag1);
  EXPECT_EQ(h.body, "");
  EXPECT_EQ(Call("HEAD", Env("app/nope"), admin_).status, 404);

  Resp u = Call("PATCH", Env("app/dev"), admin_, kYaml);
  EXPECT_EQ(u.status, 200) << u.body;
  EXPECT_EQ(u.body, "{}");
  EXPECT_EQ(u.Header("Pulumi-ESC-Revision"), "2");
  g = Call("GET", Env("app/dev"), admin_);
  EXPECT_THAT(g.body, HasSubstr("foo: bar"));
  EXPECT_THAT(g.body, HasSubstr("ciphertext"));
  EXPECT_THAT(g.body, HasSubstr("${foo}"));
  EXPECT_TRUE(g.Json().is_discarded());
  EXPECT_EQ(g.Header("Content-Type"), "application/x-yaml");
  EXPECT_NE(g.Header("ETag"), etag1);
  AllowSecretsInNextResponse();
  Resp d = Call("GET", Env("app/dev/decrypt"), admin_);
  EXPECT_EQ(d.status, 200);
  EXPECT_THAT(d.body, HasSubstr(kSecret));
  EXPECT_EQ(Call("GET", Env("app/dev/versions/1"), admin_).body, "");
  EXPECT_THAT(Call("GET", Env("app/dev/versions/2"), admin_).body, HasSubstr("foo: bar"));
  AllowSecretsInNextResponse();
  EXPECT_THAT(Call("GET", Env("app/dev/versions/2/decrypt"), admin_).body, HasSubstr(kSecret));
  EXPECT_EQ(Call("GET", Env("app/dev/versions/9"), admin_).status, 404);

  // Revisions: newest first, `before` exclusive, `count`.
  Resp revs = Call("GET", Env("app/dev/versions"), admin_);
  ASSERT_EQ(revs.status, 200);
  ASSERT_EQ(revs.Json().size(), 2u);
  EXPECT_EQ(revs.Json()[0]["number"], 2);
  Resp one = Call("GET", Env("app/dev/versions?before=2&count=1"), admin_);
  ASSERT_EQ(one.Json().size(), 1u);
  EXPECT_EQ(one.Json()[0]["number"], 1);

  // Open, then read the values and single properties (also via `open//id`).
  Resp o = Call("POST", Env("app/dev/open?duration=5m"), admin_);
  ASSERT_EQ(o.status, 200) << o.body;
  std::string id = o.Json()["id"];
  EXPECT_FALSE(id.empty());
  AllowSecretsInNextResponse();
  Resp read = Call("GET", Env("app/dev/open/" + id), admin_);
  ASSERT_EQ(read.status, 200);
  nlohmann::json props = read.Json()["properties"];
  EXPECT_EQ(props["foo"]["value"], "bar");
  EXPECT_EQ(props["pass"]["value"], kSecret);
  EXPECT_EQ(props["pass"]["secret"], true);
  EXPECT_EQ(props["arr"]["value"][1]["value"], 2);
  Resp prop = Call("GET", Env("app/dev/open//" + id + "?property=pulumiConfig.foo"), admin_);
  EXPECT_EQ(prop.Json()["value"], "bar");
  Resp idx = Call("GET", Env("app/dev/open/" + id + "?property=arr%5B2%5D"), admin_);
  EXPECT_EQ(idx.Json()["value"], 3);
  EXPECT_EQ(Call("GET", Env("app/dev/open/" + id + "?property=nope"), admin_).status, 404);
  EXPECT_EQ(Call("GET", Env("app/dev/open/0123456789abcdef"), admin_).status, 404);
  EXPECT_EQ(Call("GET", Env("app/sdk/open/" + id), admin_).status, 404);  // other env
  // An empty environment opens to exactly {}; versions open too.
  Resp empty = Call("POST", Env("app/sdk/open"), admin_);
  EXPECT_EQ(Call("GET", Env("app/sdk/open/" + empty.Json()["id"].get<std::string>()), admin_).body,
            "{}");
  Resp v1 = Call("POST", Env("app/dev/versions/1/open"), admin_);
  EXPECT_EQ(Call("GET", Env("app/dev/open/" + v1.Json()["id"].get<std::string>()), admin_).body,
            "{}");

  // List (paged with maxResults / continuationToken).
  Resp list = Call("GET", "/api/esc/environments/myorg?maxResults=1", admin_);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.Json()["environments"].size(), 1u);
  EXPECT_EQ(list.Json()["environments"][0]["name"], "dev");
  std::string next = list.Json()["nextToken"];
  Resp page2 =
      Call("GET", "/api/esc/environments/myorg?maxResults=1&continuationToken=" + next, admin_);
  ASSERT_EQ(page2.Json()["environments"].size(), 1u);
  EXPECT_EQ(page2.Json()["environments"][0]["name"], "sdk");
  EXPECT_FALSE(page2.Json().contains("nextToken"));
  // The esc CLI's listing: the caller's default organization, or ?organization=.
  EXPECT_EQ(Call("GET", "/api/esc/environments", admin_).Json()["environments"].size(), 2u);
  EXPECT_EQ(
      Call("GET", "/api/esc/environments?organization=other", admin_).Json()["environments"].size(),
      0u);
  EXPECT_EQ(Call("GET", "/api/esc/environments?organization=bad%20org", admin_).status, 400);

  // Clone (re-encrypts under the new environment).
  Resp cl = Call("POST", Env("app/dev/clone"), admin_, R"({"project":"other","name":"dev2"})");
  EXPECT_EQ(cl.status, 204) << cl.body;
  Resp o2 = Call("POST", Env("other/dev2/open"), admin_);
  AllowSecretsInNextResponse();
  Resp r2 = Call("GET", Env("other/dev2/open/" + o2.Json()["id"].get<std::string>()), admin_);
  EXPECT_EQ(r2.Json()["properties"]["pass"]["value"], kSecret);
  EXPECT_EQ(Call("GET", Env("other/dev2/versions"), admin_).Json().size(), 2u);  // 1 + the copy

  // With history and revision tags: the same revisions, numbers and tags.
  std::string stored = Call("GET", Env("app/dev"), admin_).body;
  ASSERT_EQ(Call("PATCH", Env("app/dev"), admin_, stored + "  more: 1\n").status, 200);
  size_t revisions = Call("GET", Env("app/dev/versions"), admin_).Json().size();
  ASSERT_GE(revisions, 3u);
  ASSERT_EQ(Call("POST", Env("app/dev/versions/tags"), admin_, R"({"name":"stable","revision":2})")
                .status,
            204);
  cl = Call("POST", Env("app/dev/clone"), admin_,
            R"({"name":"dev3","preserveHistory":true,"preserveRevisionTags":true})");
  ASSERT_EQ(cl.status, 204) << cl.body;
  EXPECT_EQ(Call("GET", Env("app/dev3/versions"), admin_).Json().size(), revisions);
  EXPECT_EQ(Call("GET", Env("app/dev3/versions/tags/stable"), admin_).Json()["revision"], 2);
  EXPECT_EQ(Call("GET", Env("app/dev3/versions/2"), admin_).status, 200);
  // Access is by token scope here: asking to copy it is refused, nothing made.
  Resp access =
      Call("POST", Env("app/dev/clone"), admin_, R"({"name":"dev4","preserveAccess":true})");
  EXPECT_EQ(access.status, 400);
  EXPECT_THAT(access.Json()["message"].get<std::string>(), HasSubstr("preserveAccess"));
  EXPECT_EQ(Call("GET", Env("app/dev4"), admin_).status, 404);
  EXPECT_EQ(Call("POST", Env("app/dev/clone"), admin_, R"({"name":"dev5","version":99})").status,
            404);
  EXPECT_EQ(Call("GET", Env("app/dev5"), admin_).status, 404);

  // Delete: 204 (200 for esc-sdk 0.12); then gone.
  EXPECT_EQ(Call("DELETE", Env("app/dev"), admin_).status, 204);
  EXPECT_EQ(
      Call("DELETE", Env("app/sdk"), admin_, "", {{"User-Agent", "esc-sdk/ts/v0.12.4"}}).status,
      200);
  EXPECT_EQ(Call("GET", Env("app/dev"), admin_).status, 404);
  EXPECT_EQ(Call("DELETE", Env("app/dev"), admin_).status, 404);
}

TEST_F(ServeTest, EtagsMakeUpdatesConditional) {
  MakeEnv("dev", "values:\n  n: 0\n");
  std::string etag = Call("GET", Env("app/dev"), admin_).Header("ETag");
  // Stale etag (either header name, quoted or not): 409, nothing written.
  Resp ok = Call("PATCH", Env("app/dev"), admin_, "values:\n  n: 1\n",
                 {{"If-Match", "\"" + etag + "\""}});
  EXPECT_EQ(ok.status, 200) << ok.body;
  Resp stale = Call("PATCH", Env("app/dev"), admin_, "values:\n  n: 2\n", {{"ETag", etag}});
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(stale.Json()["code"], 409);
  EXPECT_EQ(Call("GET", Env("app/dev"), admin_).Header("Pulumi-ESC-Revision"), "3");

  // 8 concurrent PATCHes with the same etag: exactly one wins.
  std::string current = Call("GET", Env("app/dev"), admin_).Header("ETag");
  std::atomic<int> wins{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      Resp r = Call("PATCH", Env("app/dev"), admin_,
                    "values:\n  n: " + std::to_string(10 + i) + "\n", {{"ETag", current}});
      if (r.status == 200) ++wins;
      if (r.status == 409) ++conflicts;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(conflicts.load(), 7);
  EXPECT_EQ(Call("GET", Env("app/dev"), admin_).Header("Pulumi-ESC-Revision"), "4");
}

TEST_F(ServeTest, RevisionTagsAndEnvironmentTags) {
  MakeEnv("dev", "values:\n  v: 1\n");
  ASSERT_EQ(Call("PATCH", Env("app/dev"), admin_, "values:\n  v: 2\n").status, 200);
  EXPECT_EQ(Call("POST", Env("app/dev/versions/tags"), admin_, R"({"name":"stable","revision":2})")
                .status,
            204);
  EXPECT_EQ(Call("POST", Env("app/dev/versions/tags"), admin_, R"({"name":"stable","revision":2})")
                .status,
            409);
  Resp tags = Call("GET", Env("app/dev/versions/tags"), admin_);
  ASSERT_EQ(tags.Json()["tags"].size(), 2u);
  EXPECT_EQ(tags.Json()["tags"][0]["name"], "latest");
  EXPECT_EQ(tags.Json()["tags"][1]["name"], "stable");
  EXPECT_EQ(tags.Json()["nextToken"], "");
  Resp paged = Call("GET", Env("app/dev/versions/tags?count=1"), admin_);
  EXPECT_EQ(paged.Json()["nextToken"], "latest");
  EXPECT_EQ(
      Call("GET", Env("app/dev/versions/tags?after=latest"), admin_).Json()["tags"][0]["name"],
      "stable");
  EXPECT_EQ(Call("PATCH", Env("app/dev/versions/tags/stable"), admin_, R"({"revision":3})").status,
            204);
  EXPECT_EQ(Call("GET", Env("app/dev/versions/tags/stable"), admin_).Json()["revision"], 3);
  EXPECT_THAT(Call("GET", Env("app/dev/versions/stable"), admin_).body, HasSubstr("v: 2"));
  EXPECT_EQ(
      Call("PATCH", Env("app/dev/versions/tags/stable"), admin_, R"({"revision":"x"})").status,
      400);
  EXPECT_EQ(Call("DELETE", Env("app/dev/versions/tags/stable"), admin_).status, 204);
  EXPECT_EQ(Call("GET", Env("app/dev/versions/tags/stable"), admin_).status, 404);

  // Environment tags: the map is always there.
  EXPECT_EQ(Call("GET", Env("app/dev/tags"), admin_).body, R"({"nextToken":"","tags":{}})");
  Resp made = Call("POST", Env("app/dev/tags"), admin_, R"({"name":"owner","value":"me"})");
  EXPECT_EQ(made.status, 200) << made.body;
  EXPECT_EQ(made.Json()["value"], "me");
  EXPECT_EQ(Call("POST", Env("app/dev/tags"), admin_, R"({"name":"owner","value":"x"})").status,
            409);
  Resp renamed = Call("PATCH", Env("app/dev/tags/owner"), admin_,
                      R"({"currentTag":{"value":"me"},"newTag":{"name":"team","value":"core"}})");
  EXPECT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(Call("GET", Env("app/dev/tags/team"), admin_).Json()["value"], "core");
  EXPECT_EQ(Call("GET", Env("app/dev/tags/owner"), admin_).status, 404);
  EXPECT_EQ(Call("PATCH", Env("app/dev/tags/team"), admin_,
                 R"({"currentTag":{"value":"stale"},"newTag":{"value":"y"}})")
                .status,
            409);
  EXPECT_EQ(Call("GET", Env("app/dev/tags"), admin_).Json()["tags"]["team"]["name"], "team");
  EXPECT_EQ(Call("DELETE", Env("app/dev/tags/team"), admin_).status, 204);
  EXPECT_EQ(Call("GET", Env("app/dev/tags"), admin_).Json()["tags"].size(), 0u);
}

TEST_F(ServeTest, CheckUserAndOrganization) {
  Resp ok = Call("POST", "/api/esc/environments/myorg/yaml/check", admin_, "values:\n  foo: bar\n");
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_FALSE(ok.Json().contains("diagnostics"));
  EXPECT_EQ(ok.Json()["properties"]["foo"]["value"], "bar");
  Resp bad =
      Call("POST", "/api/esc/environments/myorg/yaml/check", admin_, "values:\n  x: ${bad_ref}\n");
  EXPECT_EQ(bad.status, 400);
  ASSERT_EQ(bad.Json()["diagnostics"].size(), 1u);
  EXPECT_EQ(bad.Json()["diagnostics"][0]["summary"], "unknown property \"bad_ref\"");
  // showSecrets reveals secret values, and needs open (a reader gets 403).
  std::string with_secret = absl::StrCat("values:\n  s:\n    fn::secret: ", kSecret, "\n");
  Resp hidden = Call("POST", "/api/esc/environments/myorg/yaml/check", admin_, with_secret);
  EXPECT_EQ(hidden.Json()["properties"]["s"]["value"], "[secret]");
  AllowSecretsInNextResponse();
  Resp shown =
      Call("POST", "/api/esc/environments/myorg/yaml/check?showSecrets=true", admin_, with_secret);
  EXPECT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(shown.Json()["properties"]["s"]["value"], kSecret);
  EXPECT_EQ(shown.Json()["properties"]["s"]["secret"], true);
  std::string reader = Token("myorg/*/*:read");
  EXPECT_EQ(Call("POST", "/api/esc/environments/myorg/yaml/check?showSecrets=true", reader,
                 "values:\n  a: 1\n")
                .status,
            403);
  EXPECT_EQ(Call("POST", "/api/esc/environments/myorg/yaml/check?showSecrets=maybe", admin_,
                 "values:\n  a: 1\n")
                .status,
            400);
  Resp user = Call("GET", "/api/user", admin_);
  EXPECT_EQ(user.status, 200);
  EXPECT_EQ(user.Json()["organizations"][0]["githubLogin"], "myorg");
  EXPECT_EQ(Call("GET", "/api/user/organizations/default", admin_).Json()["gitHubLogin"], "myorg");
}

TEST_F(ServeTest, BadInputGetsClearErrorsNotCrashes) {
  const std::string org = "/api/esc/environments/myorg";
  Resp malformed = Call("POST", org, admin_, "{not json");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_THAT(malformed.Json()["message"].get<std::string>(), HasSubstr("JSON object"));
  EXPECT_EQ(Call("POST", org, admin_, R"({"project":"app"})").status, 400);
  EXPECT_EQ(Call("POST", org, admin_, R"([1,2])").status, 400);
  EXPECT_EQ(Call("POST", org, admin_, R"({"project":7,"name":null})").status, 400);
  Resp badname = Call("POST", org, admin_, R"({"project":"app","name":"bad name!"})");
  EXPECT_EQ(badname.status, 400);
  EXPECT_THAT(badname.Json()["message"].get<std::string>(), HasSubstr("environment"));
  EXPECT_EQ(Call("GET", Env("app/bad%01name"), admin_).status, 400);
  EXPECT_EQ(Call("GET", "/api/esc/environments/bad%20org", admin_).status, 400);

  MakeEnv("dev", "");
  EXPECT_EQ(
      Call("POST", Env("app/dev/clone"), admin_, R"({"name":"c","preserveEnvironmentTags":1})")
          .status,
      400);
  EXPECT_EQ(Call("POST", Env("app/dev/versions/tags"), admin_, R"({"name":5})").status, 400);
  EXPECT_EQ(Call("POST", Env("app/dev/tags"), admin_, "not json").status, 400);
  EXPECT_EQ(Call("PATCH", Env("app/dev/tags/x"), admin_, "{}").status, 400);
  Resp yaml = Call("PATCH", Env("app/dev"), admin_, "values: [unclosed\n");
  EXPECT_EQ(yaml.status, 400);
  EXPECT_TRUE(yaml.Json()["diagnostics"].is_array());
  Resp unknown = Call("PATCH", Env("app/dev"), admin_, "values:\n  x: ${nope}\n");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(Call("GET", Env("app/dev"), admin_).Header("Pulumi-ESC-Revision"), "1");
  EXPECT_EQ(Call("POST", Env("app/dev/open?duration=forever"), admin_).status, 400);
  EXPECT_EQ(Call("GET", Env("app/dev/versions?count=-1"), admin_).status, 400);
  EXPECT_EQ(Call("GET", Env("app/dev/versions/bad%01v"), admin_).status, 400);

  // 10 MiB + 1: 413 with a JSON error, and the server carries on.
  Resp huge = Call("PATCH", Env("app/dev"), admin_, std::string((10 << 20) + 1, 'a'));
  EXPECT_EQ(huge.status, 413);
  EXPECT_EQ(huge.Json()["code"], 413);
  Resp route = Call("GET", "/api/esc/nothing/here", admin_);
  EXPECT_EQ(route.status, 404);
  EXPECT_THAT(route.Json()["message"].get<std::string>(), HasSubstr("no route"));
  EXPECT_EQ(Call("PUT", Env("app/dev"), admin_, "{}").status, 404);
  EXPECT_EQ(Call("GET", std::string("/api/") + std::string(9000, 'x'), admin_).status, 414);
  EXPECT_EQ(Call("GET", Env("app/dev"), admin_).status, 200);
}

TEST_F(ServeTest, ServesHttpsWithTheGivenCertificateAndRefusesPlainHttpOffLoopback) {
  StopServer();
  std::string cert = dir_.File("cert.pem"), key = dir_.File("key.pem");
  std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  StartServer({"--tls-cert", cert, "--tls-key", key}, "https");
  httplib::SSLClient tls("127.0.0.1", port_);
  tls.set_ca_cert_path(cert.c_str());
  tls.enable_server_certificate_verification(true);
  auto res = tls.Get("/api/esc/environments/myorg", {{"Authorization", "token " + admin_}});
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  httplib::Client plain("127.0.0.1", port_);
  plain.set_read_timeout(5, 0);
  auto clear = plain.Get("/api/esc/environments/myorg", {{"Authorization", "token " + admin_}});
  EXPECT_TRUE(!clear || clear->status != 200);
  EXPECT_EQ(StopServer(), 0);

  Exit refused = Escctl({"serve", "--listen", "0.0.0.0:0"});
  EXPECT_EQ(refused.code, 1);
  EXPECT_THAT(refused.err, HasSubstr("refusing plain HTTP"));
  Exit bad_key =
      Escctl({"serve", "--listen", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", cert});
  EXPECT_EQ(bad_key.code, 1);
  EXPECT_THAT(bad_key.err, HasSubstr("TLS"));
  EXPECT_EQ(Escctl({"serve", "--listen", "127.0.0.1"}).code, 1);
  EXPECT_EQ(Escctl({"serve", "--listen", "127.0.0.1:99999"}).code, 1);
}

TEST_F(ServeTest, SigtermAndSigintStopCleanlyWithExitZero) {
  EXPECT_EQ(StopServer(SIGTERM), 0);
  EXPECT_THAT(ServerStderr(), HasSubstr("stopped"));
  StartServer();
  EXPECT_EQ(Call("GET", "/api/esc/environments/myorg", admin_).status, 200);
  EXPECT_EQ(StopServer(SIGINT), 0);
}

}  // namespace
}  // namespace escnative::serve_test
