// esc:index:AccessToken in process: Check's failures, Diff's rotation window
// at its boundaries, the lifecycle against FakeBackend, and the token value
// kept to secret outputs.
#include <algorithm>

#include "absl/time/time.h"
#include "provider/resources/access_token.h"
#include "tests/resources/resource_test_util.h"

namespace escnative::resources::testing {
namespace {

using ::escnative::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_sec, t, absl::UTCTimeZone());
}

PropertyArray ReadScope(const std::string& env) {
  return {PropertyMap{{"environment", env}, {"permission", "read"}}};
}

class AccessTokenTest : public ResourceTest {
 protected:
  AccessTokenTest() { Use(NewAccessTokenResource(&context_, &clock_)); }

  PropertyMap EnvToken(PropertyMap extra = {}) {
    PropertyMap m{{"kind", "environment"}, {"scopes", ReadScope("organization/default/dev")}};
    for (auto& [k, v] : extra) m[k] = std::move(v);
    return m;
  }

  // Creates through Check + Create as the engine does; returns the outputs.
  CreateResult MustCreate(const PropertyMap& news) {
    auto created = Create(Checked(news));
    EXPECT_OK(created);
    return created.ok() ? *std::move(created) : CreateResult{};
  }

  // Diff of a token created with `old_inputs` (outputs carry `expires_at`)
  // against `news`.
  DiffResult DiffAt(std::optional<absl::Time> expires_at, const PropertyMap& old_inputs,
                    const PropertyMap& news) {
    PropertyMap olds = old_inputs;
    olds["expiresAt"] = expires_at.has_value() ? Rfc3339(*expires_at) : std::string();
    auto d = Diff("0123456789abcdef0123456789abcdef", olds, old_inputs, news);
    EXPECT_OK(d);
    return d.ok() ? *std::move(d) : DiffResult{};
  }

  static bool Replaces(const DiffResult& d, const std::string& key) {
    return std::find(d.replaces.begin(), d.replaces.end(), key) != d.replaces.end();
  }
};

// --- Check ---------------------------------------------------------------

TEST_F(AccessTokenTest, CheckNeedsKind) {
  CheckResult r = Check({});
  EXPECT_TRUE(FailsOn(r, "kind"));
}

TEST_F(AccessTokenTest, CheckRefusesAnUnknownKindNamingTheChoices) {
  CheckResult r = Check({{"kind", "robot"}});
  EXPECT_THAT(ReasonFor(r, "kind"), HasSubstr("environment"));
}

TEST_F(AccessTokenTest, CheckNeedsScopesForAnEnvironmentToken) {
  EXPECT_THAT(ReasonFor(Check({{"kind", "environment"}}), "scopes"), HasSubstr("at least one"));
  EXPECT_THAT(ReasonFor(Check({{"kind", "environment"}, {"scopes", PropertyArray{}}}), "scopes"),
              HasSubstr("at least one"));
}

TEST_F(AccessTokenTest, CheckRefusesScopesOnOtherKinds) {
  CheckResult r = Check({{"kind", "organization"}, {"name", "ci"}, {"scopes", ReadScope("dev")}});
  EXPECT_THAT(ReasonFor(r, "scopes"), HasSubstr("`environment` tokens only"));
}

TEST_F(AccessTokenTest, CheckNeedsTeamForATeamToken) {
  EXPECT_TRUE(FailsOn(Check({{"kind", "team"}, {"name", "ci"}}), "team"));
  EXPECT_FALSE(FailsOn(Check({{"kind", "team"}, {"name", "ci"}, {"team", "ops"}}), "team"));
  // Unknown at preview: decided later.
  EXPECT_FALSE(FailsOn(
      Check({{"kind", "team"}, {"name", "ci"}, {"team", PropertyValue::MakeUnknown()}}), "team"));
}

// `admin` reaches no backend, so asking for it is refused, not ignored.
TEST_F(AccessTokenTest, CheckRefusesAdminRatherThanIgnoringIt) {
  EXPECT_THAT(
      ReasonFor(Check({{"kind", "organization"}, {"name", "ci"}, {"admin", true}}), "admin"),
      HasSubstr("not supported"));
  EXPECT_THAT(Check({{"kind", "organization"}, {"name", "ci"}, {"admin", false}}).failures,
              IsEmpty());
}

