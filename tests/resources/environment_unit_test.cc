// esc:index:Environment in process: Check's failures (and secret literals
// kept wrapped), Diff's kinds, an atomic Create, drift seen by Read, the
// etag conflict on Update, and Delete's protection.
#include <algorithm>

#include "provider/resources/environment.h"
#include "tests/resources/resource_test_util.h"

namespace escnative::resources::testing {
namespace {

using ::escnative::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kPlain[] = "environment-unit-plaintext-d40e";
constexpr char kId[] = "organization/default/dev";

class EnvironmentTest : public ResourceTest {
 protected:
  EnvironmentTest() { Use(NewEnvironmentResource(&context_)); }

  const backend::EnvironmentRef ref_{"organization", "default", "dev"};

  CreateResult MustCreate(const PropertyMap& in) {
    auto r = Create(in);
    EXPECT_OK(r);
    return r.ok() ? *std::move(r) : CreateResult{};
  }
  std::string Plaintext() {
    auto def = backend_->GetDefinition(ref_, "", /*decrypt=*/true);
    EXPECT_OK(def);
    return def.ok() ? def->yaml : "";
  }
  int64_t Revision() { return backend_->GetEnvironment(ref_)->latest_revision; }
  bool Exists() { return backend_->GetEnvironment(ref_).ok(); }
  int Count(const std::string& method) {
    auto calls = backend_->Calls();
    return static_cast<int>(std::count(calls.begin(), calls.end(), method));
  }
};

// --- Check ---------------------------------------------------------------

TEST_F(EnvironmentTest, CheckNeedsAName) { EXPECT_TRUE(FailsOn(Check({}), "name")); }

TEST_F(EnvironmentTest, CheckFillsTheProviderDefaults) {
  PropertyMap in = Checked({{"name", "dev"}});
  EXPECT_EQ(in.at("organization").AsString(), "organization");
  EXPECT_EQ(in.at("project").AsString(), "default");
}

TEST_F(EnvironmentTest, CheckNamesTheInvalidNamePart) {
  for (const char* key : {"organization", "project", "name"}) {
    for (const char* bad : {"a b", "..", "x/y", ""}) {
      PropertyMap in{{"name", "dev"}};
      in[key] = bad;
      CheckResult r = Check(in);
      EXPECT_THAT(ReasonFor(r, key), HasSubstr("letters, digits")) << key << "=" << bad;
    }
  }
  EXPECT_THAT(ReasonFor(Check({{"name", "yaml"}}), "name"), HasSubstr("not \".\", \"..\", \"yaml\" or \"open\""));
  EXPECT_THAT(ReasonFor(Check({{"name", "open"}}), "name"), HasSubstr("not \".\", \"..\", \"yaml\" or \"open\""));
}

TEST_F(EnvironmentTest, CheckRefusesYamlWithValues) {
  CheckResult r = Check({{"name", "dev"}, {"yaml", "values: {}\n"}, {"values", PropertyMap{}}});
  EXPECT_THAT(ReasonFor(r, "yaml"), HasSubstr("use one form"));
}

TEST_F(EnvironmentTest, CheckReportsSyntaxErrorsWithTheirLine) {
  CheckResult r = Check({{"name", "dev"}, {"yaml", "values:\n  a: ${\n"}});
  EXPECT_THAT(ReasonFor(r, "yaml"), HasSubstr("line 2"));
}

// Evaluation errors come from the backend's check (no providers called).
TEST_F(EnvironmentTest, CheckReportsTheBackendsEvaluationErrors) {
  esc::Diagnostic d;
  d.summary = "unknown property \"nope\"";
  d.path = "values.a";
  backend_->FailNext("CheckDefinition", backend::InvalidDefinitionError("checking", {d}));
  CheckResult r = Check({{"name", "dev"}, {"yaml", "values:\n  a: ${nope}\n"}});
  EXPECT_THAT(ReasonFor(r, "yaml"), HasSubstr("values.a: unknown property \"nope\""));
  EXPECT_EQ(backend_->Mutations(), 0);
}

// An import created in the same deployment does not exist yet: evaluation
// waits for the write.
TEST_F(EnvironmentTest, CheckSkipsEvaluationWhileAnImportIsMissing) {
  CheckResult r = Check({{"name", "dev"}, {"yaml", "imports:\n  - base\nvalues:\n  a: 1\n"}});
  EXPECT_THAT(r.failures, IsEmpty());
  EXPECT_EQ(Count("CheckDefinition"), 0);
  ASSERT_OK(backend_->CreateEnvironment({"organization", "default", "base"}));
  Check({{"name", "dev"}, {"yaml", "imports:\n  - base\nvalues:\n  a: 1\n"}});
  EXPECT_EQ(Count("CheckDefinition"), 1);
}

// Likewise an imported version (a tag or revision made later in the same
// deployment), and imports resolve in this environment's organization.
TEST_F(EnvironmentTest, CheckSkipsEvaluationWhileAnImportedVersionIsMissing) {
  const backend::EnvironmentRef base{"organization", "default", "base"};
  ASSERT_OK(backend_->CreateEnvironment(base));
  for (const char* import : {"base@stable", "base@5", "default/base@stable"}) {
    Check({{"name", "dev"}, {"yaml", absl::StrCat("imports:\n  - ", import, "\n")}});
    EXPECT_EQ(Count("CheckDefinition"), 0) << import;
  }
  ASSERT_OK(backend_->CreateRevisionTag(base, "stable", std::nullopt));
  Check({{"name", "dev"}, {"yaml", "imports:\n  - base@stable\n  - base@1\n"}});
  EXPECT_EQ(Count("CheckDefinition"), 1);
}

TEST_F(EnvironmentTest, CheckResolvesImportsInTheEnvironmentsOrganization) {
  ASSERT_OK(backend_->CreateEnvironment({"organization", "proj", "base"}));
  const PropertyMap in{
      {"organization", "other"}, {"name", "dev"}, {"yaml", "imports:\n  - proj/base\n"}};
  Check(in);
  EXPECT_EQ(Count("CheckDefinition"), 0);  // other/proj/base does not exist yet
  ASSERT_OK(backend_->CreateEnvironment({"other", "proj", "base"}));
  Check(in);
  EXPECT_EQ(Count("CheckDefinition"), 1);
}

TEST_F(EnvironmentTest, CheckWrapsYamlWithAPlaintextSecret) {
  CheckResult r = Check(
      {{"name", "dev"}, {"yaml", absl::StrCat("values:\n  k:\n    fn::secret: ", kPlain, "\n")}});
  EXPECT_THAT(r.failures, IsEmpty());
  EXPECT_TRUE(r.inputs.at("yaml").IsSecret());
  EXPECT_THAT(logger_.Warnings(), HasSubstr("treated as a secret"));
  EXPECT_THAT(logger_.Warnings(), Not(HasSubstr(kPlain)));
}

TEST_F(EnvironmentTest, CheckNamesTheBadValueLeaf) {
  CheckResult r = Check(
      {{"name", "dev"},
       {"values", PropertyMap{{"ok", "x"},
                              {"nested", PropertyMap{{"bad", PropertyValue::MakeSecret(
                                                                 PropertyMap{{"k", kPlain}})}}}}}});
  EXPECT_TRUE(FailsOn(r, "values.nested.bad"));
  EXPECT_FALSE(FailsOn(r, "values.ok"));
  for (const auto& f : r.failures) EXPECT_THAT(f.reason, Not(HasSubstr(kPlain)));
}

TEST_F(EnvironmentTest, CheckWritesNothing) {
  Check({{"name", "dev"}, {"yaml", "values:\n  a: ${\n"}});
  Check({{"name", "dev"}, {"yaml", "values:\n  a: 1\n"}});
  EXPECT_EQ(backend_->Mutations(), 0);
}

TEST_F(EnvironmentTest, CreateRefusesWhatCheckRefusesAndWritesNothing) {
  auto r = Create({{"organization", "organization"},
                   {"project", "default"},
                   {"name", "dev"},
                   {"yaml", "values:\n  a: ${\n"}});
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("yaml"));
  EXPECT_EQ(backend_->Mutations(), 0);
  EXPECT_FALSE(Exists());
}

// --- Diff ----------------------------------------------------------------

TEST_F(EnvironmentTest, DiffKinds) {
  PropertyMap old = Checked(
      {{"name", "dev"}, {"yaml", "values:\n  a: 1\n"}, {"tags", PropertyMap{{"team", "a"}}}});
  auto none = Diff(kId, old, old, old);
  ASSERT_OK(none);
  EXPECT_EQ(none->changes, DiffResult::Changes::kNone);

  struct Case {
    const char* key;
    PropertyValue value;
    bool replace;
  };
  for (const Case& c : std::vector<Case>{{"name", "prod", true},
                                         {"project", "other", true},
                                         {"organization", "elsewhere", true},
                                         {"yaml", "values:\n  a: 2\n", false},
                                         {"tags", PropertyMap{{"team", "b"}}, false},
                                         {"deletionProtected", true, false}}) {
    PropertyMap news = old;
    news[c.key] = c.value;
    auto d = Diff(kId, old, old, news);
    ASSERT_OK(d);
    EXPECT_EQ(d->changes, DiffResult::Changes::kSome) << c.key;
    EXPECT_EQ(!d->replaces.empty(), c.replace) << c.key;
  }
}

TEST_F(EnvironmentTest, DiffOfASecretLeafNamesOnlyThePath) {
  auto values = [](const std::string& secret) {
    return PropertyMap{
        {"name", "dev"},
        {"values",
         PropertyMap{{"db", PropertyMap{{"password", PropertyValue::MakeSecret(secret)}}}}}};
  };
  PropertyMap old = Checked(values(kPlain));
  auto d = Diff(kId, old, old, Checked(values("new-secret-value")));
  ASSERT_OK(d);
  ASSERT_EQ(d->detailed_diff.size(), 1u);
  EXPECT_EQ(d->detailed_diff.begin()->first, "values.db.password");
  EXPECT_THAT(d->diffs, ElementsAre("values"));
}

// --- Create --------------------------------------------------------------

TEST_F(EnvironmentTest, CreateFromYaml) {
  CreateResult r = MustCreate(Checked({{"name", "dev"}, {"yaml", "values:\n  a: 1\n"}}));
  EXPECT_EQ(r.id, kId);
  auto info = backend_->GetEnvironment(ref_);
  ASSERT_OK(info);
  EXPECT_EQ(r.outputs.at("revision"), PropertyValue(static_cast<double>(info->latest_revision)));
  EXPECT_EQ(r.outputs.at("etag").AsString(), info->etag);
  EXPECT_EQ(r.outputs.at("deletionProtected"), PropertyValue(false));
  EXPECT_THAT(Plaintext(), HasSubstr("a: 1"));
}

TEST_F(EnvironmentTest, CreateFromValuesEncryptsSecretLeaves) {
  ASSERT_OK(backend_->CreateEnvironment({"organization", "default", "base"}));
  MustCreate(
      Checked({{"name", "dev"},
               {"imports", PropertyArray{"base"}},
               {"values", PropertyMap{{"plain", "x"}, {"key", PropertyValue::MakeSecret(kPlain)}}},
               {"tags", PropertyMap{{"team", "a"}}},
               {"deletionProtected", true}}));
  EXPECT_THAT(*backend_->StoredYaml(ref_), Not(HasSubstr(kPlain)));
  EXPECT_THAT(Plaintext(), HasSubstr(kPlain));
  EXPECT_THAT(Plaintext(), HasSubstr("- base"));
  EXPECT_TRUE(backend_->GetEnvironment(ref_)->deletion_protected);
  auto tags = backend_->ListEnvironmentTags(ref_);
  ASSERT_EQ(tags->size(), 1u);
  EXPECT_EQ((*tags)[0].value, "a");
}

TEST_F(EnvironmentTest, CreateOverAnExistingEnvironmentLeavesItAlone) {
  ASSERT_OK(backend_->CreateEnvironment(ref_));
  ASSERT_OK(backend_->UpdateDefinition(ref_, "values:\n  theirs: 1\n", std::nullopt));
  auto r = Create(Checked({{"name", "dev"}, {"yaml", "values:\n  a: 1\n"}}));
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("pulumi import esc:index:Environment r organization/default/dev"));
  EXPECT_THAT(Plaintext(), HasSubstr("theirs: 1"));
}

