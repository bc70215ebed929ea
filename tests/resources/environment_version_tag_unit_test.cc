// esc:index:EnvironmentVersionTag in process: Check's failures, the tag's
// lifecycle against FakeBackend, a moved tag seen by Read, and Delete of
// something already gone.
#include "provider/resources/environment_version_tag.h"
#include "tests/resources/resource_test_util.h"

namespace escnative::resources::testing {
namespace {

using ::escnative::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kId[] = "organization/default/dev@stable";

class VersionTagTest : public ResourceTest {
 protected:
  VersionTagTest() {
    Use(NewEnvironmentVersionTagResource(&context_));
    EXPECT_OK(backend_->CreateEnvironment(ref_));
    EXPECT_OK(backend_->UpdateDefinition(ref_, "values:\n  a: 2\n", std::nullopt));
    EXPECT_OK(backend_->UpdateDefinition(ref_, "values:\n  a: 3\n", std::nullopt));
  }

  PropertyMap Inputs(std::optional<int> revision = std::nullopt) {
    PropertyMap m{{"environment", "dev"}, {"tagName", "stable"}};
    if (revision.has_value()) m["revision"] = *revision;
    return Checked(m);
  }
  CreateResult MustCreate(const PropertyMap& in) {
    auto r = Create(in);
    EXPECT_OK(r);
    return r.ok() ? *std::move(r) : CreateResult{};
  }
  int64_t Tagged() {
    auto tag = backend_->GetRevisionTag(ref_, "stable");
    return tag.ok() ? tag->revision : -1;
  }

  const backend::EnvironmentRef ref_{"organization", "default", "dev"};
};

// --- Check ---------------------------------------------------------------

TEST_F(VersionTagTest, CheckNamesEachMissingProperty) {
  CheckResult r = Check({});
  EXPECT_TRUE(FailsOn(r, "environment"));
  EXPECT_TRUE(FailsOn(r, "tagName"));
}

TEST_F(VersionTagTest, CheckRefusesTagNamesThatAreVersions) {
  for (const char* bad : {"", "1", "2-beta"}) {
    EXPECT_THAT(ReasonFor(Check({{"environment", "dev"}, {"tagName", bad}}), "tagName"),
                HasSubstr("start with a digit"))
        << bad;
  }
  EXPECT_THAT(ReasonFor(Check({{"environment", "dev"}, {"tagName", "latest"}}), "tagName"),
              HasSubstr("built in"));
}

TEST_F(VersionTagTest, CheckRefusesRevisionsBelowOne) {
  for (int bad : {0, -1}) {
    CheckResult r = Check({{"environment", "dev"}, {"tagName", "stable"}, {"revision", bad}});
    EXPECT_THAT(ReasonFor(r, "revision"), HasSubstr("1 or more")) << bad;
  }
}

TEST_F(VersionTagTest, CheckCanonicalisesTheEnvironment) {
  EXPECT_EQ(Inputs().at("environment").AsString(), "organization/default/dev");
  EXPECT_THAT(ReasonFor(Check({{"environment", "dev@2"}, {"tagName", "stable"}}), "environment"),
              HasSubstr("without a version"));
}

TEST_F(VersionTagTest, FailedInputsWriteNothing) {
  const int writes = backend_->Mutations();
  EXPECT_FALSE(Check({{"environment", "dev"}, {"tagName", "latest"}}).failures.empty());
  auto r = Create({{"environment", "organization/default/dev"}, {"tagName", "latest"}});
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("tagName"));
  EXPECT_EQ(backend_->Mutations(), writes);
}

// --- Diff ----------------------------------------------------------------

TEST_F(VersionTagTest, DiffReplacesOnIdentityAndMovesOnRevision) {
  PropertyMap old = Inputs(2);
  EXPECT_EQ(Diff(kId, old, old, old)->changes, DiffResult::Changes::kNone);
  PropertyMap moved = Inputs(3);
  auto d = Diff(kId, old, old, moved);
  ASSERT_OK(d);
  EXPECT_THAT(d->replaces, IsEmpty());
  EXPECT_EQ(d->detailed_diff.at("revision").kind, PropertyDiff::Kind::kUpdate);
  PropertyMap renamed = old;
  renamed["tagName"] = "prod";
  EXPECT_THAT(Diff(kId, old, old, renamed)->replaces, ElementsAre("tagName"));
}

// --- Create --------------------------------------------------------------

TEST_F(VersionTagTest, CreateTagsTheLatestRevisionByDefault) {
  CreateResult r = MustCreate(Inputs());
  EXPECT_EQ(r.id, kId);
  EXPECT_EQ(r.outputs.at("revision"), PropertyValue(3.0));
  EXPECT_EQ(Tagged(), 3);
}

TEST_F(VersionTagTest, CreateAtARevision) {
  CreateResult r = MustCreate(Inputs(2));
  EXPECT_EQ(r.outputs.at("revision"), PropertyValue(2.0));
  EXPECT_EQ(Tagged(), 2);
}

TEST_F(VersionTagTest, CreateOverAnExistingTagIsRefusedWithAnImportHint) {
  ASSERT_OK(backend_->CreateRevisionTag(ref_, "stable", 1));
  auto r = Create(Inputs(2));
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("pulumi import esc:index:EnvironmentVersionTag r"));
  EXPECT_EQ(Tagged(), 1);
}

