#include "provider/resources/provider_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "tests/util/status_matchers.h"

namespace escnative::resources {
namespace {

using ::escnative::testing::StatusIs;
using ::testing::HasSubstr;

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(CheckProviderConfig, CoercesJsonEncodedStringsAndKeepsSecrets) {
  CheckResult r = CheckProviderConfig({{"httpRetries", "5"},
                                       {"httpTimeout", PropertyValue::MakeSecret(" 2.5 ")},
                                       {"allowInsecureHttp", "TRUE"},
                                       {"passphrase", "pw"},
                                       {"backend", "local"},
                                       {"version", "9.9.9"},
                                       {"organization", PropertyValue::MakeUnknown()}});
  EXPECT_TRUE(r.failures.empty()) << r.failures[0].property << ": " << r.failures[0].reason;
  EXPECT_EQ(r.inputs.at("httpRetries"), PropertyValue(5));
  EXPECT_EQ(r.inputs.at("httpTimeout"), PropertyValue::MakeSecret(2.5));
  EXPECT_EQ(r.inputs.at("allowInsecureHttp"), PropertyValue(true));
  EXPECT_EQ(r.inputs.at("passphrase"), PropertyValue::MakeSecret("pw"))
      << "schema-secret keys come back wrapped";
  EXPECT_EQ(r.inputs.at("version"), PropertyValue("9.9.9")) << "engine key untouched";
  EXPECT_TRUE(r.inputs.at("organization").IsUnknown());
}

TEST(CheckProviderConfig, ReportsBadValuesWithoutEchoingThem) {
  CheckResult r = CheckProviderConfig({{"httpRetries", PropertyValue::MakeSecret("s3cret-nan")},
                                       {"allowInsecureHttp", "maybe"},
                                       {"backend", "s3"},
                                       {"backendUrl", "ftp://x"},
                                       {"backnd", "local"}});
  std::map<std::string, std::string> by_key;
  for (const auto& f : r.failures) by_key[f.property] = f.reason;
  // Coercion failures stop before validation.
  EXPECT_EQ(by_key.size(), 2u);
  EXPECT_EQ(by_key["httpRetries"], "expected an integer");
  EXPECT_EQ(by_key["allowInsecureHttp"], "expected a boolean (true or false)");
  for (const auto& f : r.failures) EXPECT_EQ(f.reason.find("s3cret"), std::string::npos);

  CheckResult v = CheckProviderConfig(
      {{"backend", "s3"}, {"backendUrl", "ftp://x"}, {"backnd", "local"}, {"httpRetries", -1}});
  by_key.clear();
  for (const auto& f : v.failures) by_key[f.property] = f.reason;
  EXPECT_EQ(by_key["backend"], "expected \"local\" or \"cloud\"");
  EXPECT_EQ(by_key["backendUrl"], "expected an http:// or https:// URL");
  EXPECT_THAT(by_key["backnd"], HasSubstr("did you mean \"backend\"?"));
  EXPECT_THAT(by_key["httpRetries"], HasSubstr("0 or more"));
}

TEST(CoerceConfig, ObjectsAndArraysFromJson) {
  ObjectSpec spec;
  spec.token = "test";
  TypeSpec arr;
  arr.kind = TypeSpec::Kind::kArray;
  arr.element = std::make_shared<TypeSpec>();
  TypeSpec map;
  map.kind = TypeSpec::Kind::kMap;
  map.element = std::make_shared<TypeSpec>();
  spec.properties["list"].type = arr;
  spec.properties["obj"].type = map;
  std::vector<CheckFailure> failures;
  PropertyMap out =
      CoerceConfig(spec, {{"list", "[1,\"a\",true]"}, {"obj", "{\"k\":{\"n\":null}}"}}, &failures);
  EXPECT_TRUE(failures.empty());
  EXPECT_EQ(out.at("list"), PropertyValue(PropertyArray{1, "a", true}));
  EXPECT_EQ(out.at("obj"), PropertyValue(PropertyMap{{"k", PropertyMap{{"n", PropertyValue()}}}}));
  CoerceConfig(spec, {{"list", "{}"}, {"obj", "not json"}}, &failures);
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_EQ(failures[0].reason, "expected an array or its JSON encoding");
}

TEST(DiffProviderConfig, CredentialsUpdateLocationReplaces) {
  PropertyMap olds{
      {"passphrase", PropertyValue::MakeSecret("a")}, {"localPath", "/x"}, {"version", "1"}};
  PropertyMap pass{
      {"passphrase", PropertyValue::MakeSecret("b")}, {"localPath", "/x"}, {"version", "2"}};
  DiffResult r = DiffProviderConfig(olds, pass);
  EXPECT_EQ(r.changes, DiffResult::Changes::kSome);
  EXPECT_TRUE(r.replaces.empty());
  EXPECT_EQ(r.diffs, std::vector<std::string>{"passphrase"});
  PropertyMap moved{{"passphrase", PropertyValue::MakeSecret("a")}, {"localPath", "/y"}};
  EXPECT_EQ(DiffProviderConfig(olds, moved).replaces, std::vector<std::string>{"localPath"});
  EXPECT_EQ(DiffProviderConfig(olds, olds).changes, DiffResult::Changes::kNone);
}

TEST(ResolveProviderConfig, LocalIsTheDefaultAndNeedsAPassphrase) {
  auto missing = ResolveProviderConfig({}, FakeEnv({{"HOME", "/home/u"}}));
  ASSERT_THAT(missing, StatusIs(absl::StatusCode::kFailedPrecondition));
  auto keys = MissingKeysFromStatus(missing.status());
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].name, "esc:passphrase");