TEST_F(AccessTokenTest, CheckQualifiesShortScopeEnvironments) {
  CheckResult r =
      Check({{"kind", "environment"},
             {"scopes",
              PropertyArray{PropertyMap{{"environment", "dev"}, {"permission", "read"}},
                            PropertyMap{{"environment", "proj/*"}, {"permission", "open"}},
                            PropertyMap{{"environment", "other/p/e"}, {"permission", "write"}}}}});
  ASSERT_THAT(r.failures, IsEmpty());
  const PropertyArray& scopes = r.inputs.at("scopes").AsArray();
  EXPECT_EQ(scopes[0].AsObject().at("environment").AsString(), "organization/default/dev");
  EXPECT_EQ(scopes[1].AsObject().at("environment").AsString(), "organization/proj/*");
  EXPECT_EQ(scopes[2].AsObject().at("environment").AsString(), "other/p/e");
}

TEST_F(AccessTokenTest, CheckNamesTheMalformedScopeByIndex) {
  for (const char* bad : {"a/b/c/d", "a//b", "/dev", ""}) {
    CheckResult r = Check({{"kind", "environment"},
                           {"scopes", PropertyArray{ReadScope("dev")[0], ReadScope(bad)[0]}}});
    EXPECT_TRUE(FailsOn(r, "scopes[1].environment")) << bad;
    EXPECT_FALSE(FailsOn(r, "scopes[0].environment")) << bad;
  }
}

TEST_F(AccessTokenTest, CheckRefusesBothExpiries) {
  CheckResult r = Check(EnvToken({{"expiresIn", "1h"}, {"expiresAt", "2030-01-01T00:00:00Z"}}));
  EXPECT_THAT(ReasonFor(r, "expiresAt"), HasSubstr("not both"));
}

TEST_F(AccessTokenTest, CheckRefusesBadDurationsNamingTheProperty) {
  for (const char* key : {"expiresIn", "rotateBefore"}) {
    for (const char* bad : {"soon", "0s", "-1h", "100000000000d"}) {
      CheckResult r = Check(EnvToken({{key, bad}}));
      EXPECT_TRUE(FailsOn(r, key)) << key << "=" << bad;
    }
  }
  EXPECT_THAT(Check(EnvToken({{"expiresIn", "30d"}, {"rotateBefore", "1h30m"}})).failures,
              IsEmpty());
}

TEST_F(AccessTokenTest, CheckRefusesATimeThatIsNotRfc3339) {
  for (const char* bad : {"tomorrow", "2030-01-01", "2030-01-01 00:00:00"}) {
    EXPECT_THAT(ReasonFor(Check(EnvToken({{"expiresAt", bad}})), "expiresAt"),
                HasSubstr("RFC 3339"))
        << bad;
  }
  EXPECT_THAT(Check(EnvToken({{"expiresAt", "2030-01-01T00:00:00+02:00"}})).failures, IsEmpty());
}

TEST_F(AccessTokenTest, CheckCallsNoBackend) {
  Check(EnvToken({{"expiresIn", "soon"}}));
  Check(EnvToken());
  EXPECT_THAT(backend_->Calls(), IsEmpty());
}

// --- Diff ----------------------------------------------------------------

TEST_F(AccessTokenTest, DiffOfSameInputsIsNone) {
  PropertyMap in = Checked(EnvToken({{"expiresIn", "30d"}, {"rotateBefore", "7d"}}));
  DiffResult d = DiffAt(clock_.Now() + absl::Hours(24 * 30), in, in);
  EXPECT_EQ(d.changes, DiffResult::Changes::kNone);
  EXPECT_THAT(d.replaces, IsEmpty());
}

