// The fake keeps the Backend contract: the same expectations run against
// FakeBackend and LocalBackend, so a resource test that passes on the fake
// relies on nothing the real backend does differently.
#include "tests/resources/fake_backend.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "provider/backend/local_backend.h"
#include "provider/crypto/keyring.h"
#include "provider/esc/json_encoding.h"
#include "provider/esc/value.h"
#include "tests/store/store_test_util.h"
#include "tests/util/status_matchers.h"

namespace escnative::resources::testing {
namespace {

using ::escnative::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

enum class Kind { kFake, kLocal };

class BackendContractTest : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    if (GetParam() == Kind::kFake) {
      backend_ = std::make_unique<FakeBackend>(&clock_, "org", "default");
      return;
    }
    backend::LocalBackendOptions o;
    o.path = dir_.File("store.db");
    o.credential = crypto::Credential::Passphrase(crypto::SecretBytes::CopyFrom("pw"));
    o.organization = "org";
    o.project = "default";
    o.clock = &clock_;
    o.kdf_params = crypto::KdfParams::FastForTesting();
    auto opened = backend::LocalBackend::Open(std::move(o));
    ASSERT_OK(opened);
    backend_ = *std::move(opened);
  }

  backend::EnvironmentRef Env(const std::string& name) {
    auto parsed = backend_->ParseRef(name);
    EXPECT_OK(parsed);
    return parsed.ok() ? parsed->first : backend::EnvironmentRef{};
  }

  store::testing::FakeClock clock_;
  store::testing::TempDir dir_;
  std::unique_ptr<backend::Backend> backend_;
};

INSTANTIATE_TEST_SUITE_P(Backends, BackendContractTest,
                         ::testing::Values(Kind::kFake, Kind::kLocal),
                         [](const ::testing::TestParamInfo<Kind>& param) {
                           return param.param == Kind::kFake ? "Fake" : "Local";
                         });

