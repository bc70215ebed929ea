// esc:index:Secret in process: Check's failures and normalisation, writes
// batched through the environment writer (conflicts retried, nothing written
// on failure), drift seen by Read, and Delete removing only its own value.
#include <thread>

#include "provider/resources/secret.h"
#include "tests/resources/resource_test_util.h"

namespace escnative::resources::testing {
namespace {

using ::escnative::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kPlain[] = "secret-unit-plaintext-91c3";
constexpr char kDev[] = "organization/default/dev";

class SecretTest : public ResourceTest {
 protected:
  SecretTest() {
    Use(NewSecretResource(&context_));
    ref_ = {"organization", "default", "dev"};
    EXPECT_OK(backend_->CreateEnvironment(ref_));
  }

  void SetDefinition(const std::string& yaml) {
    ASSERT_OK(backend_->UpdateDefinition(ref_, yaml, std::nullopt));
  }
  std::string Plaintext() {
    auto def = backend_->GetDefinition(ref_, "", /*decrypt=*/true);
    EXPECT_OK(def);
    return def.ok() ? def->yaml : "";
  }
  int64_t Revision() { return backend_->GetEnvironment(ref_)->latest_revision; }

  PropertyMap Inputs(const std::string& path, PropertyValue value, PropertyMap extra = {}) {
    PropertyMap m{{"environment", "dev"}, {"path", path}, {"value", std::move(value)}};
    for (auto& [k, v] : extra) m[k] = std::move(v);
    return Checked(m);
  }

  CreateResult MustCreate(const PropertyMap& in) {
    auto r = Create(in);
    EXPECT_OK(r);
    return r.ok() ? *std::move(r) : CreateResult{};
  }