TEST_F(AccessTokenTest, DiffReplacesOnEveryInputButRotateBefore) {
  PropertyMap old = Checked(EnvToken({{"expiresIn", "30d"}, {"rotateBefore", "7d"}}));
  const absl::Time expiry = clock_.Now() + absl::Hours(24 * 30);
  struct Case {
    const char* key;
    PropertyValue value;
  };
  const std::vector<Case> replacing = {
      {"expiresIn", "60d"},
      {"scopes", ReadScope("organization/default/prod")},
      {"name", "renamed"},
      {"description", "new words"},
  };
  for (const Case& c : replacing) {
    PropertyMap news = old;
    news[c.key] = c.value;
    DiffResult d = DiffAt(expiry, old, news);
    EXPECT_EQ(d.changes, DiffResult::Changes::kSome) << c.key;
    EXPECT_TRUE(Replaces(d, c.key)) << c.key;
  }
  PropertyMap news = old;
  news["rotateBefore"] = "1d";
  DiffResult d = DiffAt(expiry, old, news);
  EXPECT_EQ(d.changes, DiffResult::Changes::kSome);
  EXPECT_THAT(d.replaces, IsEmpty());
  EXPECT_EQ(d.detailed_diff.at("rotateBefore").kind, PropertyDiff::Kind::kUpdate);
}

// The window: replace once expiry - now <= rotateBefore.
TEST_F(AccessTokenTest, DiffRotatesExactlyAtTheWindowBoundary) {
  PropertyMap in = Checked(EnvToken({{"expiresIn", "30d"}, {"rotateBefore", "7d"}}));
  const absl::Duration window = absl::Hours(24 * 7);
  // now + rotateBefore == expiry: rotate.
  DiffResult at = DiffAt(clock_.Now() + window, in, in);
  EXPECT_EQ(at.changes, DiffResult::Changes::kSome);
  EXPECT_THAT(at.replaces, ElementsAre("expiresAt"));
  EXPECT_EQ(at.detailed_diff.at("expiresAt"),
            (PropertyDiff{PropertyDiff::Kind::kUpdateReplace, /*input_diff=*/false}));
  // One second more left than the window: keep.
  DiffResult before = DiffAt(clock_.Now() + window + absl::Seconds(1), in, in);
  EXPECT_EQ(before.changes, DiffResult::Changes::kNone);
  EXPECT_THAT(before.replaces, IsEmpty());
  // One second less: rotate.
  DiffResult inside = DiffAt(clock_.Now() + window - absl::Seconds(1), in, in);
  EXPECT_THAT(inside.replaces, ElementsAre("expiresAt"));
}

TEST_F(AccessTokenTest, DiffFollowsTheClock) {
  PropertyMap in = Checked(EnvToken({{"expiresIn", "30d"}, {"rotateBefore", "7d"}}));
  const absl::Time expiry = clock_.Now() + absl::Hours(24 * 30);
  EXPECT_EQ(DiffAt(expiry, in, in).changes, DiffResult::Changes::kNone);
  clock_.Advance(absl::Hours(24 * 23) - absl::Seconds(1));
  EXPECT_EQ(DiffAt(expiry, in, in).changes, DiffResult::Changes::kNone);
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(DiffAt(expiry, in, in).changes, DiffResult::Changes::kSome);
}

TEST_F(AccessTokenTest, DiffReplacesAnExpiredToken) {
  PropertyMap in = Checked(EnvToken({{"expiresIn", "1h"}, {"rotateBefore", "1s"}}));
  EXPECT_THAT(DiffAt(clock_.Now() - absl::Hours(1), in, in).replaces, ElementsAre("expiresAt"));
  EXPECT_THAT(DiffAt(clock_.Now(), in, in).replaces, ElementsAre("expiresAt"));
}

TEST_F(AccessTokenTest, DiffWithALongerWindowThanTheLifetimeReplacesNow) {
  PropertyMap in = Checked(EnvToken({{"expiresIn", "1d"}, {"rotateBefore", "30d"}}));
  EXPECT_THAT(DiffAt(clock_.Now() + absl::Hours(24), in, in).replaces, ElementsAre("expiresAt"));
}