  auto c = ResolveProviderConfig({}, FakeEnv({{"HOME", "/home/u"}, {"ESC_PASSPHRASE", "pw"}}));
  ASSERT_OK(c);
  EXPECT_EQ(c->backend, ProviderConfig::Backend::kLocal);
  EXPECT_EQ(c->local_path, "/home/u/.pulumi-esc/store.db");
  EXPECT_EQ(c->organization, "organization");
  EXPECT_EQ(c->project, "default");
  EXPECT_EQ(c->passphrase, "pw");
  EXPECT_EQ(c->Describe().find("pw"), std::string::npos);

  auto fallback = ResolveProviderConfig(
      {{"localPath", "~/s.db"}}, FakeEnv({{"HOME", "/h"}, {"PULUMI_CONFIG_PASSPHRASE", "p2"}}));
  ASSERT_OK(fallback);
  EXPECT_EQ(fallback->local_path, "/h/s.db");
  EXPECT_EQ(fallback->passphrase, "p2");
  // Config beats the environment.
  auto explicit_pw = ResolveProviderConfig({{"passphrase", PropertyValue::MakeSecret("cfg")}},
                                           FakeEnv({{"ESC_PASSPHRASE", "env"}}));
  ASSERT_OK(explicit_pw);
  EXPECT_EQ(explicit_pw->passphrase, "cfg");
}

TEST(ResolveProviderConfig, PassphraseFile) {
  std::string path = ::testing::TempDir() + "/esc-passphrase-test";
  { std::ofstream(path) << "from-file\nignored\n"; }
  auto c = ResolveProviderConfig({{"passphraseFile", path}}, FakeEnv({}));
  ASSERT_OK(c);
  EXPECT_EQ(c->passphrase, "from-file");
  std::remove(path.c_str());
  auto gone = ResolveProviderConfig({{"passphraseFile", path}}, FakeEnv({}));
  ASSERT_THAT(gone, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(gone.status().message()), HasSubstr("esc:passphraseFile"));
}

TEST(CheckProviderConfig, SecretsStayWrappedWhenAnotherKeyFails) {
  // A coercion failure on one key used to return before the secrets were
  // wrapped, so a plaintext passphrase went back to the engine unwrapped.
  CheckResult r = CheckProviderConfig(
      {{"passphrase", "cfg-pass-MARKER-7e2"}, {"httpRetries", "many"}, {"accessToken", "tok"}});
  ASSERT_FALSE(r.failures.empty());
  EXPECT_EQ(r.inputs.at("passphrase"), PropertyValue::MakeSecret("cfg-pass-MARKER-7e2"));
  EXPECT_EQ(r.inputs.at("accessToken"), PropertyValue::MakeSecret("tok"));
  // And when validation (not coercion) fails.
  CheckResult v = CheckProviderConfig({{"passphrase", "p"}, {"backend", "s3"}});
  ASSERT_FALSE(v.failures.empty());
  EXPECT_TRUE(v.inputs.at("passphrase").IsSecret());
}