  backend::EnvironmentRef ref_;
};

// --- Check ---------------------------------------------------------------

TEST_F(SecretTest, CheckNamesEachMissingProperty) {
  CheckResult r = Check({});
  EXPECT_TRUE(FailsOn(r, "environment"));
  EXPECT_TRUE(FailsOn(r, "path"));
  EXPECT_TRUE(FailsOn(r, "value"));
}

TEST_F(SecretTest, CheckNormalisesAndWrapsTheValue) {
  CheckResult r =
      Check({{"environment", "dev"}, {"path", "values.secrets.key"}, {"value", kPlain}});
  ASSERT_THAT(r.failures, IsEmpty());
  EXPECT_EQ(r.inputs.at("environment").AsString(), kDev);
  EXPECT_EQ(r.inputs.at("path").AsString(), "secrets.key");
  EXPECT_EQ(r.inputs.at("secret"), PropertyValue(true));
  EXPECT_TRUE(r.inputs.at("value").IsSecret());
  EXPECT_FALSE(InPlainText(r.inputs, kPlain));
}

TEST_F(SecretTest, CheckRefusesAVersionedEnvironment) {
  CheckResult r = Check({{"environment", "dev@3"}, {"path", "a"}, {"value", "x"}});
  EXPECT_THAT(ReasonFor(r, "environment"), HasSubstr("without a version"));
}

TEST_F(SecretTest, CheckRefusesBadPaths) {
  for (const char* bad : {"values", "[0].a", "a..b", "a\nb", "a\tb"}) {
    CheckResult r = Check({{"environment", "dev"}, {"path", bad}, {"value", "x"}});
    EXPECT_TRUE(FailsOn(r, "path")) << bad;
  }
  EXPECT_THAT(ReasonFor(Check({{"environment", "dev"}, {"path", "a\nb"}, {"value", "x"}}), "path"),
              HasSubstr("control character"));
}

TEST_F(SecretTest, CheckRefusesStructuredSecretsWithoutQuotingThem) {
  CheckResult r =
      Check({{"environment", "dev"}, {"path", "a"}, {"value", PropertyMap{{"k", kPlain}}}});
  EXPECT_THAT(ReasonFor(r, "value"), HasSubstr("secret: false"));
  for (const auto& f : r.failures) EXPECT_THAT(f.reason, Not(HasSubstr(kPlain)));
  EXPECT_FALSE(InPlainText(r.inputs, kPlain));
  // Plain structured data is fine.
  EXPECT_THAT(Check({{"environment", "dev"},
                     {"path", "a"},
                     {"value", PropertyMap{{"k", "v"}}},
                     {"secret", false}})
                  .failures,
              IsEmpty());
}

TEST_F(SecretTest, CheckWritesNothing) {
  Check({{"environment", "dev"}, {"path", "[0]"}, {"value", kPlain}});
  Check({{"environment", "dev"}, {"path", "a"}, {"value", kPlain}});
  EXPECT_EQ(backend_->Mutations(), 1);  // the fixture's CreateEnvironment
}

TEST_F(SecretTest, CreateRefusesWhatCheckRefusesAndWritesNothing) {
  auto r = Create({{"environment", "organization/default/dev"},
                   {"path", "a\nb"},
                   {"value", PropertyValue::MakeSecret(kPlain)},
                   {"secret", true}});
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("path"));
  EXPECT_THAT(std::string(r.status().message()), Not(HasSubstr(kPlain)));
  EXPECT_EQ(backend_->Mutations(), 1);
}

// --- Diff ----------------------------------------------------------------

TEST_F(SecretTest, DiffReplacesOnLocationAndUpdatesOnValue) {
  PropertyMap old = Inputs("a", kPlain);
  auto same = Diff("x", old, old, old);
  ASSERT_OK(same);
  EXPECT_EQ(same->changes, DiffResult::Changes::kNone);

  PropertyMap value = Inputs("a", "other-value");
  auto v = Diff("x", old, old, value);
  ASSERT_OK(v);
  EXPECT_EQ(v->changes, DiffResult::Changes::kSome);
  EXPECT_THAT(v->replaces, IsEmpty());
  for (const auto& [path, kind] : v->detailed_diff) {
    EXPECT_THAT(path, Not(HasSubstr(kPlain)));
    EXPECT_THAT(path, Not(HasSubstr("other-value")));
  }

  for (const char* key : {"environment", "path"}) {
    PropertyMap news = old;
    news[key] = std::string(key) == "path" ? "b" : "organization/default/prod";
    auto d = Diff("x", old, old, news);
    ASSERT_OK(d);
    EXPECT_THAT(d->replaces, ::testing::ElementsAre(key));
  }
  PropertyMap plain = Inputs("a", kPlain, {{"secret", false}});
  auto s = Diff("x", old, old, plain);
  ASSERT_OK(s);
  EXPECT_THAT(s->replaces, IsEmpty());
  EXPECT_EQ(s->detailed_diff.at("secret").kind, PropertyDiff::Kind::kUpdate);
}

// --- Create --------------------------------------------------------------

TEST_F(SecretTest, CreateStoresCiphertextOnly) {
  SetDefinition("values:\n  keep: 1\n");
  CreateResult r = MustCreate(Inputs("secrets.key", kPlain));
  EXPECT_EQ(r.id, absl::StrCat(kDev, "#secrets.key"));
  EXPECT_EQ(r.outputs.at("revision"), PropertyValue(static_cast<double>(Revision())));
  EXPECT_EQ(r.outputs.count("value"), 0u);  // the value is an input only
  EXPECT_THAT(*backend_->StoredYaml(ref_), Not(HasSubstr(kPlain)));
  EXPECT_THAT(Plaintext(), HasSubstr(kPlain));
  EXPECT_THAT(Plaintext(), HasSubstr("keep: 1"));
}

TEST_F(SecretTest, CreatePlainKeepsTheType) {
  MustCreate(Inputs("count", 42, {{"secret", false}}));
  EXPECT_THAT(Plaintext(), HasSubstr("count: 42"));
  EXPECT_THAT(Plaintext(), Not(HasSubstr("fn::secret")));
}

TEST_F(SecretTest, CreateOverAnExistingValueIsRefusedWithAnImportHint) {
  SetDefinition("values:\n  a: theirs\n");
  const int64_t before = Revision();
  auto r = Create(Inputs("a", kPlain));
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("pulumi import esc:index:Secret"));
  EXPECT_THAT(std::string(r.status().message()), Not(HasSubstr(kPlain)));
  EXPECT_EQ(Revision(), before);
  EXPECT_THAT(Plaintext(), HasSubstr("theirs"));
}