TEST_F(AccessTokenTest, DiffNeverRotatesWithoutExpiryOrWindow) {
  PropertyMap no_window = Checked(EnvToken({{"expiresIn", "1h"}}));
  EXPECT_EQ(DiffAt(clock_.Now(), no_window, no_window).changes, DiffResult::Changes::kNone);
  PropertyMap no_expiry = Checked(EnvToken({{"rotateBefore", "7d"}}));
  EXPECT_EQ(DiffAt(std::nullopt, no_expiry, no_expiry).changes, DiffResult::Changes::kNone);
}

TEST_F(AccessTokenTest, DiffListsExpiresAtOnceWhenChangedInsideTheWindow) {
  const absl::Time expiry = clock_.Now() + absl::Hours(1);
  PropertyMap old = Checked(EnvToken({{"expiresAt", Rfc3339(expiry)}, {"rotateBefore", "7d"}}));
  PropertyMap news = old;
  news["expiresAt"] = Rfc3339(expiry + absl::Hours(24 * 30));
  DiffResult d = DiffAt(expiry, old, news);
  EXPECT_THAT(d.replaces, ElementsAre("expiresAt"));
  EXPECT_EQ(std::count(d.diffs.begin(), d.diffs.end(), "expiresAt"), 1);
}

// --- Create --------------------------------------------------------------

TEST_F(AccessTokenTest, CreateInPreviewCallsNoBackend) {
  auto r = Create(Checked(EnvToken({{"expiresIn", "1h"}})), /*preview=*/true);
  ASSERT_OK(r);
  EXPECT_TRUE(r->outputs.at("value").IsSecret());
  EXPECT_TRUE(r->outputs.at("value").ContainsUnknowns());
  EXPECT_TRUE(r->outputs.at("tokenId").IsUnknown());
  EXPECT_THAT(backend_->Calls(), IsEmpty());
}

TEST_F(AccessTokenTest, CreateExpiresInFromTheClock) {
  CreateResult r = MustCreate(EnvToken({{"expiresIn", "1h30m"}}));
  ASSERT_EQ(r.id.size(), 32u);
  EXPECT_EQ(r.outputs.at("tokenId").AsString(), r.id);
  EXPECT_EQ(r.outputs.at("expiresAt").AsString(), Rfc3339(clock_.Now() + absl::Minutes(90)));
  EXPECT_EQ(r.outputs.at("createdAt").AsString(), Rfc3339(clock_.Now()));
  auto stored = backend_->GetAccessToken(r.id);
  ASSERT_OK(stored);
  EXPECT_EQ(stored->expires_at, clock_.Now() + absl::Minutes(90));
  ASSERT_EQ(stored->scopes.size(), 1u);
  EXPECT_EQ(stored->scopes[0].environment, "organization/default/dev");
  EXPECT_EQ(stored->scopes[0].permission, store::Permission::kRead);
}

TEST_F(AccessTokenTest, CreateWithExpiresAtAndWithoutExpiry) {
  const absl::Time at = clock_.Now() + absl::Hours(48);
  CreateResult with = MustCreate(EnvToken({{"expiresAt", Rfc3339(at)}}));
  EXPECT_EQ(backend_->GetAccessToken(with.id)->expires_at, at);
  CreateResult without = MustCreate(EnvToken());
  EXPECT_EQ(without.outputs.at("expiresAt").AsString(), "");
  EXPECT_FALSE(backend_->GetAccessToken(without.id)->expires_at.has_value());
}

// Off a whole second, the expiry is still the one the outputs show, so the
// rotation window and Read agree with the backend to the second.
TEST_F(AccessTokenTest, ExpiryIsWholeSecondsAndMatchesTheOutput) {
  clock_.Advance(absl::Milliseconds(750));
  CreateResult in = MustCreate(EnvToken({{"expiresIn", "1h"}}));
  CreateResult at = MustCreate(EnvToken({{"expiresAt", "2030-01-01T00:00:00.9Z"}}));
  for (const CreateResult* r : {&in, &at}) {
    absl::Time shown;
    std::string err;
    ASSERT_TRUE(
        absl::ParseTime(absl::RFC3339_full, r->outputs.at("expiresAt").AsString(), &shown, &err));
    EXPECT_EQ(backend_->GetAccessToken(r->id)->expires_at, shown);
  }
  EXPECT_EQ(in.outputs.at("expiresAt").AsString(),
            Rfc3339(clock_.Now() - absl::Milliseconds(750) + absl::Hours(1)));
  EXPECT_EQ(at.outputs.at("expiresAt").AsString(), Rfc3339(absl::FromUnixSeconds(1893456000)));
}

