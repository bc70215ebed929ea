#include "provider/backend/local_backend.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "provider/esc/json_encoding.h"
#include "tests/store/store_test_util.h"
#include "tests/util/status_matchers.h"

namespace escnative::backend {
namespace {

using ::escnative::store::testing::FakeClock;
using ::escnative::store::testing::ReadFileBytes;
using ::escnative::store::testing::TempDir;
using ::escnative::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kApiKey[] = "sk-test-PLAINTEXT-9f8e7d6c5b4a";
constexpr char kOtherKey[] = "ghp-OTHER-PLAINTEXT-0a1b2c3d";

std::string BaseYaml() {
  return std::string("values:\n  secrets:\n    openai_api_key:\n      fn::secret: ") + kApiKey +
         "\n  environmentVariables:\n    OPENAI_API_KEY: ${secrets.openai_api_key}\n"
         "  region: us-east-1\n";
}

class LocalBackendTest : public ::testing::Test {
 protected:
  void SetUp() override { backend_ = OpenBackend(std::nullopt); }

  std::unique_ptr<LocalBackend> OpenBackend(std::optional<std::string> token) {
    LocalBackendOptions o;
    o.path = dir_.File("store.db");
    o.credential = crypto::Credential::Passphrase(crypto::SecretBytes::CopyFrom("correct horse"));
    o.organization = "myorg";
    o.actor = "alice";
    o.clock = &clock_;
    o.kdf_params = crypto::KdfParams::FastForTesting();
    if (token.has_value()) o.caller_token = crypto::SecretBytes::CopyFrom(*token);
    auto b = LocalBackend::Open(std::move(o));
    EXPECT_OK(b);
    return b.ok() ? *std::move(b) : nullptr;
  }

  EnvironmentRef Ref(const std::string& name, const std::string& project = "default") {
    return EnvironmentRef{"myorg", project, name};
  }

  // Creates `name` with `yaml`; returns the revision.
  int64_t Make(const std::string& name, const std::string& yaml,
               const std::string& project = "default") {
    EXPECT_OK(backend_->CreateEnvironment(Ref(name, project)));
    auto res = backend_->UpdateDefinition(Ref(name, project), yaml, std::nullopt);
    EXPECT_OK(res);
    return res.ok() ? res->revision : 0;
  }

  std::string OpenJson(const EnvironmentRef& ref, absl::string_view version = "") {
    auto opened = backend_->OpenEnvironment(ref, version);
    EXPECT_OK(opened);
    if (!opened.ok()) return "";
    return esc::ToJsonText(*opened->root, esc::Redaction::kReveal);
  }

  std::string CreateToken(const std::string& scope, store::Permission p,
                          std::optional<absl::Time> expires = std::nullopt) {
    store::AccessTokenSpec spec;
    spec.scopes.push_back({scope, p});
    spec.expires_at = expires;
    auto created = backend_->CreateAccessToken(spec);
    EXPECT_OK(created);
    return created.ok() ? std::string(created->value.Reveal()) : "";
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<LocalBackend> backend_;
};

TEST(ParseEnvironmentRefTest, OneTwoThreePartsAndVersions) {
  auto r = ParseEnvironmentRef("dev", "myorg", "default");
  ASSERT_OK(r);
  EXPECT_EQ(r->ref.ToString(), "myorg/default/dev");
  EXPECT_EQ(r->version, "");
  r = ParseEnvironmentRef("app/dev@3", "myorg", "default");
  ASSERT_OK(r);
  EXPECT_EQ(r->ref.ToString(), "myorg/app/dev");
  EXPECT_EQ(r->version, "3");
  r = ParseEnvironmentRef("other/app/dev:stable", "myorg", "default");
  ASSERT_OK(r);
  EXPECT_EQ(r->ref.ToString(), "other/app/dev");
  EXPECT_EQ(r->version, "stable");
  r = ParseEnvironmentRef("dev", "myorg", "proj");
  ASSERT_OK(r);
  EXPECT_EQ(r->ref.project, "proj");
}

TEST(ParseEnvironmentRefTest, ErrorsNameTheReferenceAndWhatWasExpected) {
  EXPECT_THAT(ParseEnvironmentRef("", "o", "p"), StatusIs(absl::StatusCode::kInvalidArgument));
  auto r = ParseEnvironmentRef("a/b/c/d", "myorg", "default");
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("\"a/b/c/d\""));
  r = ParseEnvironmentRef("proj/bad name", "myorg", "default");
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("invalid environment name \"bad name\""));
  r = ParseEnvironmentRef("dev@", "myorg", "default");
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("empty version"));
  r = ParseEnvironmentRef("dev@0", "myorg", "default");
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("revision number"));
  r = ParseEnvironmentRef("dev@x/y", "myorg", "default");
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  r = ParseEnvironmentRef("p/yaml", "myorg", "default");
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("\"yaml\""));
  r = ParseEnvironmentRef("-bad/p/e", "myorg", "default");
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("invalid organization name"));
}