TEST_F(SecretTest, CreateUnderAScalarNamesThePathAndWritesNothing) {
  SetDefinition("values:\n  a: x\n");
  const int64_t before = Revision();
  auto r = Create(Inputs("a.b", kPlain));
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("values.a.b"));
  EXPECT_THAT(std::string(r.status().message()), Not(HasSubstr(kPlain)));
  EXPECT_EQ(Revision(), before);
}

TEST_F(SecretTest, CreateInAMissingEnvironmentSaysCreateItFirst) {
  auto r = Create(Checked({{"environment", "ghost"}, {"path", "a"}, {"value", kPlain}}));
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("create it first"));
  EXPECT_EQ(backend_->Mutations(), 1);
}

TEST_F(SecretTest, CreateInPreviewCallsNoBackend) {
  PropertyMap in = Inputs("a", kPlain);
  const size_t calls = backend_->Calls().size();
  auto r = Create(in, /*preview=*/true);
  ASSERT_OK(r);
  EXPECT_TRUE(r->outputs.at("revision").IsUnknown());
  EXPECT_EQ(backend_->Calls().size(), calls);
}

// Another writer between the writer's read and its write: the stale etag is
// retried on the new definition, keeping both.
TEST_F(SecretTest, CreateRetriesAConflictKeepingTheOtherWrite) {
  backend_->BeforeNext("UpdateDefinition", [&] {
    ASSERT_OK(backend_->UpdateDefinition(ref_, "values:\n  theirs: 1\n", std::nullopt));
  });
  MustCreate(Inputs("ours", kPlain));
  EXPECT_THAT(Plaintext(), HasSubstr("theirs: 1"));
  EXPECT_THAT(Plaintext(), HasSubstr(kPlain));
}

TEST_F(SecretTest, CreateGivesUpOnEndlessConflictsWithoutWriting) {
  backend_->FailNext("UpdateDefinition", absl::AbortedError("stale etag"), 100);
  const int64_t before = Revision();
  auto r = Create(Inputs("a", kPlain));
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr(absl::StrCat(kDev, "#a")));
  EXPECT_EQ(Revision(), before);
}

// The engine creates many Secrets at once: every write lands, each in the
// revision Create reports, and an outside writer's key survives.
TEST_F(SecretTest, ConcurrentCreatesAllLandInTheirRevisions) {
  constexpr int kThreads = 8;
  std::vector<PropertyMap> inputs;
  for (int i = 0; i < kThreads; ++i) {
    inputs.push_back(Inputs(absl::StrCat("k", i), absl::StrCat("value-", i)));
  }
  backend_->BeforeNext("UpdateDefinition", [&] {
    ASSERT_OK(backend_->UpdateDefinition(ref_, "values:\n  outside: 1\n", std::nullopt));
  });
  std::vector<absl::StatusOr<CreateResult>> results(kThreads, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] { results[i] = Create(inputs[i]); });
  }
  for (auto& t : threads) t.join();
  const std::string latest = Plaintext();
  EXPECT_THAT(latest, HasSubstr("outside: 1"));
  for (int i = 0; i < kThreads; ++i) {
    ASSERT_OK(results[i]) << i;
    EXPECT_THAT(latest, HasSubstr(absl::StrCat("value-", i)));
    const int64_t revision = static_cast<int64_t>(results[i]->outputs.at("revision").AsNumber());
    auto at = backend_->GetDefinition(ref_, absl::StrCat(revision), /*decrypt=*/true);
    ASSERT_OK(at);
    EXPECT_THAT(at->yaml, HasSubstr(absl::StrCat("value-", i))) << "revision " << revision;
  }
}