TEST(ResolveProviderConfig, PassphraseFileMustBeASmallRegularFile) {
  const std::string dir = ::testing::TempDir() + "/esc-passphrase-kinds";
  std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'").c_str());
  const std::string fifo = dir + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string big = dir + "/big";
  { std::ofstream(big) << std::string(64 * 1024 + 1, 'p'); }
  struct Case {
    std::string path;
    std::string expected;
  } cases[] = {
      {dir, "esc:passphraseFile: passphrase file \"" + dir +
                "\" is a directory; expected a regular file"},
      {"/dev/zero", "is not a regular file"},
      {fifo, "is not a regular file"},  // must not block waiting for a writer
      {big, "at most 65536"},
  };
  for (const Case& c : cases) {
    auto r = ResolveProviderConfig({{"passphraseFile", c.path}}, FakeEnv({}));
    ASSERT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument)) << c.path;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.expected));
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("esc:passphraseFile: "));
    EXPECT_EQ(std::string(r.status().message()).find("ppppp"), std::string::npos);
  }
  // The environment variables get the same checks, named by the variable.
  auto env = ResolveProviderConfig({}, FakeEnv({{"ESC_PASSPHRASE_FILE", dir}}));
  EXPECT_THAT(std::string(env.status().message()), HasSubstr("ESC_PASSPHRASE_FILE: "));
  EXPECT_THAT(std::string(env.status().message()), HasSubstr("is a directory"));
  auto pulumi =
      ResolveProviderConfig({}, FakeEnv({{"PULUMI_CONFIG_PASSPHRASE_FILE", "/dev/zero"}}));
  EXPECT_THAT(std::string(pulumi.status().message()), HasSubstr("PULUMI_CONFIG_PASSPHRASE_FILE: "));
}

TEST(ResolveProviderConfig, CloudWhenATokenIsPresent) {
  auto c = ResolveProviderConfig({{"organization", "acme"}},
                                 FakeEnv({{"PULUMI_ACCESS_TOKEN", "pul-token-value"}}));
  ASSERT_OK(c);
  EXPECT_EQ(c->backend, ProviderConfig::Backend::kCloud);
  EXPECT_EQ(c->backend_url, "https://api.pulumi.com");
  EXPECT_EQ(c->access_token, "pul-token-value");
  EXPECT_EQ(c->Describe().find("pul-token"), std::string::npos);

  auto no_token = ResolveProviderConfig({{"backend", "cloud"}}, FakeEnv({}));
  auto keys = MissingKeysFromStatus(no_token.status());
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].name, "esc:accessToken");

  auto insecure = ResolveProviderConfig(
      {{"backendUrl", "http://esc.example.com/"}, {"accessToken", PropertyValue::MakeSecret("t")}},
      FakeEnv({}));
  EXPECT_THAT(insecure, StatusIs(absl::StatusCode::kInvalidArgument));
  auto loopback = ResolveProviderConfig(
      {{"backendUrl", "http://127.0.0.1:8080/"}, {"accessToken", PropertyValue::MakeSecret("t")}},
      FakeEnv({}));
  ASSERT_OK(loopback);
  EXPECT_EQ(loopback->backend_url, "http://127.0.0.1:8080");
  EXPECT_EQ(loopback->ca_file, "");

  // A private CA for a self-hosted server (the client's TLS tests use it).
  auto private_ca = ResolveProviderConfig(
      {{"backendUrl", "https://esc.internal"}, {"caFile", "/etc/esc/ca.pem"}},
      FakeEnv({{"PULUMI_ACCESS_TOKEN", "t"}}));
  ASSERT_OK(private_ca);
  EXPECT_EQ(private_ca->ca_file, "/etc/esc/ca.pem");
}

TEST(ArgsFromVariables, StripsNamespaceAndCoerces) {
  PropertyMap args =
      ArgsFromVariables({{"esc:config:backend", "local"}, {"esc:config:httpRetries", "2"}});
  EXPECT_EQ(args.at("backend"), PropertyValue("local"));
  EXPECT_EQ(args.at("httpRetries"), PropertyValue(2));
}

}  // namespace
}  // namespace escnative::resources