TEST_P(BackendContractTest, ParsesReferencesWithTheDefaults) {
  auto p = backend_->ParseRef("proj/dev@3");
  ASSERT_OK(p);
  EXPECT_EQ(p->first.ToString(), "org/proj/dev");
  EXPECT_EQ(p->second, "3");
  EXPECT_THAT(backend_->ParseRef("a/b/c/d"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_P(BackendContractTest, EnvironmentsStartAtAnEmptyRevisionOne) {
  auto created = backend_->CreateEnvironment(Env("dev"));
  ASSERT_OK(created);
  EXPECT_EQ(created->latest_revision, 1);
  EXPECT_FALSE(created->etag.empty());
  auto def = backend_->GetDefinition(Env("dev"), "", false);
  ASSERT_OK(def);
  EXPECT_EQ(def->yaml, "");
  EXPECT_EQ(def->etag, created->etag);
  EXPECT_THAT(backend_->CreateEnvironment(Env("dev")), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(backend_->GetEnvironment(Env("nope")), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(backend_->GetDefinition(Env("nope"), "", false),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(BackendContractTest, AStaleEtagIsAbortedAndWritesNothing) {
  auto created = backend_->CreateEnvironment(Env("dev"));
  ASSERT_OK(created);
  auto first = backend_->UpdateDefinition(Env("dev"), "values:\n  a: 1\n", created->etag);
  ASSERT_OK(first);
  EXPECT_EQ(first->revision, 2);
  EXPECT_NE(first->etag, created->etag);
  EXPECT_THAT(backend_->UpdateDefinition(Env("dev"), "values:\n  a: 2\n", created->etag),
              StatusIs(absl::StatusCode::kAborted));
  auto info = backend_->GetEnvironment(Env("dev"));
  EXPECT_EQ(info->latest_revision, 2);
  EXPECT_EQ(info->etag, first->etag);
  // Without an etag the write is unconditional.
  EXPECT_OK(backend_->UpdateDefinition(Env("dev"), "values:\n  a: 3\n", std::nullopt));
  EXPECT_THAT(backend_->UpdateDefinition(Env("nope"), "values: {}\n", std::nullopt),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(BackendContractTest, SecretsAreStoredEncryptedAndDecryptedOnRequest) {
  ASSERT_OK(backend_->CreateEnvironment(Env("dev")));
  ASSERT_OK(backend_->UpdateDefinition(
      Env("dev"), "values:\n  k:\n    fn::secret: contract-plaintext-7f\n", std::nullopt));
  auto stored = backend_->GetDefinition(Env("dev"), "", false);
  ASSERT_OK(stored);
  EXPECT_THAT(stored->yaml, Not(HasSubstr("contract-plaintext-7f")));
  EXPECT_THAT(stored->yaml, HasSubstr("ciphertext"));
  auto plain = backend_->GetDefinition(Env("dev"), "", true);
  ASSERT_OK(plain);
  EXPECT_THAT(plain->yaml, HasSubstr("contract-plaintext-7f"));
  EXPECT_EQ(plain->revision, stored->revision);
  // Ciphertext is bound to its environment.
  ASSERT_OK(backend_->CreateEnvironment(Env("other")));
  EXPECT_THAT(backend_->UpdateDefinition(Env("other"), stored->yaml, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_P(BackendContractTest, RefusesDefinitionsWithSyntaxErrors) {
  ASSERT_OK(backend_->CreateEnvironment(Env("dev")));
  absl::Status s =
      backend_->UpdateDefinition(Env("dev"), "values:\n  a: ${\n", std::nullopt).status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_FALSE(backend::DiagnosticsFromStatus(s).empty());
  EXPECT_EQ(backend_->GetEnvironment(Env("dev"))->latest_revision, 1);
}

TEST_P(BackendContractTest, OpensWithImportsVersionsAndSecrets) {
  ASSERT_OK(backend_->CreateEnvironment(Env("base")));
  ASSERT_OK(backend_->UpdateDefinition(
      Env("base"), "values:\n  from_base: 1\n  k:\n    fn::secret: base-secret\n", std::nullopt));
  ASSERT_OK(backend_->CreateRevisionTag(Env("base"), "stable", std::nullopt));
  ASSERT_OK(backend_->UpdateDefinition(Env("base"), "values:\n  from_base: 2\n", std::nullopt));
  ASSERT_OK(backend_->CreateEnvironment(Env("dev")));
  ASSERT_OK(backend_->UpdateDefinition(
      Env("dev"), "imports:\n  - base@stable\nvalues:\n  own: ${from_base}\n", std::nullopt));
  auto opened = backend_->OpenEnvironment(Env("dev"), "");
  ASSERT_OK(opened);
  const std::string text = esc::ToJsonText(*opened->root, esc::Redaction::kReveal);
  EXPECT_EQ(text, "{\"from_base\":1,\"k\":\"base-secret\",\"own\":1}");
  EXPECT_THAT(text, HasSubstr("base-secret"));
  EXPECT_TRUE(esc::ContainsSecret(*opened->root));
  // An import deleted since is an error at open.
  ASSERT_OK(backend_->DeleteRevisionTag(Env("base"), "stable"));
  EXPECT_THAT(backend_->OpenEnvironment(Env("dev"), ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(backend_->OpenEnvironment(Env("nope"), ""), StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(BackendContractTest, DeletionProtectionIsAFailedPrecondition) {
  ASSERT_OK(backend_->CreateEnvironment(Env("dev")));
  ASSERT_OK(backend_->SetDeletionProtected(Env("dev"), true));
  absl::Status s = backend_->DeleteEnvironment(Env("dev"));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(s.message()), HasSubstr("protected"));
  ASSERT_OK(backend_->SetDeletionProtected(Env("dev"), false));
  EXPECT_OK(backend_->DeleteEnvironment(Env("dev")));
  EXPECT_THAT(backend_->DeleteEnvironment(Env("dev")), StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(BackendContractTest, RevisionTags) {
  ASSERT_OK(backend_->CreateEnvironment(Env("dev")));
  ASSERT_OK(backend_->UpdateDefinition(Env("dev"), "values:\n  a: 1\n", std::nullopt));
  auto tag = backend_->CreateRevisionTag(Env("dev"), "stable", std::nullopt);
  ASSERT_OK(tag);
  EXPECT_EQ(tag->revision, 2);
  EXPECT_THAT(backend_->CreateRevisionTag(Env("dev"), "stable", 1),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(backend_->CreateRevisionTag(Env("dev"), "latest", 1),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(backend_->CreateRevisionTag(Env("dev"), "future", 9),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(backend_->GetRevisionTag(Env("dev"), "latest")->revision, 2);
  ASSERT_OK(backend_->UpdateRevisionTag(Env("dev"), "stable", 1));
  EXPECT_EQ(backend_->GetDefinition(Env("dev"), "stable", false)->revision, 1);
  EXPECT_THAT(backend_->UpdateRevisionTag(Env("dev"), "stable", 9),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(backend_->UpdateRevisionTag(Env("dev"), "missing", 1),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(backend_->DeleteRevisionTag(Env("dev"), "stable"));
  EXPECT_THAT(backend_->DeleteRevisionTag(Env("dev"), "stable"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(backend_->GetRevisionTag(Env("dev"), "stable"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(BackendContractTest, EnvironmentTags) {
  ASSERT_OK(backend_->CreateEnvironment(Env("dev")));
  ASSERT_OK(backend_->SetEnvironmentTags(Env("dev"), {{"team", "a"}, {"tier", "1"}}));
  ASSERT_OK(backend_->SetEnvironmentTags(Env("dev"), {{"team", "b"}}));
  auto tags = backend_->ListEnvironmentTags(Env("dev"));
  ASSERT_OK(tags);
  ASSERT_EQ(tags->size(), 1u);
  EXPECT_EQ((*tags)[0].name, "team");
  EXPECT_EQ((*tags)[0].value, "b");
  ASSERT_OK(backend_->SetEnvironmentTag(Env("dev"), "owner", "me"));
  EXPECT_EQ(backend_->ListEnvironmentTags(Env("dev"))->size(), 2u);
  ASSERT_OK(backend_->DeleteEnvironmentTag(Env("dev"), "owner"));
  EXPECT_THAT(backend_->DeleteEnvironmentTag(Env("dev"), "owner"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(BackendContractTest, TokensExpireByTheClockAndRevokeIdempotently) {
  backend::AccessTokenSpec spec;
  spec.scopes = {{"org/default/dev", store::Permission::kRead}};
  EXPECT_THAT(backend_->CreateAccessToken(spec).status(), ::escnative::testing::IsOk());
  spec.expires_at = clock_.Now();
  EXPECT_THAT(backend_->CreateAccessToken(spec), StatusIs(absl::StatusCode::kInvalidArgument));
  spec.expires_at = clock_.Now() + absl::Seconds(1);
  auto created = backend_->CreateAccessToken(spec);
  ASSERT_OK(created);
  EXPECT_EQ(created->token.id.size(), 32u);
  EXPECT_FALSE(created->value.Reveal().empty());
  EXPECT_EQ(backend_->ListAccessTokens(false)->size(), 2u);
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(backend_->ListAccessTokens(false)->size(), 1u);  // expired at expires_at
  EXPECT_EQ(backend_->ListAccessTokens(true)->size(), 2u);
  ASSERT_OK(backend_->RevokeAccessToken(created->token.id));
  EXPECT_OK(backend_->RevokeAccessToken(created->token.id));
  auto got = backend_->GetAccessToken(created->token.id);
  ASSERT_OK(got);
  EXPECT_TRUE(got->revoked_at.has_value());
  EXPECT_THAT(backend_->RevokeAccessToken("ffffffffffffffffffffffffffffffff"),
              StatusIs(absl::StatusCode::kNotFound));
  spec.scopes.clear();
  spec.expires_at.reset();
  EXPECT_THAT(backend_->CreateAccessToken(spec), StatusIs(absl::StatusCode::kInvalidArgument));
}

// The fake's own hooks.
TEST(FakeBackendHooks, FailNextFailsOnceAndChangesNothing) {
  store::testing::FakeClock clock;
  FakeBackend b(&clock);
  b.FailNext("CreateEnvironment", absl::UnavailableError("injected"));
  EXPECT_THAT(b.CreateEnvironment({"organization", "default", "dev"}),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(b.Mutations(), 0);
  EXPECT_OK(b.CreateEnvironment({"organization", "default", "dev"}));
  EXPECT_EQ(b.Mutations(), 1);
  EXPECT_EQ(b.Calls(), (std::vector<std::string>{"CreateEnvironment", "CreateEnvironment"}));
}

TEST(FakeBackendHooks, BeforeNextRunsOnceAtTheStartOfTheCall) {
  store::testing::FakeClock clock;
  FakeBackend b(&clock);
  const backend::EnvironmentRef ref{"organization", "default", "dev"};
  auto created = b.CreateEnvironment(ref);
  ASSERT_OK(created);
  // Another writer between our read (the etag) and our write.
  b.BeforeNext("UpdateDefinition",
               [&] { ASSERT_OK(b.UpdateDefinition(ref, "values:\n  theirs: 1\n", std::nullopt)); });
  EXPECT_THAT(b.UpdateDefinition(ref, "values:\n  ours: 1\n", created->etag),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(*b.StoredYaml(ref), HasSubstr("theirs"));
  EXPECT_OK(b.UpdateDefinition(ref, "values:\n  ours: 1\n", b.GetEnvironment(ref)->etag));
}

}  // namespace
}  // namespace escnative::resources::testing