// --- Read ----------------------------------------------------------------

TEST_F(SecretTest, ReadReturnsTheValueAsASecret) {
  PropertyMap in = Inputs("secrets.key", kPlain);
  CreateResult c = MustCreate(in);
  auto r = Read(c.id, c.outputs, in);
  ASSERT_OK(r);
  EXPECT_EQ(r->id, c.id);
  EXPECT_EQ(*r->inputs, in);
  EXPECT_FALSE(InPlainText(*r->outputs, kPlain));
  EXPECT_FALSE(InPlainText(*r->inputs, kPlain));
  EXPECT_EQ(r->outputs->at("revision"), c.outputs.at("revision"));
}

TEST_F(SecretTest, ReadSeesDrift) {
  PropertyMap in = Inputs("a", kPlain);
  CreateResult c = MustCreate(in);
  SetDefinition("values:\n  a: edited-by-hand\n");
  auto r = Read(c.id, c.outputs, in);
  ASSERT_OK(r);
  EXPECT_EQ(r->inputs->at("value"), PropertyValue::MakeSecret("edited-by-hand"));
  EXPECT_EQ(r->inputs->at("secret"), PropertyValue(false));
}

TEST_F(SecretTest, ReadOfASecretNumberIsNotDrift) {
  PropertyMap in = Inputs("n", 42);
  CreateResult c = MustCreate(in);
  auto r = Read(c.id, c.outputs, in);
  ASSERT_OK(r);
  EXPECT_EQ(r->inputs->at("value"), in.at("value"));
}

TEST_F(SecretTest, ReadOfARemovedValueOrEnvironmentIsGone) {
  PropertyMap in = Inputs("a", kPlain);
  CreateResult c = MustCreate(in);
  SetDefinition("values:\n  other: 1\n");
  EXPECT_EQ(Read(c.id, c.outputs, in)->id, "");
  ASSERT_OK(backend_->DeleteEnvironment(ref_));
  EXPECT_EQ(Read(c.id, c.outputs, in)->id, "");
}

TEST_F(SecretTest, ReadRefusesAMalformedId) {
  auto r = Read("organization/default/dev", std::nullopt, std::nullopt);
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("#<path>"));
}

TEST_F(SecretTest, ImportAdoptsTheLiveValue) {
  SetDefinition("values:\n  a:\n    fn::secret: imported-value\n");
  auto r = Read(absl::StrCat(kDev, "#a"), std::nullopt, std::nullopt);
  ASSERT_OK(r);
  EXPECT_EQ(r->inputs->at("value"), PropertyValue::MakeSecret("imported-value"));
  EXPECT_EQ(r->inputs->at("secret"), PropertyValue(true));
  EXPECT_EQ(Checked(*r->inputs), *r->inputs);
}

// --- Update --------------------------------------------------------------

TEST_F(SecretTest, UpdateWritesTheNewValue) {
  PropertyMap old = Inputs("a", kPlain);
  CreateResult c = MustCreate(old);
  PropertyMap news = Inputs("a", "second-value");
  auto u = Update(c.id, c.outputs, old, news);
  ASSERT_OK(u);
  EXPECT_EQ(u->outputs.at("revision"), PropertyValue(static_cast<double>(Revision())));
  EXPECT_THAT(Plaintext(), HasSubstr("second-value"));
  EXPECT_THAT(Plaintext(), Not(HasSubstr(kPlain)));
}