// Create is atomic: a failure after the environment exists removes it again,
// protection included.
TEST_F(EnvironmentTest, CreateRemovesTheEnvironmentWhenALaterStepFails) {
  backend_->FailNext("SetEnvironmentTags", absl::UnavailableError("tags service down"));
  auto r = Create(Checked({{"name", "dev"},
                           {"yaml", "values:\n  a: 1\n"},
                           {"tags", PropertyMap{{"team", "a"}}},
                           {"deletionProtected", true}}));
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("creating environment " + std::string(kId)));
  EXPECT_FALSE(Exists());

  backend_->FailNext("UpdateDefinition",
                     backend::InvalidDefinitionError("updating", {esc::Diagnostic{}}));
  EXPECT_FALSE(Create(Checked({{"name", "dev"}, {"yaml", "values:\n  a: 1\n"}})).ok());
  EXPECT_FALSE(Exists());
}

TEST_F(EnvironmentTest, CreateUnprotectsBeforeRemovingAfterAFailure) {
  backend_->FailNext("GetEnvironment", absl::UnavailableError("down"));
  auto r = Create(Checked({{"name", "dev"}, {"deletionProtected", true}}));
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_FALSE(Exists());
}

TEST_F(EnvironmentTest, CreateInPreviewCallsNoBackend) {
  auto r = Create(Checked({{"name", "dev"}, {"yaml", "values:\n  a: 1\n"}}), /*preview=*/true);
  ASSERT_OK(r);
  EXPECT_TRUE(r->outputs.at("etag").IsUnknown());
  EXPECT_EQ(backend_->Mutations(), 0);
}