TEST_F(AccessTokenTest, TheValueIsOnlyInTheSecretOutput) {
  CreateResult r = MustCreate(EnvToken({{"expiresIn", "1h"}, {"name", "ci"}}));
  ASSERT_TRUE(r.outputs.at("value").IsSecret());
  const std::string value = r.outputs.at("value").Plain().AsString();
  EXPECT_THAT(value, HasSubstr("esc_fake_token_value_"));
  EXPECT_FALSE(InPlainText(r.outputs, value));
  EXPECT_NE(r.id, value);
  for (const auto& [severity, line] : logger_.lines()) EXPECT_THAT(line, Not(HasSubstr(value)));
}

TEST_F(AccessTokenTest, CreateRefusesAnExpiryInThePast) {
  // Check cannot know; the backend refuses and the error says why.
  auto r = Create(Checked(EnvToken({{"expiresAt", Rfc3339(clock_.Now())}})));
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("expiry must be in the future"));
}

TEST_F(AccessTokenTest, CreateErrorSaysWhatWasBeingDone) {
  backend_->FailNext("CreateAccessToken", absl::UnavailableError("connection reset"));
  auto r = Create(Checked(EnvToken()));
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("creating an environment token"));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("connection reset"));
}

TEST_F(AccessTokenTest, CreateRevalidatesWhatCheckWouldRefuse) {
  auto r = Create(EnvToken({{"expiresIn", "soon"}}));
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("expiresIn"));
  EXPECT_EQ(backend_->Mutations(), 0);
}

// --- Read ----------------------------------------------------------------

TEST_F(AccessTokenTest, ReadKeepsInputsAndTheValue) {
  PropertyMap in = Checked(EnvToken({{"expiresIn", "1h"}, {"rotateBefore", "10m"}}));
  CreateResult c = MustCreate(in);
  auto r = Read(c.id, c.outputs, in);
  ASSERT_OK(r);
  EXPECT_EQ(r->id, c.id);
  EXPECT_EQ(*r->inputs, in);
  EXPECT_EQ(r->outputs->at("value"), c.outputs.at("value"));
  EXPECT_EQ(r->outputs->at("expiresAt"), c.outputs.at("expiresAt"));
  EXPECT_THAT(logger_.Warnings(), IsEmpty());
}

TEST_F(AccessTokenTest, ReadOfATokenAtItsExpiryIsGone) {
  PropertyMap in = Checked(EnvToken({{"expiresIn", "1h"}}));
  CreateResult c = MustCreate(in);
  clock_.Advance(absl::Hours(1) - absl::Seconds(1));
  auto alive = Read(c.id, c.outputs, in);
  ASSERT_OK(alive);
  EXPECT_EQ(alive->id, c.id);
  clock_.Advance(absl::Seconds(1));  // now == expiry: expired
  auto gone = Read(c.id, c.outputs, in);
  ASSERT_OK(gone);
  EXPECT_EQ(gone->id, "");
  EXPECT_FALSE(gone->outputs.has_value());
}

TEST_F(AccessTokenTest, ReadOfARevokedOrUnknownTokenIsGone) {
  PropertyMap in = Checked(EnvToken());
  CreateResult c = MustCreate(in);
  ASSERT_OK(backend_->RevokeAccessToken(c.id));
  EXPECT_EQ(Read(c.id, c.outputs, in)->id, "");
  EXPECT_EQ(Read("ffffffffffffffffffffffffffffffff", c.outputs, in)->id, "");
}