TEST_F(SecretTest, UpdateAfterTheEnvironmentWasDeletedSaysCreateItFirst) {
  PropertyMap old = Inputs("a", kPlain);
  CreateResult c = MustCreate(old);
  ASSERT_OK(backend_->DeleteEnvironment(ref_));
  auto u = Update(c.id, c.outputs, old, Inputs("a", "second-value"));
  EXPECT_THAT(u, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(std::string(u.status().message()), HasSubstr("create it first"));
}

// --- Delete --------------------------------------------------------------

TEST_F(SecretTest, DeleteRemovesOnlyItsOwnValue) {
  SetDefinition("values:\n  keep: 1\n  secrets:\n    other: 2\n");
  PropertyMap in = Inputs("secrets.key", kPlain);
  CreateResult c = MustCreate(in);
  ASSERT_OK(Delete(c.id, c.outputs, in));
  std::string after = Plaintext();
  EXPECT_THAT(after, Not(HasSubstr(kPlain)));
  EXPECT_THAT(after, HasSubstr("keep: 1"));
  EXPECT_THAT(after, HasSubstr("other: 2"));
  EXPECT_THAT(logger_.Warnings(), IsEmpty());
}

TEST_F(SecretTest, DeleteLeavesAValueSomeoneElseRewrote) {
  PropertyMap in = Inputs("a", kPlain);
  CreateResult c = MustCreate(in);
  SetDefinition("values:\n  a:\n    fn::secret: rewritten-by-hand\n");
  ASSERT_OK(Delete(c.id, c.outputs, in));
  EXPECT_THAT(Plaintext(), HasSubstr("rewritten-by-hand"));
  EXPECT_THAT(logger_.Warnings(), HasSubstr("no longer holds the value"));
  EXPECT_THAT(logger_.Warnings(), HasSubstr("organization/default/dev at a"));
  EXPECT_THAT(logger_.Warnings(), Not(HasSubstr("rewritten-by-hand")));
  EXPECT_THAT(logger_.Warnings(), Not(HasSubstr(kPlain)));
}

// Rewritten between Delete's comparison and its write: compared again, and
// left in place.
TEST_F(SecretTest, DeleteLeavesAValueRewrittenDuringTheDelete) {
  PropertyMap in = Inputs("a", kPlain);
  CreateResult c = MustCreate(in);
  // Delete reads the definition twice (as stored, then decrypted) before the
  // writer's own read; the third read finds it changed.
  backend_->BeforeNext("GetDefinition", [] {});
  backend_->BeforeNext("GetDefinition", [] {});
  backend_->BeforeNext("GetDefinition", [&] {
    ASSERT_OK(
        backend_->UpdateDefinition(ref_, "values:\n  a:\n    fn::secret: racing\n", std::nullopt));
  });
  ASSERT_OK(Delete(c.id, c.outputs, in));
  EXPECT_THAT(Plaintext(), HasSubstr("racing"));
  EXPECT_THAT(logger_.Warnings(), HasSubstr("no longer holds the value"));
}

TEST_F(SecretTest, DeleteWithoutOldInputsLeavesTheValue) {
  PropertyMap in = Inputs("a", kPlain);
  CreateResult c = MustCreate(in);
  ASSERT_OK(Delete(c.id, c.outputs, {}));
  EXPECT_THAT(Plaintext(), HasSubstr(kPlain));
  EXPECT_THAT(logger_.Warnings(), HasSubstr("no previous value"));
}

TEST_F(SecretTest, DeleteOfSomethingAlreadyGoneSucceeds) {
  PropertyMap in = Inputs("a", kPlain);
  CreateResult c = MustCreate(in);
  SetDefinition("values:\n  other: 1\n");
  const int writes = backend_->Mutations();
  EXPECT_OK(Delete(c.id, c.outputs, in));
  EXPECT_EQ(backend_->Mutations(), writes);
  ASSERT_OK(backend_->DeleteEnvironment(ref_));
  EXPECT_OK(Delete(c.id, c.outputs, in));
  EXPECT_OK(Delete("no-hash-here", c.outputs, in));
}

TEST_F(SecretTest, DeleteReportsBackendErrors) {
  PropertyMap in = Inputs("a", kPlain);
  CreateResult c = MustCreate(in);
  backend_->FailNext("GetDefinition", absl::UnavailableError("down"));
  absl::Status s = Delete(c.id, c.outputs, in);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(std::string(s.message()), HasSubstr(c.id));
  EXPECT_THAT(Plaintext(), HasSubstr(kPlain));
}

}  // namespace
}  // namespace escnative::resources::testing