// --- Read ----------------------------------------------------------------

TEST_F(EnvironmentTest, ReadKeepsEquivalentYamlText) {
  PropertyMap in = Checked({{"name", "dev"}, {"yaml", "values: {a: 1,   b: [1, 2]}\n"}});
  CreateResult c = MustCreate(in);
  auto r = Read(c.id, c.outputs, in);
  ASSERT_OK(r);
  EXPECT_EQ(r->inputs->at("yaml"), in.at("yaml"));
  EXPECT_EQ(r->outputs->at("etag"), c.outputs.at("etag"));
}

TEST_F(EnvironmentTest, ReadSeesDriftInDefinitionTagsAndProtection) {
  PropertyMap in = Checked(
      {{"name", "dev"}, {"yaml", "values:\n  a: 1\n"}, {"tags", PropertyMap{{"team", "a"}}}});
  CreateResult c = MustCreate(in);
  ASSERT_OK(backend_->UpdateDefinition(ref_, "values:\n  a: 2\n", std::nullopt));
  ASSERT_OK(backend_->SetEnvironmentTags(ref_, {{"team", "b"}}));
  ASSERT_OK(backend_->SetDeletionProtected(ref_, true));
  auto r = Read(c.id, c.outputs, in);
  ASSERT_OK(r);
  EXPECT_THAT(r->inputs->at("yaml").Plain().AsString(), HasSubstr("a: 2"));
  EXPECT_EQ(r->inputs->at("tags"), PropertyValue(PropertyMap{{"team", "b"}}));
  EXPECT_EQ(r->inputs->at("deletionProtected"), PropertyValue(true));
  EXPECT_EQ(r->outputs->at("revision"), PropertyValue(static_cast<double>(Revision())));
}