TEST_F(AccessTokenTest, ReadRefusesAMalformedId) {
  for (const char* bad :
       {"abc", "0123456789ABCDEF0123456789ABCDEF", "not-a-uuid-at-all-000000000000000000"}) {
    auto r = Read(bad, std::nullopt, std::nullopt);
    EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("tokenId")) << bad;
  }
  // A UUID (Pulumi Cloud's ids) is well-formed: the fake simply has none.
  EXPECT_EQ(Read("123e4567-e89b-12d3-a456-426614174000", std::nullopt, std::nullopt)->id, "");
  EXPECT_THAT(backend_->Calls(), ElementsAre("GetAccessToken"));
}

TEST_F(AccessTokenTest, ReadReportsBackendErrors) {
  CreateResult c = MustCreate(EnvToken());
  backend_->FailNext("GetAccessToken", absl::PermissionDeniedError("no"));
  auto r = Read(c.id, c.outputs, std::nullopt);
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.id));
}

TEST_F(AccessTokenTest, ImportRebuildsInputsAndWarnsTheValueIsLost) {
  const absl::Time at = clock_.Now() + absl::Hours(2);
  CreateResult c = MustCreate(EnvToken({{"expiresAt", Rfc3339(at)}, {"name", "ci"}}));
  auto r = Read(c.id, std::nullopt, std::nullopt);
  ASSERT_OK(r);
  EXPECT_EQ(r->inputs->at("kind").AsString(), "environment");
  EXPECT_EQ(r->inputs->at("name").AsString(), "ci");
  EXPECT_EQ(r->inputs->at("expiresAt").AsString(), Rfc3339(at));
  EXPECT_EQ(r->inputs->at("scopes"), PropertyValue(ReadScope("organization/default/dev")));
  EXPECT_EQ(r->outputs->count("value"), 0u);
  EXPECT_THAT(logger_.Warnings(), HasSubstr("cannot be recovered"));
  // The rebuilt inputs pass Check unchanged, so the next up is a no-op.
  EXPECT_EQ(Checked(*r->inputs), *r->inputs);
}

// --- Update and Delete ---------------------------------------------------

TEST_F(AccessTokenTest, UpdateRecordsRotateBeforeWithoutTheBackend) {
  PropertyMap old = Checked(EnvToken({{"expiresIn", "30d"}, {"rotateBefore", "7d"}}));
  CreateResult c = MustCreate(old);
  const int writes = backend_->Mutations();
  PropertyMap news = old;
  news["rotateBefore"] = "1d";
  auto u = Update(c.id, c.outputs, old, news);
  ASSERT_OK(u);
  EXPECT_EQ(u->outputs.at("rotateBefore").AsString(), "1d");
  EXPECT_EQ(u->outputs.at("value"), c.outputs.at("value"));
  EXPECT_EQ(u->outputs.at("tokenId"), c.outputs.at("tokenId"));
  news.erase("rotateBefore");
  auto dropped = Update(c.id, u->outputs, old, news);
  ASSERT_OK(dropped);
  EXPECT_EQ(dropped->outputs.count("rotateBefore"), 0u);
  EXPECT_EQ(backend_->Mutations(), writes);
}

TEST_F(AccessTokenTest, DeleteRevokesAndToleratesAGoneToken) {
  CreateResult c = MustCreate(EnvToken());
  ASSERT_OK(Delete(c.id, c.outputs, {}));
  EXPECT_TRUE(backend_->GetAccessToken(c.id)->revoked_at.has_value());
  EXPECT_OK(Delete(c.id, c.outputs, {}));                                // revoked already
  EXPECT_OK(Delete("ffffffffffffffffffffffffffffffff", c.outputs, {}));  // never existed
}

TEST_F(AccessTokenTest, DeleteReportsBackendErrors) {
  CreateResult c = MustCreate(EnvToken());
  backend_->FailNext("RevokeAccessToken", absl::UnavailableError("down"));
  absl::Status s = Delete(c.id, c.outputs, {});
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(std::string(s.message()), HasSubstr(c.id));
  EXPECT_FALSE(backend_->GetAccessToken(c.id)->revoked_at.has_value());
}

}  // namespace
}  // namespace escnative::resources::testing