TEST_F(VersionTagTest, CreateOfAMissingRevisionOrEnvironmentSaysWhich) {
  auto revision = Create(Inputs(9));
  EXPECT_THAT(revision, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(std::string(revision.status().message()), HasSubstr("has no revision 9"));
  auto env = Create(Checked({{"environment", "ghost"}, {"tagName", "stable"}}));
  EXPECT_THAT(env, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(std::string(env.status().message()), HasSubstr("create it first"));
  EXPECT_EQ(Tagged(), -1);
}

TEST_F(VersionTagTest, CreateInPreviewWritesNothing) {
  PropertyMap in = Inputs();
  const int writes = backend_->Mutations();
  auto r = Create(in, /*preview=*/true);
  ASSERT_OK(r);
  EXPECT_TRUE(r->outputs.at("revision").IsUnknown());
  EXPECT_EQ(backend_->Mutations(), writes);
}

// --- Read ----------------------------------------------------------------

TEST_F(VersionTagTest, ReadSeesAMovedTag) {
  PropertyMap in = Inputs(2);
  CreateResult c = MustCreate(in);
  ASSERT_OK(backend_->UpdateRevisionTag(ref_, "stable", 1));
  auto r = Read(c.id, c.outputs, in);
  ASSERT_OK(r);
  EXPECT_EQ(r->inputs->at("revision"), PropertyValue(1.0));
  EXPECT_EQ(r->outputs->at("revision"), PropertyValue(1.0));
}

// A program that let the revision default keeps it unset; the move shows in
// the outputs only.
TEST_F(VersionTagTest, ReadKeepsAnUnsetRevisionUnset) {
  PropertyMap in = Inputs();
  CreateResult c = MustCreate(in);
  ASSERT_OK(backend_->UpdateRevisionTag(ref_, "stable", 1));
  auto r = Read(c.id, c.outputs, in);
  ASSERT_OK(r);
  EXPECT_EQ(r->inputs->count("revision"), 0u);
  EXPECT_EQ(r->outputs->at("revision"), PropertyValue(1.0));
}

TEST_F(VersionTagTest, ReadOfADeletedTagOrEnvironmentIsGone) {
  PropertyMap in = Inputs();
  CreateResult c = MustCreate(in);
  ASSERT_OK(backend_->DeleteRevisionTag(ref_, "stable"));
  EXPECT_EQ(Read(c.id, c.outputs, in)->id, "");
  ASSERT_OK(backend_->DeleteEnvironment(ref_));
  EXPECT_EQ(Read(c.id, c.outputs, in)->id, "");
}

TEST_F(VersionTagTest, ReadRefusesAMalformedId) {
  auto r = Read("organization/default/dev", std::nullopt, std::nullopt);
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("@<tag>"));
}

TEST_F(VersionTagTest, ImportAdoptsTheTag) {
  ASSERT_OK(backend_->CreateRevisionTag(ref_, "stable", 2));
  auto r = Read("dev@stable", std::nullopt, std::nullopt);
  ASSERT_OK(r);
  EXPECT_EQ(r->id, kId);
  EXPECT_EQ(r->inputs->at("revision"), PropertyValue(2.0));
  EXPECT_EQ(Checked(*r->inputs), *r->inputs);
}

// --- Update --------------------------------------------------------------

TEST_F(VersionTagTest, UpdateMovesTheTag) {
  PropertyMap old = Inputs(2);
  CreateResult c = MustCreate(old);
  auto u = Update(c.id, c.outputs, old, Inputs(3));
  ASSERT_OK(u);
  EXPECT_EQ(u->outputs.at("revision"), PropertyValue(3.0));
  EXPECT_EQ(Tagged(), 3);
}

TEST_F(VersionTagTest, UpdateWithoutARevisionLeavesTheTag) {
  PropertyMap old = Inputs(2);
  CreateResult c = MustCreate(old);
  const int writes = backend_->Mutations();
  auto u = Update(c.id, c.outputs, old, Inputs());
  ASSERT_OK(u);
  EXPECT_EQ(u->outputs.at("revision"), PropertyValue(2.0));
  EXPECT_EQ(backend_->Mutations(), writes);
}

TEST_F(VersionTagTest, UpdateOfADeletedTagSaysRefresh) {
  PropertyMap old = Inputs(2);
  CreateResult c = MustCreate(old);
  ASSERT_OK(backend_->DeleteRevisionTag(ref_, "stable"));
  auto u = Update(c.id, c.outputs, old, Inputs(3));
  EXPECT_THAT(u, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(std::string(u.status().message()), HasSubstr("pulumi refresh"));
  auto unset = Update(c.id, c.outputs, old, Inputs());
  EXPECT_THAT(unset, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(std::string(unset.status().message()), HasSubstr("pulumi refresh"));
}

TEST_F(VersionTagTest, UpdateToAMissingRevisionLeavesTheTag) {
  PropertyMap old = Inputs(2);
  CreateResult c = MustCreate(old);
  auto u = Update(c.id, c.outputs, old, Inputs(9));
  EXPECT_THAT(u, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(std::string(u.status().message()), HasSubstr("has no revision 9"));
  EXPECT_EQ(Tagged(), 2);
}

// --- Delete --------------------------------------------------------------

TEST_F(VersionTagTest, DeleteAndDeleteOfSomethingAlreadyGone) {
  PropertyMap in = Inputs();
  CreateResult c = MustCreate(in);
  ASSERT_OK(Delete(c.id, c.outputs, in));
  EXPECT_EQ(Tagged(), -1);
  EXPECT_OK(Delete(c.id, c.outputs, in));
  ASSERT_OK(backend_->DeleteEnvironment(ref_));
  EXPECT_OK(Delete(c.id, c.outputs, in));
  EXPECT_OK(Delete("no-at-sign", c.outputs, in));
}

TEST_F(VersionTagTest, DeleteReportsBackendErrors) {
  PropertyMap in = Inputs();
  CreateResult c = MustCreate(in);
  backend_->FailNext("DeleteRevisionTag", absl::UnavailableError("down"));
  absl::Status s = Delete(c.id, c.outputs, in);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(std::string(s.message()), HasSubstr(kId));
  EXPECT_EQ(Tagged(), 3);
}

}  // namespace
}  // namespace escnative::resources::testing