TEST_F(EnvironmentTest, ReadOfASecretYamlKeepsItSecret) {
  ASSERT_OK(backend_->CreateEnvironment(ref_));
  ASSERT_OK(backend_->UpdateDefinition(
      ref_, absl::StrCat("values:\n  k:\n    fn::secret: ", kPlain, "\n"), std::nullopt));
  auto r = Read(kId, std::nullopt, std::nullopt);  // an import
  ASSERT_OK(r);
  EXPECT_TRUE(r->inputs->at("yaml").IsSecret());
  EXPECT_FALSE(InPlainText(*r->outputs, kPlain));
}

TEST_F(EnvironmentTest, ReadOfValuesLooksOnlyAtDeclaredLeaves) {
  PropertyMap in = Checked(
      {{"name", "dev"},
       {"values", PropertyMap{{"a", "1"}, {"b", "2"}, {"s", PropertyValue::MakeSecret(kPlain)}}}});
  CreateResult c = MustCreate(in);
  // Someone adds a key and removes one of ours.
  ASSERT_OK(backend_->UpdateDefinition(
      ref_, absl::StrCat("values:\n  a: \"1\"\n  s:\n    fn::secret: ", kPlain, "\n  theirs: 3\n"),
      std::nullopt));
  auto r = Read(c.id, c.outputs, in);
  ASSERT_OK(r);
  const PropertyMap& values = r->inputs->at("values").AsObject();
  EXPECT_EQ(values.count("theirs"), 0u);
  EXPECT_EQ(values.count("b"), 0u);  // drift: gone
  EXPECT_EQ(values.at("a"), PropertyValue("1"));
  EXPECT_EQ(values.at("s"), PropertyValue::MakeSecret(kPlain));
}

