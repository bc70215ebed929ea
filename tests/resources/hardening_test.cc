// Resource-level regressions from the adversarial pass: secrets kept wrapped
// on every Check path, Secret Delete removing only its own value, Create and
// Update re-validating inputs, and malformed ids and paths refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "provider/backend/local_backend.h"
#include "provider/crypto/keyring.h"
#include "provider/resources/provider_context.h"
#include "provider/resources/registry.h"
#include "tests/util/status_matchers.h"

namespace escnative::resources {
namespace {

using ::escnative::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPlain[] = "hardening-plaintext-MARKER-5a1c";

class RecordingLogger final : public Logger {
 public:
  void Log(LogSeverity severity, absl::string_view message, absl::string_view) override {
    std::lock_guard<std::mutex> lock(mu_);
    lines_.push_back({severity, std::string(message)});
  }
  std::vector<std::pair<LogSeverity, std::string>> lines() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<LogSeverity, std::string>> lines_;
};

std::string Urn(const std::string& type, const std::string& name) {
  return absl::StrCat("urn:pulumi:dev::hardening::", type, "::", name);
}

class HardeningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/hardening-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::system(("rm -rf '" + dir_ + "' && mkdir -p '" + dir_ + "'").c_str());
    ProviderConfig config;
    config.organization = "organization";
    config.local_path = dir_ + "/store.db";
    backend::LocalBackendOptions o;
    o.path = config.local_path;
    o.credential = crypto::Credential::Passphrase(crypto::SecretBytes::CopyFrom("pw"));
    o.organization = "organization";
    o.project = "default";
    o.actor = "test";
    o.kdf_params = crypto::KdfParams::FastForTesting();
    auto b = backend::LocalBackend::Open(std::move(o));
    ASSERT_OK(b);
    backend_ = b->get();
    context_.Configure(config, *std::move(b));
    registry_ = Registry::NewDefault(&context_);
  }

  CustomResource& Resource(const std::string& token) { return **registry_->FindResource(token); }

  CheckResult Check(const std::string& token, const PropertyMap& news) {
    CheckRequest req;
    req.urn = Urn(token, "r");
    req.name = "r";
    req.type = token;
    req.news = news;
    auto r = Resource(token).Check(Ctx(), req);
    EXPECT_OK(r);
    return r.ok() ? *r : CheckResult{};
  }

  absl::StatusOr<CreateResult> Create(const std::string& token, const PropertyMap& props) {
    return Resource(token).Create(Ctx(), CreateRequest{Urn(token, "r"), props, 0, false});
  }

  CallContext Ctx() { return {&logger_, nullptr}; }

  std::string Definition(const std::string& name) {
    auto def = backend_->GetDefinition({"organization", "default", name}, "", true);
    EXPECT_OK(def);
    return def.ok() ? def->yaml : "";
  }

  std::string dir_;
  RecordingLogger logger_;
  ProviderContext context_;
  backend::Backend* backend_ = nullptr;
  std::unique_ptr<Registry> registry_;
};

constexpr char kEnv[] = "esc:index:Environment";
constexpr char kSecret[] = "esc:index:Secret";
constexpr char kToken[] = "esc:index:AccessToken";

bool FailsOn(const CheckResult& r, const std::string& property) {
  for (const auto& f : r.failures) {
    if (f.property == property) return true;
  }
  return false;
}

// Item 1: a yaml input with a plaintext fn::secret stays a secret on every
// failure path of Check.
TEST_F(HardeningTest, YamlThatDoesNotParseComesBackSecret) {
  const std::string secret_line = absl::StrCat("    fn::secret: ", kPlain, "\n");
  const std::vector<std::string> broken = {
      absl::StrCat("values:\n  key:\n", secret_line, "\tbad: tab\n"),               // a tab
      absl::StrCat("values:\n  key:\n", secret_line, "  other: \"unterminated\n"),  // a quote
      absl::StrCat("values:\n  key:\n", secret_line, "  key: dup\n"),               // duplicate key
  };
  for (const std::string& yaml : broken) {
    CheckResult r = Check(kEnv, {{"name", "dev"}, {"yaml", yaml}});
    EXPECT_TRUE(FailsOn(r, "yaml")) << yaml;
    ASSERT_TRUE(r.inputs.count("yaml"));
    EXPECT_TRUE(r.inputs.at("yaml").IsSecret()) << yaml;
    for (const auto& f : r.failures) EXPECT_THAT(f.reason, Not(HasSubstr(kPlain)));
  }
}