TEST_F(LocalBackendTest, InvalidDefinitionIsRefusedAndNothingWritten) {
  ASSERT_OK(backend_->CreateEnvironment(Ref("dev")));
  auto res = backend_->UpdateDefinition(
      Ref("dev"), "values:\n  a: ${nope}\n  s:\n    fn::secret: " + std::string(kApiKey) + "\n",
      std::nullopt);
  ASSERT_THAT(res, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(res.status().message()), Not(HasSubstr(kApiKey)));
  esc::Diagnostics diags = DiagnosticsFromStatus(res.status());
  ASSERT_FALSE(diags.empty());
  EXPECT_THAT(diags[0].summary, HasSubstr("nope"));
  EXPECT_EQ(diags[0].range.begin.line, 2);
  auto info = backend_->GetEnvironment(Ref("dev"));
  ASSERT_OK(info);
  EXPECT_EQ(info->latest_revision, 1);

  // A missing import is an error too.
  res = backend_->UpdateDefinition(Ref("dev"), "imports:\n  - missing\n", std::nullopt);
  ASSERT_THAT(res, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(DiagnosticsFromStatus(res.status())[0].summary, HasSubstr("not found"));
  EXPECT_EQ(backend_->GetEnvironment(Ref("dev"))->latest_revision, 1);
}

TEST_F(LocalBackendTest, WarningsAreReturnedAndTheWriteHappens) {
  Make("base", "values:\n  pinned:\n    fn::final: fixed\n");
  ASSERT_OK(backend_->CreateEnvironment(Ref("dev")));
  auto res = backend_->UpdateDefinition(
      Ref("dev"), "imports:\n  - base\nvalues:\n  pinned: other\n", std::nullopt);
  ASSERT_OK(res);
  EXPECT_EQ(res->revision, 2);
  ASSERT_EQ(res->warnings.size(), 1u);
  EXPECT_EQ(res->warnings[0].severity, esc::Severity::kWarning);
  EXPECT_THAT(res->warnings[0].summary, HasSubstr("final"));
}

TEST_F(LocalBackendTest, StaleEtagIsAborted) {
  auto info = backend_->CreateEnvironment(Ref("dev"));
  ASSERT_OK(info);
  ASSERT_OK(backend_->UpdateDefinition(Ref("dev"), "values:\n  a: 1\n", info->etag));
  auto res = backend_->UpdateDefinition(Ref("dev"), "values:\n  a: 2\n", info->etag);
  EXPECT_THAT(res, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(backend_->GetEnvironment(Ref("dev"))->latest_revision, 2);
}

TEST_F(LocalBackendTest, SecretsAreCiphertextInTheStoreAndDecryptedOnRequest) {
  Make("base", BaseYaml());
  auto raw = backend_->store().ReadDefinition(Ref("base"), "");
  ASSERT_OK(raw);
  EXPECT_THAT(raw->yaml, Not(HasSubstr(kApiKey)));
  EXPECT_THAT(raw->yaml, HasSubstr("ciphertext"));
  auto def = backend_->GetDefinition(Ref("base"), "", /*decrypt=*/false);
  ASSERT_OK(def);
  EXPECT_THAT(def->yaml, Not(HasSubstr(kApiKey)));
  def = backend_->GetDefinition(Ref("base"), "", /*decrypt=*/true);
  ASSERT_OK(def);
  EXPECT_THAT(def->yaml, HasSubstr(kApiKey));

  // Nothing in the file (or its WAL) holds the plaintext.
  backend_.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::string bytes = ReadFileBytes(dir_.File(std::string("store.db") + suffix));
    EXPECT_EQ(bytes.find(kApiKey), std::string::npos) << suffix;
  }
}

TEST_F(LocalBackendTest, CiphertextIsBoundToItsEnvironment) {
  Make("base", BaseYaml());
  auto raw = backend_->store().ReadDefinition(Ref("base"), "");
  ASSERT_OK(raw);
  // Copy the stored definition, ciphertext and all, into another environment
  // behind the backend's back (the store accepts any well-formed envelope).
  ASSERT_OK(backend_->store().CreateEnvironment(Ref("thief"), "mallory"));
  store::UpdateOptions uo;
  uo.actor = "mallory";
  ASSERT_OK(backend_->store().UpdateDefinition(Ref("thief"), raw->yaml, uo));
  auto opened = backend_->OpenEnvironment(Ref("thief"), "");
  ASSERT_THAT(opened, StatusIs(absl::StatusCode::kInvalidArgument));
  esc::Diagnostics diags = DiagnosticsFromStatus(opened.status());
  ASSERT_FALSE(diags.empty());
  EXPECT_THAT(diags[0].summary, HasSubstr("decrypt"));
  EXPECT_THAT(std::string(opened.status().message()), Not(HasSubstr(kApiKey)));
  EXPECT_THAT(backend_->GetDefinition(Ref("thief"), "", true), Not(::escnative::testing::IsOk()));
  // Through the backend, the copy is refused at write time, at its path.
  ASSERT_OK(backend_->CreateEnvironment(Ref("copy")));
  auto res = backend_->UpdateDefinition(Ref("copy"), raw->yaml, std::nullopt);
  ASSERT_THAT(res, StatusIs(absl::StatusCode::kInvalidArgument));
  diags = DiagnosticsFromStatus(res.status());
  ASSERT_FALSE(diags.empty());
  EXPECT_THAT(diags[0].summary, HasSubstr("decrypt"));
  EXPECT_THAT(diags[0].path, HasSubstr("openai_api_key"));
  EXPECT_EQ(backend_->GetEnvironment(Ref("copy"))->latest_revision, 1);
  // The original still opens.
  EXPECT_THAT(OpenJson(Ref("base")), HasSubstr(kApiKey));
}

TEST_F(LocalBackendTest, OpenHierarchyInheritsSecretsFlaggedSecret) {
  Make("base", BaseYaml());
  Make("dev", "imports:\n  - base\nvalues:\n  region: eu-west-1\n");
  Make("child", "imports:\n  - dev\nvalues:\n  level: child\n");
  auto opened = backend_->OpenEnvironment(Ref("child"), "");
  ASSERT_OK(opened);
  const esc::Value& root = *opened->root;
  const esc::Value& key = *root.object.at("secrets")->object.at("openai_api_key");
  EXPECT_TRUE(key.secret);
  EXPECT_EQ(key.text, kApiKey);
  const esc::Value& var = *root.object.at("environmentVariables")->object.at("OPENAI_API_KEY");
  EXPECT_TRUE(var.secret);
  EXPECT_EQ(var.text, kApiKey);
  EXPECT_EQ(root.object.at("region")->text, "eu-west-1");
  EXPECT_EQ(root.object.at("level")->text, "child");
  // Check mode shows the inherited secret as a secret without its value.
  auto checked = backend_->CheckEnvironment(Ref("child"), "", false);
  ASSERT_OK(checked);
  std::string redacted = esc::ToJsonText(*checked->root, esc::Redaction::kRedact);
  EXPECT_THAT(redacted, HasSubstr("[secret]"));
  EXPECT_THAT(esc::ToJsonText(*checked->root, esc::Redaction::kReveal), Not(HasSubstr(kApiKey)));
}

TEST_F(LocalBackendTest, ImportsAcrossProjectsWithVersionsAndTags) {
  Make("base", "values:\n  v: one\n", "shared");  // revision 2
  ASSERT_OK(backend_->UpdateDefinition(Ref("base", "shared"), "values:\n  v: two\n", std::nullopt));
  ASSERT_OK(backend_->CreateRevisionTag(Ref("base", "shared"), "stable", 2));
  Make("a", "imports:\n  - shared/base@stable\n", "app");
  Make("b", "imports:\n  - shared/base:2\n", "app");
  Make("c", "imports:\n  - shared/base\n", "app");
  Make("d", "imports:\n  - c\n", "app");  // same project
  EXPECT_THAT(OpenJson(Ref("a", "app")), HasSubstr("\"one\""));
  EXPECT_THAT(OpenJson(Ref("b", "app")), HasSubstr("\"one\""));
  EXPECT_THAT(OpenJson(Ref("c", "app")), HasSubstr("\"two\""));
  EXPECT_THAT(OpenJson(Ref("d", "app")), HasSubstr("\"two\""));
  // Other organizations are out of reach.
  ASSERT_OK(backend_->CreateEnvironment(Ref("e", "app")));
  auto res = backend_->UpdateDefinition(Ref("e", "app"), "imports:\n  - other/shared/base\n",
                                        std::nullopt);
  EXPECT_THAT(res, StatusIs(absl::StatusCode::kInvalidArgument));
  res = backend_->UpdateDefinition(Ref("e", "app"), "imports:\n  - shared/base@nosuchtag\n",
                                   std::nullopt);
  EXPECT_THAT(res, StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(LocalBackendTest, RollbackSavesTheOldDefinitionAndIsValidated) {
  Make("base", "values:\n  v: one\n");
  Make("dev", "imports:\n  - base\n");                                                       // 2
  ASSERT_OK(backend_->UpdateDefinition(Ref("dev"), "values:\n  v: local\n", std::nullopt));  // 3
  auto res = backend_->Rollback(Ref("dev"), "2");
  ASSERT_OK(res);
  EXPECT_EQ(res->revision, 4);
  EXPECT_THAT(OpenJson(Ref("dev")), HasSubstr("\"one\""));
  // Once base is gone, rolling back to a revision that imports it fails.
  ASSERT_OK(backend_->UpdateDefinition(Ref("dev"), "values:\n  v: local\n", std::nullopt));  // 5
  ASSERT_OK(backend_->DeleteEnvironment(Ref("base")));
  res = backend_->Rollback(Ref("dev"), "2");
  EXPECT_THAT(res, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(backend_->GetEnvironment(Ref("dev"))->latest_revision, 5);
}

TEST_F(LocalBackendTest, RevisionAndEnvironmentTags) {
  Make("dev", "values:\n  v: 1\n");
  ASSERT_OK(backend_->CreateRevisionTag(Ref("dev"), "stable", std::nullopt));
  EXPECT_EQ(backend_->GetRevisionTag(Ref("dev"), "stable")->revision, 2);
  EXPECT_THAT(backend_->CreateRevisionTag(Ref("dev"), "stable", 1),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK(backend_->UpdateRevisionTag(Ref("dev"), "stable", 1));
  EXPECT_EQ(backend_->GetRevisionTag(Ref("dev"), "stable")->revision, 1);
  ASSERT_OK(backend_->DeleteRevisionTag(Ref("dev"), "stable"));
  EXPECT_THAT(backend_->GetRevisionTag(Ref("dev"), "stable"),
              StatusIs(absl::StatusCode::kNotFound));

  ASSERT_OK(backend_->SetEnvironmentTags(Ref("dev"), {{"team", "esc"}, {"tier", "dev"}}));
  ASSERT_OK(backend_->SetEnvironmentTags(Ref("dev"), {{"team", "platform"}, {"owner", "bob"}}));
  auto tags = backend_->ListEnvironmentTags(Ref("dev"));
  ASSERT_OK(tags);
  std::map<std::string, std::string> got;
  for (const auto& t : *tags) got[t.name] = t.value;
  EXPECT_EQ(got, (std::map<std::string, std::string>{{"owner", "bob"}, {"team", "platform"}}));
}

TEST_F(LocalBackendTest, DeletionProtection) {
  Make("prod", "values:\n  v: 1\n");
  ASSERT_OK(backend_->SetDeletionProtected(Ref("prod"), true));
  auto st = backend_->DeleteEnvironment(Ref("prod"));
  EXPECT_THAT(st, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(st.message()), HasSubstr("protected"));
  ASSERT_OK(backend_->SetDeletionProtected(Ref("prod"), false));
  EXPECT_OK(backend_->DeleteEnvironment(Ref("prod")));
  EXPECT_THAT(backend_->GetEnvironment(Ref("prod")), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(LocalBackendTest, TokenScopesAreEnforcedPerPermission) {
  Make("base", BaseYaml());
  Make("dev", "imports:\n  - base\n");
  Make("prod", "values:\n  v: 1\n");
  const auto kDenied = absl::StatusCode::kPermissionDenied;

  auto reader = OpenBackend(CreateToken("myorg/default/dev", store::Permission::kRead));
  ASSERT_NE(reader, nullptr);
  EXPECT_OK(reader->GetDefinition(Ref("dev"), "", false));
  EXPECT_OK(reader->CheckEnvironment(Ref("dev"), "", false));  // imports on dev's behalf
  EXPECT_THAT(reader->GetDefinition(Ref("dev"), "", true), StatusIs(kDenied));
  EXPECT_THAT(reader->CheckEnvironment(Ref("dev"), "", true), StatusIs(kDenied));
  EXPECT_THAT(reader->OpenEnvironment(Ref("dev"), ""), StatusIs(kDenied));
  EXPECT_THAT(reader->UpdateDefinition(Ref("dev"), "values: {}\n", std::nullopt),
              StatusIs(kDenied));
  EXPECT_THAT(reader->GetDefinition(Ref("prod"), "", false), StatusIs(kDenied));
  auto listed = reader->ListEnvironments("myorg", "");
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].ref.name, "dev");

  auto opener = OpenBackend(CreateToken("myorg/default/dev", store::Permission::kOpen));
  auto opened = opener->OpenEnvironment(Ref("dev"), "");
  ASSERT_OK(opened);
  EXPECT_TRUE(opened->root->object.at("secrets")->object.at("openai_api_key")->secret);
  EXPECT_THAT(opener->UpdateDefinition(Ref("dev"), "values: {}\n", std::nullopt),
              StatusIs(kDenied));

  auto writer = OpenBackend(CreateToken("myorg/default/dev", store::Permission::kWrite));
  EXPECT_OK(writer->UpdateDefinition(Ref("dev"), "values:\n  x: 1\n", std::nullopt));
  // Writing an import of an environment the token cannot open is refused.
  auto res = writer->UpdateDefinition(Ref("dev"), "imports:\n  - prod\n", std::nullopt);
  EXPECT_THAT(res, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(DiagnosticsFromStatus(res.status())[0].summary, HasSubstr("does not grant"));
  EXPECT_THAT(writer->DeleteEnvironment(Ref("dev")), StatusIs(kDenied));
  EXPECT_THAT(writer->SetDeletionProtected(Ref("dev"), true), StatusIs(kDenied));
  EXPECT_OK(writer->SetEnvironmentTags(Ref("dev"), {{"team", "a"}}));
  EXPECT_OK(writer->CreateRevisionTag(Ref("dev"), "w", std::nullopt));
  EXPECT_THAT(writer->CreateEnvironment(Ref("new")), StatusIs(kDenied));
  EXPECT_THAT(writer->ListAccessTokens(false), StatusIs(kDenied));
  EXPECT_THAT(writer->ListAuditEvents({}), StatusIs(kDenied));
  EXPECT_THAT(writer->Rekey(crypto::Credential::Passphrase(crypto::SecretBytes::CopyFrom("x"))),
              StatusIs(kDenied));

  auto admin = OpenBackend(CreateToken("myorg/default/*", store::Permission::kAdmin));
  EXPECT_OK(admin->SetDeletionProtected(Ref("dev"), false));
  EXPECT_OK(admin->CreateRevisionTag(Ref("dev"), "t", std::nullopt));
  EXPECT_OK(admin->DeleteEnvironment(Ref("prod")));
  // A token cannot mint a token wider than itself.
  store::AccessTokenSpec wider;
  wider.scopes.push_back({"myorg/*/*", store::Permission::kRead});
  EXPECT_THAT(admin->CreateAccessToken(wider), StatusIs(kDenied));

  // Audit entries name the token, not the local user.
  auto events = backend_->ListAuditEvents({});
  ASSERT_OK(events);
  bool token_actor = false;
  for (const auto& e : *events) token_actor |= absl::StartsWith(e.actor, "token:");
  EXPECT_TRUE(token_actor);
}

TEST_F(LocalBackendTest, ExpiredAndRevokedTokensStopWorking) {
  Make("dev", "values:\n  v: 1\n");
  std::string value =
      CreateToken("myorg/default/dev", store::Permission::kRead, clock_.Now() + absl::Hours(1));
  auto reader = OpenBackend(value);
  ASSERT_NE(reader, nullptr);
  EXPECT_OK(reader->GetEnvironment(Ref("dev")));
  clock_.Advance(absl::Hours(2));
  EXPECT_THAT(reader->GetEnvironment(Ref("dev")), StatusIs(absl::StatusCode::kUnauthenticated));
  LocalBackendOptions o;
  o.path = dir_.File("store.db");
  o.credential = crypto::Credential::Passphrase(crypto::SecretBytes::CopyFrom("correct horse"));
  o.organization = "myorg";
  o.clock = &clock_;
  o.caller_token = crypto::SecretBytes::CopyFrom(value);
  EXPECT_THAT(LocalBackend::Open(std::move(o)), StatusIs(absl::StatusCode::kUnauthenticated));

  std::string second = CreateToken("myorg/default/dev", store::Permission::kRead);
  auto r2 = OpenBackend(second);
  EXPECT_OK(r2->GetEnvironment(Ref("dev")));
  auto tokens = backend_->ListAccessTokens(false);
  ASSERT_OK(tokens);
  ASSERT_EQ(tokens->size(), 1u);
  ASSERT_OK(backend_->RevokeAccessToken((*tokens)[0].id));
  EXPECT_THAT(r2->GetEnvironment(Ref("dev")), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(LocalBackendTest, OnlyEnvironmentTokensLocally) {
  store::AccessTokenSpec spec;
  spec.kind = "team";
  auto res = backend_->CreateAccessToken(spec);
  EXPECT_THAT(res, StatusIs(absl::StatusCode::kUnimplemented));
  EXPECT_THAT(std::string(res.status().message()), HasSubstr("local backend"));
}

TEST_F(LocalBackendTest, AuditRecordsMutationsAndOpensWithoutValues) {
  Make("base", BaseYaml());
  Make("dev", "imports:\n  - base\n");
  ASSERT_OK(backend_->OpenEnvironment(Ref("dev"), ""));
  ASSERT_OK(backend_->GetDefinition(Ref("base"), "", true));
  ASSERT_OK(backend_->SetDeletionProtected(Ref("dev"), true));
  auto events = backend_->ListAuditEvents({});
  ASSERT_OK(events);
  std::map<std::string, int> actions;
  for (const auto& e : *events) {
    ++actions[e.action + " " + e.target];
    EXPECT_EQ(e.actor == "alice" || e.actor == "system", true) << e.actor;
    for (const std::string* field : {&e.actor, &e.action, &e.target, &e.path}) {
      EXPECT_EQ(field->find(kApiKey), std::string::npos);
      EXPECT_EQ(field->find("ciphertext"), std::string::npos);
    }
  }
  EXPECT_EQ(actions["environment.create myorg/default/base"], 1);
  EXPECT_EQ(actions["environment.update myorg/default/base"], 1);
  EXPECT_EQ(actions["environment.open myorg/default/dev"], 1);
  EXPECT_EQ(actions["environment.decrypt myorg/default/base"], 1);
  EXPECT_GE(events->size(), 7u);
}

TEST_F(LocalBackendTest, UnknownProviderIsADiagnostic) {
  ASSERT_OK(backend_->CreateEnvironment(Ref("dev")));
  // Check mode does not call providers, so the write succeeds...
  auto res = backend_->UpdateDefinition(
      Ref("dev"), "values:\n  creds:\n    fn::open::aws-login:\n      oidc: {}\n", std::nullopt);
  if (res.ok()) {
    // ...and opening names the provider.
    auto opened = backend_->OpenEnvironment(Ref("dev"), "");
    ASSERT_THAT(opened, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(DiagnosticsFromStatus(opened.status())[0].summary, HasSubstr("aws-login"));
  } else {
    EXPECT_THAT(DiagnosticsFromStatus(res.status())[0].summary, HasSubstr("aws-login"));
  }
}

TEST_F(LocalBackendTest, RekeyKeepsSecretsReadable) {
  Make("base", BaseYaml());
  ASSERT_OK(backend_->Rekey(crypto::Credential::Passphrase(crypto::SecretBytes::CopyFrom("mid"))));
  // A second rekey in the same process starts from the new passphrase.
  ASSERT_OK(
      backend_->Rekey(crypto::Credential::Passphrase(crypto::SecretBytes::CopyFrom("new pass"))));
  backend_.reset();
  LocalBackendOptions o;
  o.path = dir_.File("store.db");
  o.credential = crypto::Credential::Passphrase(crypto::SecretBytes::CopyFrom("correct horse"));
  o.organization = "myorg";
  EXPECT_THAT(LocalBackend::Open(std::move(o)), StatusIs(absl::StatusCode::kUnauthenticated));
  LocalBackendOptions n;
  n.path = dir_.File("store.db");
  n.credential = crypto::Credential::Passphrase(crypto::SecretBytes::CopyFrom("new pass"));
  n.organization = "myorg";
  auto b = LocalBackend::Open(std::move(n));
  ASSERT_OK(b);
  backend_ = *std::move(b);
  EXPECT_THAT(OpenJson(Ref("base")), HasSubstr(kApiKey));
}

TEST_F(LocalBackendTest, OpensSeeNewRevisionsThroughTheParseCache) {
  Make("base", "values:\n  v: one\n");
  Make("dev", "imports:\n  - base\nvalues:\n  w: ${v}\n");
  EXPECT_THAT(OpenJson(Ref("dev")), HasSubstr("\"w\":\"one\""));
  ASSERT_OK(backend_->UpdateDefinition(Ref("base"), "values:\n  v: two\n", std::nullopt));
  EXPECT_THAT(OpenJson(Ref("dev")), HasSubstr("\"w\":\"two\""));
  EXPECT_THAT(OpenJson(Ref("dev"), "2"), HasSubstr("\"w\":\"two\""));
  // Deleted and re-created under the same name: a new revision 2, new content.
  ASSERT_OK(backend_->DeleteEnvironment(Ref("base")));
  Make("base", "values:\n  v: three\n");
  EXPECT_THAT(OpenJson(Ref("dev")), HasSubstr("\"w\":\"three\""));
}

TEST_F(LocalBackendTest, ConcurrentOpensAndUpdatesShareOneBackend) {
  Make("base", BaseYaml());
  Make("dev", "imports:\n  - base\n");
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        if (t % 2 == 0) {
          auto opened = backend_->OpenEnvironment(Ref("dev"), "");
          if (!opened.ok() || opened->root->object.count("secrets") == 0) ++failures;
        } else {
          auto res = backend_->UpdateDefinition(
              Ref("base"), BaseYaml() + "  n: " + std::to_string(t * 100 + i) + "\n", std::nullopt);
          if (!res.ok()) ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(backend_->GetEnvironment(Ref("base"))->latest_revision, 2 + 4 * 20);
}

TEST_F(LocalBackendTest, AsTokenSharesTheStoreWithTheTokensScopesAndActor) {
  Make("dev", "values:\n  v: 1\n");
  std::string value = CreateToken("myorg/default/dev", store::Permission::kRead);
  auto view = backend_->AsToken(value);
  ASSERT_OK(view);
  EXPECT_FALSE((*view)->CallerId().empty());
  EXPECT_EQ(backend_->CallerId(), "");
  EXPECT_OK((*view)->GetDefinition(Ref("dev"), "", false));
  EXPECT_THAT((*view)->OpenEnvironment(Ref("dev"), ""),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(backend_->AsToken("esc_not-a-token"), StatusIs(absl::StatusCode::kUnauthenticated));
  // The read is audited under the token's id, never its value.
  auto events = backend_->ListAuditEvents({});
  ASSERT_OK(events);
  bool read = false;
  for (const auto& e : *events) {
    EXPECT_EQ(e.actor.find(value), std::string::npos);
    read |= e.action == "environment.read" && e.actor == "token:" + (*view)->CallerId();
  }
  EXPECT_TRUE(read);
}

TEST_F(LocalBackendTest, EveryReadByATokenIsAudited) {
  Make("dev", "values:\n  v: 1\n");
  std::string value = CreateToken("myorg/default/*", store::Permission::kAdmin);
  auto view = backend_->AsToken(value);
  ASSERT_OK(view);
  auto count = [&] {
    AuditQuery q;
    q.actor = "token:" + (*view)->CallerId();
    q.limit = 1000;
    auto events = backend_->ListAuditEvents(q);
    return events.ok() ? events->size() : size_t{0};
  };
  size_t n = count();
  ASSERT_OK((*view)->GetEnvironment(Ref("dev")));
  EXPECT_EQ(count(), ++n);
  ASSERT_OK((*view)->ListEnvironments("myorg", ""));
  EXPECT_EQ(count(), ++n);
  ASSERT_OK((*view)->ListRevisions(Ref("dev")));
  EXPECT_EQ(count(), ++n);
  ASSERT_OK((*view)->ListRevisionTags(Ref("dev")));
  EXPECT_EQ(count(), ++n);
  ASSERT_OK((*view)->GetRevisionTag(Ref("dev"), "latest"));
  EXPECT_EQ(count(), ++n);
  ASSERT_OK((*view)->ListEnvironmentTags(Ref("dev")));
  EXPECT_EQ(count(), ++n);
  // The passphrase holder's reads are not (the file is theirs anyway).
  size_t before = backend_->ListAuditEvents({})->size();
  ASSERT_OK(backend_->GetEnvironment(Ref("dev")));
  ASSERT_OK(backend_->ListRevisions(Ref("dev")));
  EXPECT_EQ(backend_->ListAuditEvents({})->size(), before);
}

TEST_F(LocalBackendTest, SecretAssociatedDataNamesTheEnvironment) {
  EXPECT_EQ(LocalBackend::SecretAssociatedData(Ref("dev")), "esc-secret:v1:myorg/default/dev");
  (void)kOtherKey;
}

}  // namespace
}  // namespace escnative::backend