TEST_F(EnvironmentTest, ReadOfADeletedEnvironmentIsGone) {
  PropertyMap in = Checked({{"name", "dev"}, {"yaml", "values:\n  a: 1\n"}});
  CreateResult c = MustCreate(in);
  ASSERT_OK(backend_->DeleteEnvironment(ref_));
  auto r = Read(c.id, c.outputs, in);
  ASSERT_OK(r);
  EXPECT_EQ(r->id, "");
}

// Deleted between Read's calls (a refresh racing a deletion): gone, not an
// error.
TEST_F(EnvironmentTest, ReadOfAnEnvironmentDeletedMeanwhileIsGone) {
  PropertyMap in = Checked(
      {{"name", "dev"}, {"yaml", "values:\n  a: 1\n"}, {"tags", PropertyMap{{"team", "a"}}}});
  CreateResult c = MustCreate(in);
  for (const char* method : {"GetDefinition", "ListEnvironmentTags"}) {
    ASSERT_TRUE(Exists() || Create(in).ok());
    backend_->BeforeNext(method, [&] { ASSERT_OK(backend_->DeleteEnvironment(ref_)); });
    auto r = Read(c.id, c.outputs, in);
    ASSERT_OK(r) << method;
    EXPECT_EQ(r->id, "") << method;
  }
}

TEST_F(EnvironmentTest, ReadRefusesAMalformedId) {
  auto r = Read("a/b/c/d", std::nullopt, std::nullopt);
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("organization/project/name"));
}

// --- Update --------------------------------------------------------------