TEST_F(HardeningTest, ParseErrorsNextToASecretDoNotQuoteIt) {
  const std::string p = kPlain;
  const std::vector<std::string> broken = {
      "values:\n  key:\n    fn::secret: \"" + p + "\n",
      "values:\n  key:\n    fn::secret: '" + p + "\n",
      "values:\n  key:\n    fn::secret: " + p + ": x\n",
      "values:\n  key:\n    fn::secret: [" + p + "\n",
      "values:\n  key:\n    fn::secret: {" + p + "\n",
      "values:\n  key:\n    fn::secret: " + p + "\n\t" + p + "\n",
      "values:\n  key:\n    fn::secret: !!binary " + p + "\n",
      "values:\n  key:\n    fn::secret: &a " + p + "\n  k: *b\n",
      "values:\n  key:\n    fn::secret:\n      - " + p + "\n     - x\n",
  };
  for (const std::string& yaml : broken) {
    CheckResult r = Check(kEnv, {{"name", "dev"}, {"yaml", yaml}});
    EXPECT_TRUE(r.inputs.at("yaml").IsSecret()) << yaml;
    for (const auto& f : r.failures) {
      EXPECT_THAT(f.reason, Not(HasSubstr("MARKER"))) << yaml;
      EXPECT_THAT(f.property, Not(HasSubstr("MARKER"))) << yaml;
    }
  }
}

TEST_F(HardeningTest, YamlIsSecretOnEarlyFailurePaths) {
  const std::string yaml = absl::StrCat("values:\n  key:\n    fn::secret: ", kPlain, "\n");
  // A schema failure (unknown property) and the yaml + values conflict both
  // return before the yaml is looked at.
  CheckResult unknown = Check(kEnv, {{"name", "dev"}, {"yaml", yaml}, {"nmae", "x"}});
  EXPECT_FALSE(unknown.failures.empty());
  EXPECT_TRUE(unknown.inputs.at("yaml").IsSecret());
  CheckResult both = Check(kEnv, {{"name", "dev"}, {"yaml", yaml}, {"values", PropertyMap{}}});
  EXPECT_TRUE(FailsOn(both, "yaml"));
  EXPECT_TRUE(both.inputs.at("yaml").IsSecret());
  // A non-string yaml (a type error) may hold one too.
  CheckResult typed = Check(kEnv, {{"name", "dev"}, {"yaml", PropertyMap{{"fn::secret", kPlain}}}});
  EXPECT_TRUE(FailsOn(typed, "yaml"));
  EXPECT_TRUE(typed.inputs.at("yaml").IsSecret());
  // Clean yaml stays plain.
  CheckResult clean = Check(kEnv, {{"name", "dev"}, {"yaml", "values:\n  a: 1\n"}});
  EXPECT_TRUE(clean.failures.empty());
  EXPECT_FALSE(clean.inputs.at("yaml").IsSecret());
}

TEST_F(HardeningTest, FnSecretObjectsInValuesComeBackSecret) {
  CheckResult r = Check(
      kEnv, {{"name", "dev"},
             {"values", PropertyMap{{"k", PropertyMap{{"fn::secret", kPlain}}}, {"plain", "x"}}}});
  const PropertyMap& values = r.inputs.at("values").AsObject();
  EXPECT_TRUE(values.at("k").IsSecret());
  EXPECT_FALSE(values.at("plain").IsSecret());
}

// Item 3: Create re-runs Check, so an AccessToken with wrong types is refused.
TEST_F(HardeningTest, CreateRefusesInputsCheckWouldRefuse) {
  auto kind = Create(kToken, {{"kind", 42.0}});
  EXPECT_THAT(kind, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(kind.status().message()), HasSubstr("kind: expected one of"));

  PropertyArray scopes{
      PropertyMap{{"environment", "organization/default/dev"}, {"permission", "read"}}};
  auto number = Create(kToken, {{"kind", "environment"}, {"scopes", scopes}, {"expiresIn", 42.0}});
  EXPECT_THAT(number, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(number.status().message()), HasSubstr("expiresIn: expected a string"));

  auto huge =
      Create(kToken, {{"kind", "environment"}, {"scopes", scopes}, {"expiresIn", "100000000000d"}});
  EXPECT_THAT(huge, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(huge.status().message()), HasSubstr("10 years"));

  auto ok = Create(kToken, {{"kind", "environment"}, {"scopes", scopes}, {"expiresIn", "30d"}});
  ASSERT_OK(ok);
  EXPECT_TRUE(ok->outputs.at("value").IsSecret());
  EXPECT_EQ(ok->outputs.at("expiresAt").AsString().substr(0, 2), "20");

  // Update too.
  UpdateRequest u;
  u.id = ok->id;
  u.urn = Urn(kToken, "r");
  u.olds = ok->outputs;
  u.news = {{"kind", "environment"},
            {"scopes", scopes},
            {"expiresIn", "30d"},
            {"rotateBefore", "87661h"}};
  EXPECT_THAT(Resource(kToken).Update(Ctx(), u), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(HardeningTest, DurationsAreBoundedInCheck) {
  PropertyArray scopes{PropertyMap{{"environment", "dev"}, {"permission", "read"}}};
  CheckResult r = Check(kToken, {{"kind", "environment"},
                                 {"scopes", scopes},
                                 {"expiresIn", "100000000000d"},
                                 {"rotateBefore", "100000h"}});
  EXPECT_TRUE(FailsOn(r, "expiresIn"));
  EXPECT_TRUE(FailsOn(r, "rotateBefore"));
}

// Item 5.
TEST_F(HardeningTest, AccessTokenReadWithAMalformedIdIsInvalidArgument) {
  ReadRequest req;
  req.id = "not a token\n";
  auto r = Resource(kToken).Read(Ctx(), req);
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("32 lower-case hex digits"));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("not a token\\n"));
  // A well-formed id that does not exist is still "gone".
  req.id = std::string(32, 'a');
  auto gone = Resource(kToken).Read(Ctx(), req);
  ASSERT_OK(gone);
  EXPECT_EQ(gone->id, "");
}