TEST_F(EnvironmentTest, UpdateOfAnEnvironmentEditedElsewhereIsAConflict) {
  PropertyMap old = Checked({{"name", "dev"}, {"yaml", "values:\n  a: 1\n"}});
  CreateResult c = MustCreate(old);
  ASSERT_OK(backend_->UpdateDefinition(ref_, "values:\n  a: theirs\n", std::nullopt));
  const int64_t before = Revision();
  auto u = Update(c.id, c.outputs, old, Checked({{"name", "dev"}, {"yaml", "values:\n  a: 2\n"}}));
  EXPECT_THAT(u, StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(std::string(u.status().message()), HasSubstr("run `pulumi refresh`"));
  EXPECT_EQ(Revision(), before);
  EXPECT_THAT(Plaintext(), HasSubstr("theirs"));
}

TEST_F(EnvironmentTest, UpdateOfTagsOnlyWritesNoRevision) {
  PropertyMap old = Checked(
      {{"name", "dev"}, {"yaml", "values:\n  a: 1\n"}, {"tags", PropertyMap{{"team", "a"}}}});
  CreateResult c = MustCreate(old);
  const int64_t before = Revision();
  PropertyMap news = old;
  news["tags"] = PropertyMap{{"team", "b"}};
  news["deletionProtected"] = true;
  auto u = Update(c.id, c.outputs, old, news);
  ASSERT_OK(u);
  EXPECT_EQ(Revision(), before);
  EXPECT_EQ((*backend_->ListEnvironmentTags(ref_))[0].value, "b");
  EXPECT_EQ(u->outputs.at("deletionProtected"), PropertyValue(true));
  EXPECT_EQ(u->outputs.at("etag").AsString(), backend_->GetEnvironment(ref_)->etag);
}

// The structured form owns its leaves only: another writer's keys stay, also
// when it writes between this update's read and write.
TEST_F(EnvironmentTest, UpdateOfValuesMergesWithOtherWriters) {
  PropertyMap old = Checked({{"name", "dev"}, {"values", PropertyMap{{"a", "1"}, {"b", "2"}}}});
  CreateResult c = MustCreate(old);
  ASSERT_OK(backend_->UpdateDefinition(ref_, "values:\n  a: \"1\"\n  b: \"2\"\n  theirs: 1\n",
                                       std::nullopt));
  backend_->BeforeNext("UpdateDefinition", [&] {
    auto def = backend_->GetDefinition(ref_, "", false);
    ASSERT_OK(backend_->UpdateDefinition(ref_, def->yaml + "  racing: 2\n", std::nullopt));
  });
  PropertyMap news = Checked({{"name", "dev"}, {"values", PropertyMap{{"a", "changed"}}}});
  ASSERT_OK(Update(c.id, c.outputs, old, news));
  const std::string def = Plaintext();
  EXPECT_THAT(def, HasSubstr("a: changed"));
  EXPECT_THAT(def, Not(HasSubstr("b:")));  // ours, dropped from the program
  EXPECT_THAT(def, HasSubstr("theirs: 1"));
  EXPECT_THAT(def, HasSubstr("racing: 2"));
}

TEST_F(EnvironmentTest, UpdateWithoutTagsClearsThem) {
  PropertyMap old = Checked({{"name", "dev"}, {"tags", PropertyMap{{"team", "a"}}}});
  CreateResult c = MustCreate(old);
  ASSERT_OK(Update(c.id, c.outputs, old, Checked({{"name", "dev"}})));
  EXPECT_THAT(*backend_->ListEnvironmentTags(ref_), IsEmpty());
}

TEST_F(EnvironmentTest, UpdateFromValuesToYamlWritesExactlyTheYaml) {
  PropertyMap old = Checked({{"name", "dev"}, {"values", PropertyMap{{"a", "1"}}}});
  CreateResult c = MustCreate(old);
  PropertyMap news = Checked({{"name", "dev"}, {"yaml", "values:\n  b: 2\n"}});
  ASSERT_OK(Update(c.id, c.outputs, old, news));
  EXPECT_EQ(Plaintext(), "values:\n  b: 2\n");
}

TEST_F(EnvironmentTest, UpdateInPreviewWritesNothing) {
  PropertyMap old = Checked({{"name", "dev"}, {"yaml", "values:\n  a: 1\n"}});
  CreateResult c = MustCreate(old);
  PropertyMap news = Checked({{"name", "dev"}, {"yaml", "values:\n  a: 2\n"}});
  const int writes = backend_->Mutations();
  auto u = Update(c.id, c.outputs, old, news, /*preview=*/true);
  ASSERT_OK(u);
  EXPECT_TRUE(u->outputs.at("revision").IsUnknown());
  EXPECT_EQ(backend_->Mutations(), writes);
}

// --- Delete --------------------------------------------------------------

TEST_F(EnvironmentTest, DeleteOfAProtectedEnvironmentSaysHowToUnprotect) {
  PropertyMap in = Checked({{"name", "dev"}, {"deletionProtected", true}});
  CreateResult c = MustCreate(in);
  absl::Status s = Delete(c.id, c.outputs, in);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(s.message()), HasSubstr("set deletionProtected: false"));
  EXPECT_TRUE(Exists());
}

TEST_F(EnvironmentTest, DeleteOfSomethingAlreadyGoneSucceeds) {
  PropertyMap in = Checked({{"name", "dev"}});
  CreateResult c = MustCreate(in);
  ASSERT_OK(Delete(c.id, c.outputs, in));
  EXPECT_FALSE(Exists());
  EXPECT_OK(Delete(c.id, c.outputs, in));
  EXPECT_OK(Delete("not/a/valid/id", c.outputs, in));
}

TEST_F(EnvironmentTest, DeleteReportsBackendErrors) {
  PropertyMap in = Checked({{"name", "dev"}});
  CreateResult c = MustCreate(in);
  backend_->FailNext("DeleteEnvironment", absl::UnavailableError("down"));
  absl::Status s = Delete(c.id, c.outputs, in);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(std::string(s.message()), HasSubstr(kId));
  EXPECT_TRUE(Exists());
}

}  // namespace
}  // namespace escnative::resources::testing