TEST_F(HardeningTest, SecretPathsWithControlCharactersAreRefused) {
  ASSERT_OK(backend_->CreateEnvironment({"organization", "default", "svc"}));
  for (const std::string& path : {std::string("a\nb"), std::string("a\0b", 3),
                                  std::string("a[\"\x1b[31m\"]"), std::string("a\x7f")}) {
    PropertyMap in{{"environment", "svc"}, {"path", path}, {"value", "v"}};
    CheckResult r = Check(kSecret, in);
    ASSERT_TRUE(FailsOn(r, "path")) << path;
    for (const auto& f : r.failures) {
      for (char c : f.reason) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << "echoed raw";
    }
    in["environment"] = "organization/default/svc";
    EXPECT_THAT(Create(kSecret, in), StatusIs(absl::StatusCode::kInvalidArgument));
  }
  auto info = backend_->GetEnvironment({"organization", "default", "svc"});
  ASSERT_OK(info);
  EXPECT_EQ(info->latest_revision, 1) << "nothing written";
}

// Item 2: Secret Delete removes only the value it wrote.
TEST_F(HardeningTest, SecretDeleteLeavesAValueItDoesNotOwn) {
  const backend::EnvironmentRef ref{"organization", "default", "svc"};
  ASSERT_OK(backend_->CreateEnvironment(ref));
  PropertyMap in =
      Check(kSecret, {{"environment", "svc"}, {"path", "secrets.key"}, {"value", kPlain}}).inputs;
  auto created = Create(kSecret, in);
  ASSERT_OK(created);

  // Someone replaces it with a plain value (an Environment resource, or by hand).
  auto def = backend_->GetDefinition(ref, "", false);
  ASSERT_OK(def);
  ASSERT_OK(backend_->UpdateDefinition(ref, "values:\n  secrets:\n    key: theirs\n", def->etag));
  DeleteRequest del{created->id, Urn(kSecret, "r"), created->outputs, in, 0};
  ASSERT_OK(Resource(kSecret).Delete(Ctx(), del));
  EXPECT_THAT(Definition("svc"), HasSubstr("theirs"));
  bool warned = false;
  for (const auto& [severity, line] : logger_.lines()) {
    EXPECT_THAT(line, Not(HasSubstr(kPlain)));
    EXPECT_THAT(line, Not(HasSubstr("theirs")));
    if (severity == LogSeverity::kWarning && line.find("secrets.key") != std::string::npos) {
      warned = true;
    }
  }
  EXPECT_TRUE(warned) << "the warning names the path";

  // Without the old value (nothing proves ownership) it stays too.
  DeleteRequest blind{created->id, Urn(kSecret, "r"), created->outputs, {}, 0};
  ASSERT_OK(Resource(kSecret).Delete(Ctx(), blind));
  EXPECT_THAT(Definition("svc"), HasSubstr("theirs"));

  // Its own value (secret and plain forms) is removed; other keys stay.
  def = backend_->GetDefinition(ref, "", false);
  ASSERT_OK(def);
  ASSERT_OK(backend_->UpdateDefinition(ref, "values:\n  other: 1\n", def->etag));
  for (bool secret : {true, false}) {
    PropertyMap mine = in;
    mine["secret"] = secret;
    mine["path"] = "secrets.mine";
    auto c = Create(kSecret, mine);
    ASSERT_OK(c);
    ASSERT_OK(Resource(kSecret).Delete(Ctx(), {c->id, Urn(kSecret, "r"), c->outputs, mine, 0}));
    EXPECT_THAT(Definition("svc"), Not(HasSubstr("mine")));
    EXPECT_THAT(Definition("svc"), HasSubstr("other"));
  }
}

}  // namespace
}  // namespace escnative::resources
