// Functional tests of the Store API: environments, revisions, etags, tags,
// deletion protection, access tokens and the audit log.
#include "provider/store/store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/store/store_test_util.h"
#include "tests/util/status_matchers.h"

namespace escnative::store {
namespace {

using ::escnative::store::testing::By;
using ::escnative::store::testing::Env;
using ::escnative::store::testing::FakeClock;
using ::escnative::store::testing::FastOptions;
using ::escnative::store::testing::TempDir;
using ::escnative::testing::IsOk;
using ::escnative::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(dir_.File("store.db"), FastOptions("pw", &clock_));
    ASSERT_OK(s);
    store_ = *std::move(s);
  }

  std::vector<std::string> AuditActions() {
    AuditQuery q;
    q.limit = 1000;
    auto events = store_->ListAuditEvents(q);
    EXPECT_OK(events);
    std::vector<std::string> out;
    for (const auto& e : *events) out.push_back(e.action);
    return out;
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, CreateMakesRevisionOneEmpty) {
  auto info = store_->CreateEnvironment(Env("dev"), "alice");
  ASSERT_OK(info);
  EXPECT_EQ(info->latest_revision, 1);
  EXPECT_FALSE(info->etag.empty());
  EXPECT_FALSE(info->deletion_protected);
  EXPECT_EQ(info->created, clock_.Now());

  auto def = store_->ReadDefinition(Env("dev"), "");
  ASSERT_OK(def);
  EXPECT_EQ(def->yaml, "");
  EXPECT_EQ(def->revision, 1);
  EXPECT_EQ(def->etag, info->etag);

  auto rev = store_->GetRevision(Env("dev"), 1);
  ASSERT_OK(rev);
  EXPECT_EQ(rev->creator, "alice");
  EXPECT_THAT(rev->tags, ElementsAre("latest"));

  EXPECT_THAT(store_->CreateEnvironment(Env("dev"), "bob"),
              StatusIs(absl::StatusCode::kAlreadyExists));
  auto same = store_->GetEnvironment(Env("dev"));
  ASSERT_OK(same);
  EXPECT_EQ(same->etag, info->etag);
}

TEST_F(StoreTest, NamesAreValidated) {
  EXPECT_THAT(store_->CreateEnvironment({"acme", "default", "has space"}, "a"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->CreateEnvironment({"", "default", "x"}, "a"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->CreateEnvironment({"acme", "default", ".."}, "a"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->CreateEnvironment(Env("ok"), ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->GetEnvironment(Env("missing")), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(StoreTest, ListByOrgAndProject) {
  ASSERT_OK(store_->CreateEnvironment(Env("prod", "p2"), "a"));
  ASSERT_OK(store_->CreateEnvironment(Env("dev", "p1"), "a"));
  ASSERT_OK(store_->CreateEnvironment(Env("base", "p1"), "a"));
  ASSERT_OK(store_->CreateEnvironment({"other", "p1", "x"}, "a"));
  auto all = store_->ListEnvironments("acme", "");
  ASSERT_OK(all);
  std::vector<std::string> names;
  for (const auto& e : *all) names.push_back(e.ref.ToString());
  EXPECT_THAT(names, ElementsAre("acme/p1/base", "acme/p1/dev", "acme/p2/prod"));
  auto p2 = store_->ListEnvironments("acme", "p2");
  ASSERT_OK(p2);
  ASSERT_EQ(p2->size(), 1u);
  EXPECT_EQ((*p2)[0].ref.name, "prod");
  auto none = store_->ListEnvironments("nobody", "");
  ASSERT_OK(none);
  EXPECT_THAT(*none, IsEmpty());
}

TEST_F(StoreTest, UpdatesCreateImmutableRevisionsWithEtags) {
  auto info = store_->CreateEnvironment(Env("dev"), "alice");
  ASSERT_OK(info);
  clock_.Advance(absl::Seconds(5));
  auto r2 = store_->UpdateDefinition(Env("dev"), "values:\n  a: 1\n", By("alice", info->etag));
  ASSERT_OK(r2);
  EXPECT_EQ(r2->number, 2);
  EXPECT_NE(r2->etag, info->etag);
  auto r3 = store_->UpdateDefinition(Env("dev"), "values:\n  a: 2\n", By("bob"));
  ASSERT_OK(r3);
  EXPECT_EQ(r3->number, 3);

  auto d2 = store_->ReadDefinition(Env("dev"), "2");
  ASSERT_OK(d2);
  EXPECT_EQ(d2->yaml, "values:\n  a: 1\n");
  EXPECT_EQ(d2->etag, r2->etag);
  auto latest = store_->ReadDefinition(Env("dev"), "latest");
  ASSERT_OK(latest);
  EXPECT_EQ(latest->yaml, "values:\n  a: 2\n");
  EXPECT_EQ(latest->revision, 3);

  auto revs = store_->ListRevisions(Env("dev"), std::nullopt, 0);
  ASSERT_OK(revs);
  ASSERT_EQ(revs->size(), 3u);
  EXPECT_EQ((*revs)[0].number, 3);
  EXPECT_EQ((*revs)[0].creator, "bob");
  EXPECT_EQ((*revs)[2].number, 1);
  auto page = store_->ListRevisions(Env("dev"), 3, 1);
  ASSERT_OK(page);
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].number, 2);

  EXPECT_THAT(store_->ReadDefinition(Env("dev"), "4"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->ReadDefinition(Env("dev"), "0"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->ReadDefinition(Env("dev"), "nosuchtag"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(StoreTest, StaleEtagIsAbortedAndWritesNothing) {
  auto info = store_->CreateEnvironment(Env("dev"), "alice");
  ASSERT_OK(info);
  ASSERT_OK(store_->UpdateDefinition(Env("dev"), "values: {a: 1}\n", By("alice", info->etag)));
  const size_t audit_before = AuditActions().size();
  auto stale = store_->UpdateDefinition(Env("dev"), "values: {a: 2}\n", By("bob", info->etag));
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(std::string(stale.status().message()), HasSubstr("etag mismatch"));
  auto latest = store_->ReadDefinition(Env("dev"), "");
  ASSERT_OK(latest);
  EXPECT_EQ(latest->revision, 2);
  EXPECT_EQ(latest->yaml, "values: {a: 1}\n");
  EXPECT_EQ(AuditActions().size(), audit_before);

  // Unconditional write (no etag) wins.
  EXPECT_OK(store_->UpdateDefinition(Env("dev"), "values: {a: 3}\n", By("carol")));
  EXPECT_THAT(store_->UpdateDefinition(Env("missing"), "", By("a")),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(StoreTest, PlaintextSecretsAreRefused) {
  ASSERT_OK(store_->CreateEnvironment(Env("dev"), "alice"));
  auto bad = store_->UpdateDefinition(
      Env("dev"), "values:\n  secrets:\n    key:\n      fn::secret: hunter2\n", By("alice"));
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("values.secrets.key"));
  EXPECT_EQ(std::string(bad.status().message()).find("hunter2"), std::string::npos);
  EXPECT_OK(store_->UpdateDefinition(
      Env("dev"),
      "values:\n  key:\n    fn::secret:\n      ciphertext: ZXNjeAAAAAEAAAAAAAAAAL+yukk=\n",
      By("alice")));
  auto latest = store_->GetEnvironment(Env("dev"));
  ASSERT_OK(latest);
  EXPECT_EQ(latest->latest_revision, 2);
}

TEST_F(StoreTest, RevisionTags) {
  ASSERT_OK(store_->CreateEnvironment(Env("dev"), "alice"));
  ASSERT_OK(store_->UpdateDefinition(Env("dev"), "values: {v: 2}\n", By("a")));
  ASSERT_OK(store_->UpdateDefinition(Env("dev"), "values: {v: 3}\n", By("a")));

  auto stable = store_->CreateRevisionTag(Env("dev"), "stable", 2, "alice");
  ASSERT_OK(stable);
  EXPECT_EQ(stable->revision, 2);
  auto dflt = store_->CreateRevisionTag(Env("dev"), "current", std::nullopt, "alice");
  ASSERT_OK(dflt);
  EXPECT_EQ(dflt->revision, 3);

  EXPECT_THAT(store_->CreateRevisionTag(Env("dev"), "stable", 1, "alice"),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(store_->CreateRevisionTag(Env("dev"), "latest", 1, "alice"),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(store_->UpdateRevisionTag(Env("dev"), "latest", 1, "alice"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->DeleteRevisionTag(Env("dev"), "latest", "alice"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->CreateRevisionTag(Env("dev"), "9lives", 1, "alice"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->CreateRevisionTag(Env("dev"), "future", 99, "alice"),
              StatusIs(absl::StatusCode::kNotFound));

  auto at_tag = store_->ReadDefinition(Env("dev"), "stable");
  ASSERT_OK(at_tag);
  EXPECT_EQ(at_tag->yaml, "values: {v: 2}\n");
  EXPECT_EQ(at_tag->revision, 2);

  auto moved = store_->UpdateRevisionTag(Env("dev"), "stable", 1, "bob");
  ASSERT_OK(moved);
  EXPECT_EQ(moved->editor, "bob");
  auto at_1 = store_->ReadDefinition(Env("dev"), "stable");
  ASSERT_OK(at_1);
  EXPECT_EQ(at_1->revision, 1);
  EXPECT_THAT(store_->UpdateRevisionTag(Env("dev"), "nosuch", 1, "bob"),
              StatusIs(absl::StatusCode::kNotFound));

  auto tags = store_->ListRevisionTags(Env("dev"));
  ASSERT_OK(tags);
  std::vector<std::string> names;
  for (const auto& t : *tags) names.push_back(t.name + "=" + std::to_string(t.revision));
  EXPECT_THAT(names, ElementsAre("current=3", "latest=3", "stable=1"));

  // "latest" follows new revisions; user tags do not.
  ASSERT_OK(store_->UpdateDefinition(Env("dev"), "values: {v: 4}\n", By("a")));
  auto latest_tag = store_->GetRevisionTag(Env("dev"), "latest");
  ASSERT_OK(latest_tag);
  EXPECT_EQ(latest_tag->revision, 4);
  auto current = store_->GetRevisionTag(Env("dev"), "current");
  ASSERT_OK(current);
  EXPECT_EQ(current->revision, 3);
  auto r1 = store_->GetRevision(Env("dev"), 1);
  ASSERT_OK(r1);
  EXPECT_THAT(r1->tags, ElementsAre("stable"));

  ASSERT_OK(store_->DeleteRevisionTag(Env("dev"), "stable", "alice"));
  EXPECT_THAT(store_->GetRevisionTag(Env("dev"), "stable"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->DeleteRevisionTag(Env("dev"), "stable", "alice"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(StoreTest, RollbackWritesOldDefinitionAsNewRevision) {
  auto info = store_->CreateEnvironment(Env("dev"), "alice");
  ASSERT_OK(info);
  ASSERT_OK(store_->UpdateDefinition(Env("dev"), "values: {v: good}\n", By("a")));
  auto bad = store_->UpdateDefinition(Env("dev"), "values: {v: bad}\n", By("a"));
  ASSERT_OK(bad);
  ASSERT_OK(store_->CreateRevisionTag(Env("dev"), "good", 2, "a"));
  EXPECT_THAT(store_->Rollback(Env("dev"), "good", By("a", info->etag)),
              StatusIs(absl::StatusCode::kAborted));
  auto rolled = store_->Rollback(Env("dev"), "good", By("ops", bad->etag));
  ASSERT_OK(rolled);
  EXPECT_EQ(rolled->number, 4);
  auto latest = store_->ReadDefinition(Env("dev"), "");
  ASSERT_OK(latest);
  EXPECT_EQ(latest->yaml, "values: {v: good}\n");
  auto old = store_->ReadDefinition(Env("dev"), "3");  // history intact
  ASSERT_OK(old);
  EXPECT_EQ(old->yaml, "values: {v: bad}\n");
}

TEST_F(StoreTest, RetractionHidesRevisionAndMovesTags) {
  ASSERT_OK(store_->CreateEnvironment(Env("dev"), "alice"));
  ASSERT_OK(store_->UpdateDefinition(Env("dev"), "values: {v: 2}\n", By("a")));
  ASSERT_OK(store_->UpdateDefinition(Env("dev"), "values: {v: 3}\n", By("a")));
  ASSERT_OK(store_->UpdateDefinition(Env("dev"), "values: {v: 4}\n", By("a")));
  ASSERT_OK(store_->CreateRevisionTag(Env("dev"), "pinned", 3, "a"));

  EXPECT_THAT(store_->RetractRevision(Env("dev"), 4, std::nullopt, "oops", "a"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK(store_->RetractRevision(Env("dev"), 3, std::nullopt, "leaked", "sec"));
  EXPECT_THAT(store_->ReadDefinition(Env("dev"), "3"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  auto pinned = store_->GetRevisionTag(Env("dev"), "pinned");
  ASSERT_OK(pinned);
  EXPECT_EQ(pinned->revision, 2);
  auto rev3 = store_->GetRevision(Env("dev"), 3);
  ASSERT_OK(rev3);
  ASSERT_TRUE(rev3->retraction.has_value());
  EXPECT_EQ(rev3->retraction->replacement, 2);
  EXPECT_EQ(rev3->retraction->by, "sec");
  EXPECT_THAT(store_->RetractRevision(Env("dev"), 3, std::nullopt, "", "a"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(store_->RetractRevision(Env("dev"), 1, std::nullopt, "", "a"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(store_->CreateRevisionTag(Env("dev"), "x", 3, "a"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(store_->Rollback(Env("dev"), "3", By("a")),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(StoreTest, RetractionWithExplicitReplacement) {
  ASSERT_OK(store_->CreateEnvironment(Env("dev"), "alice"));
  for (int v = 2; v <= 5; ++v) {
    ASSERT_OK(
        store_->UpdateDefinition(Env("dev"), "values: {v: " + std::to_string(v) + "}\n", By("a")));
  }
  ASSERT_OK(store_->CreateRevisionTag(Env("dev"), "canary", 3, "a"));
  EXPECT_THAT(store_->RetractRevision(Env("dev"), 3, 3, "", "a"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->RetractRevision(Env("dev"), 3, 42, "", "a"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK(store_->RetractRevision(Env("dev"), 3, 5, "bad config", "sec"));
  auto canary = store_->ReadDefinition(Env("dev"), "canary");
  ASSERT_OK(canary);
  EXPECT_EQ(canary->revision, 5);
  // A retracted revision cannot be a replacement.
  EXPECT_THAT(store_->RetractRevision(Env("dev"), 4, 3, "", "a"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  auto revs = store_->ListRevisions(Env("dev"), std::nullopt, 0);
  ASSERT_OK(revs);
  ASSERT_EQ(revs->size(), 5u);
  EXPECT_TRUE((*revs)[2].retraction.has_value());
  EXPECT_EQ((*revs)[2].retraction->reason, "bad config");
  EXPECT_THAT((*revs)[0].tags, ElementsAre("canary", "latest"));
  AuditQuery q;
  q.action = "revision.retract";
  auto events = store_->ListAuditEvents(q);
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].path, "revision:3");
}

TEST_F(StoreTest, EnvironmentTagValueOnlyUpdate) {
  ASSERT_OK(store_->CreateEnvironment(Env("dev"), "alice"));
  ASSERT_OK(store_->CreateEnvironmentTag(Env("dev"), "team", "a", "alice"));
  auto t = store_->UpdateEnvironmentTag(Env("dev"), "team", "team", "b", "bob");
  ASSERT_OK(t);
  auto got = store_->GetEnvironmentTag(Env("dev"), "team");
  ASSERT_OK(got);
  EXPECT_EQ(got->value, "b");
  EXPECT_THAT(store_->UpdateEnvironmentTag(Env("dev"), "missing", "x", "y", "bob"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(StoreTest, EnvironmentTags) {
  ASSERT_OK(store_->CreateEnvironment(Env("dev"), "alice"));
  ASSERT_OK(store_->CreateEnvironmentTag(Env("dev"), "team", "esc", "alice"));
  EXPECT_THAT(store_->CreateEnvironmentTag(Env("dev"), "team", "x", "alice"),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK(store_->CreateEnvironmentTag(Env("dev"), "cost-center", "42", "alice"));
  clock_.Advance(absl::Minutes(1));
  auto renamed = store_->UpdateEnvironmentTag(Env("dev"), "team", "owner", "platform", "bob");
  ASSERT_OK(renamed);
  EXPECT_EQ(renamed->name, "owner");
  EXPECT_EQ(renamed->value, "platform");
  EXPECT_EQ(renamed->editor, "bob");
  EXPECT_LT(renamed->created, renamed->modified);
  EXPECT_THAT(store_->UpdateEnvironmentTag(Env("dev"), "owner", "cost-center", "x", "bob"),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(store_->GetEnvironmentTag(Env("dev"), "team"), StatusIs(absl::StatusCode::kNotFound));
  auto tags = store_->ListEnvironmentTags(Env("dev"));
  ASSERT_OK(tags);
  ASSERT_EQ(tags->size(), 2u);
  EXPECT_EQ((*tags)[0].name, "cost-center");
  EXPECT_EQ((*tags)[1].name, "owner");
  ASSERT_OK(store_->DeleteEnvironmentTag(Env("dev"), "owner", "bob"));
  EXPECT_THAT(store_->DeleteEnvironmentTag(Env("dev"), "owner", "bob"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->CreateEnvironmentTag(Env("dev"), "", "v", "a"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(StoreTest, DeletionProtection) {
  ASSERT_OK(store_->CreateEnvironment(Env("prod"), "alice"));
  ASSERT_OK(store_->CreateRevisionTag(Env("prod"), "stable", 1, "alice"));
  ASSERT_OK(store_->CreateEnvironmentTag(Env("prod"), "team", "esc", "alice"));
  ASSERT_OK(store_->SetDeletionProtected(Env("prod"), true, "alice"));
  auto info = store_->GetEnvironment(Env("prod"));
  ASSERT_OK(info);
  EXPECT_TRUE(info->deletion_protected);

  absl::Status refused = store_->DeleteEnvironment(Env("prod"), "mallory");
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(refused.message()), HasSubstr("protect"));
  EXPECT_OK(store_->GetEnvironment(Env("prod")));

  ASSERT_OK(store_->SetDeletionProtected(Env("prod"), false, "alice"));
  ASSERT_OK(store_->DeleteEnvironment(Env("prod"), "alice"));
  EXPECT_THAT(store_->GetEnvironment(Env("prod")), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->DeleteEnvironment(Env("prod"), "alice"),
              StatusIs(absl::StatusCode::kNotFound));
  // Re-creating starts from revision 1 again with no leftover tags.
  auto again = store_->CreateEnvironment(Env("prod"), "alice");
  ASSERT_OK(again);
  EXPECT_EQ(again->latest_revision, 1);
  auto tags = store_->ListEnvironmentTags(Env("prod"));
  ASSERT_OK(tags);
  EXPECT_THAT(*tags, IsEmpty());
  EXPECT_THAT(store_->GetRevisionTag(Env("prod"), "stable"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_OK(store_->IntegrityCheck());
}

TEST_F(StoreTest, AccessTokensScopesExpiryRevoke) {
  AccessTokenSpec spec;
  spec.name = "ci";
  spec.description = "read-only CI token";
  spec.scopes = {{"acme/default/dev", Permission::kRead}, {"acme/shared/*", Permission::kOpen}};
  spec.expires_at = clock_.Now() + absl::Hours(720);
  auto created = store_->CreateAccessToken(spec, "alice");
  ASSERT_OK(created);
  const std::string value(created->value.Reveal());
  EXPECT_EQ(value.rfind("esc_", 0), 0u);
  EXPECT_EQ(created->token.kind, "environment");

  auto verified = store_->VerifyAccessToken(value);
  ASSERT_OK(verified);
  EXPECT_EQ(verified->id, created->token.id);
  ASSERT_EQ(verified->scopes.size(), 2u);
  EXPECT_EQ(verified->scopes[1].environment, "acme/shared/*");
  EXPECT_EQ(verified->scopes[1].permission, Permission::kOpen);
  ASSERT_TRUE(verified->last_used.has_value());
  EXPECT_EQ(*verified->last_used, clock_.Now());

  EXPECT_TRUE(TokenAllows(*verified, Env("dev"), Permission::kRead));
  EXPECT_FALSE(TokenAllows(*verified, Env("dev"), Permission::kOpen));
  EXPECT_FALSE(TokenAllows(*verified, Env("prod"), Permission::kRead));
  EXPECT_TRUE(TokenAllows(*verified, Env("anything", "shared"), Permission::kRead));
  EXPECT_TRUE(TokenAllows(*verified, Env("anything", "shared"), Permission::kOpen));
  EXPECT_FALSE(TokenAllows(*verified, Env("anything", "shared"), Permission::kWrite));

  // Wrong values: one uniform error that never echoes the input.
  std::string tampered = value;
  tampered.back() = tampered.back() == 'x' ? 'y' : 'x';
  for (const std::string& bad :
       {tampered, std::string("esc_nope"), std::string("pul-123"), std::string()}) {
    auto r = store_->VerifyAccessToken(bad);
    EXPECT_THAT(r, StatusIs(absl::StatusCode::kUnauthenticated));
    if (!bad.empty()) {
      EXPECT_EQ(std::string(r.status().message()).find(bad), std::string::npos);
    }
  }

  // Listing never includes values.
  auto list = store_->ListAccessTokens(false);
  ASSERT_OK(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "ci");

  // Expiry with the fake clock.
  clock_.Advance(absl::Hours(720));
  EXPECT_THAT(store_->VerifyAccessToken(value), StatusIs(absl::StatusCode::kUnauthenticated));
  auto active = store_->ListAccessTokens(false);
  ASSERT_OK(active);
  EXPECT_THAT(*active, IsEmpty());
  auto all = store_->ListAccessTokens(true);
  ASSERT_OK(all);
  EXPECT_EQ(all->size(), 1u);
}

TEST_F(StoreTest, RevokedTokenIsRejected) {
  AccessTokenSpec spec;
  spec.name = "t";
  spec.scopes = {{"acme/*/*", Permission::kAdmin}};
  auto created = store_->CreateAccessToken(spec, "alice");
  ASSERT_OK(created);
  ASSERT_OK(store_->VerifyAccessToken(created->value.Reveal()));
  ASSERT_OK(store_->RevokeAccessToken(created->token.id, "alice"));
  EXPECT_OK(store_->RevokeAccessToken(created->token.id, "alice"));  // idempotent
  EXPECT_THAT(store_->VerifyAccessToken(created->value.Reveal()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  auto got = store_->GetAccessToken(created->token.id);
  ASSERT_OK(got);
  EXPECT_TRUE(got->revoked_at.has_value());
  EXPECT_THAT(store_->RevokeAccessToken("0123456789abcdef0123456789abcdef", "a"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(StoreTest, TokenSpecValidation) {
  AccessTokenSpec spec;
  spec.scopes = {{"acme/default", Permission::kRead}};
  EXPECT_THAT(store_->CreateAccessToken(spec, "a"), StatusIs(absl::StatusCode::kInvalidArgument));
  spec.scopes = {{"acme/default/dev", Permission::kRead}};
  spec.kind = "robot";
  EXPECT_THAT(store_->CreateAccessToken(spec, "a"), StatusIs(absl::StatusCode::kInvalidArgument));
  spec.kind = "environment";
  spec.expires_at = clock_.Now() - absl::Seconds(1);
  EXPECT_THAT(store_->CreateAccessToken(spec, "a"), StatusIs(absl::StatusCode::kInvalidArgument));
  spec.expires_at.reset();
  spec.scopes.clear();
  EXPECT_THAT(store_->CreateAccessToken(spec, "a"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParsePermission("root"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(StoreTest, LastUsedIsRecordedAtMostOncePerMinute) {
  AccessTokenSpec spec;
  spec.scopes = {{"acme/default/dev", Permission::kRead}};
  auto created = store_->CreateAccessToken(spec, "alice");
  ASSERT_OK(created);
  const absl::Time t0 = clock_.Now();
  ASSERT_OK(store_->VerifyAccessToken(created->value.Reveal()));
  clock_.Advance(absl::Seconds(30));
  auto second = store_->VerifyAccessToken(created->value.Reveal());
  ASSERT_OK(second);
  EXPECT_EQ(*second->last_used, t0);
  clock_.Advance(absl::Seconds(31));
  auto third = store_->VerifyAccessToken(created->value.Reveal());
  ASSERT_OK(third);
  EXPECT_EQ(*third->last_used, clock_.Now());
}

TEST_F(StoreTest, AuditLogRecordsEveryChangeWithoutValues) {
  ASSERT_OK(store_->CreateEnvironment(Env("dev"), "alice"));
  UpdateOptions opts = By("bob");
  opts.audit_path = "values.secrets.api_key";
  ASSERT_OK(store_->UpdateDefinition(Env("dev"), "values: {a: visible-value}\n", opts));
  ASSERT_OK(store_->CreateRevisionTag(Env("dev"), "stable", 2, "carol"));
  ASSERT_OK(store_->SetDeletionProtected(Env("dev"), true, "alice"));
  AccessTokenSpec spec;
  spec.scopes = {{"acme/default/dev", Permission::kRead}};
  auto tok = store_->CreateAccessToken(spec, "alice");
  ASSERT_OK(tok);
  ASSERT_OK(store_->RevokeAccessToken(tok->token.id, "alice"));
  ASSERT_OK(store_->AppendAuditEvent("dave", "environment.open", "acme/default/dev", ""));

  EXPECT_THAT(
      AuditActions(),
      ElementsAre("store.create", "environment.create", "environment.update", "revision_tag.create",
                  "environment.settings", "token.create", "token.revoke", "environment.open"));
  AuditQuery q;
  q.actor = "bob";
  auto bob = store_->ListAuditEvents(q);
  ASSERT_OK(bob);
  ASSERT_EQ(bob->size(), 1u);
  EXPECT_EQ((*bob)[0].target, "acme/default/dev");
  EXPECT_EQ((*bob)[0].path, "values.secrets.api_key");
  EXPECT_EQ((*bob)[0].time, clock_.Now());

  q = AuditQuery();
  q.target_prefix = "token:";
  auto tokens = store_->ListAuditEvents(q);
  ASSERT_OK(tokens);
  ASSERT_EQ(tokens->size(), 2u);
  q = AuditQuery();
  q.limit = 2;
  auto page1 = store_->ListAuditEvents(q);
  ASSERT_OK(page1);
  ASSERT_EQ(page1->size(), 2u);
  q.after_sequence = (*page1)[1].sequence;
  auto page2 = store_->ListAuditEvents(q);
  ASSERT_OK(page2);
  ASSERT_EQ(page2->size(), 2u);
  EXPECT_GT((*page2)[0].sequence, (*page1)[1].sequence);
  q = AuditQuery();
  q.since = clock_.Now() + absl::Seconds(1);
  auto none = store_->ListAuditEvents(q);
  ASSERT_OK(none);
  EXPECT_THAT(*none, IsEmpty());

  // Nothing in the log carries a definition value or the token value.
  q = AuditQuery();
  q.limit = 1000;
  auto all = store_->ListAuditEvents(q);
  ASSERT_OK(all);
  const std::string token_value(tok->value.Reveal());
  for (const AuditEvent& e : *all) {
    for (const std::string* f : {&e.actor, &e.action, &e.target, &e.path}) {
      EXPECT_EQ(f->find("visible-value"), std::string::npos);
      EXPECT_EQ(f->find(token_value), std::string::npos);
    }
  }
}

TEST_F(StoreTest, SecretsAeadRoundTripsAndSurvivesReopen) {
  auto ct = store_->SecretsAead().Encrypt("s3cr3t", "acme/default/dev");
  ASSERT_OK(ct);
  store_.reset();
  auto again = Store::Open(dir_.File("store.db"), FastOptions("pw", &clock_));
  ASSERT_OK(again);
  auto pt = (*again)->SecretsAead().Decrypt(*ct, "acme/default/dev");
  ASSERT_OK(pt);
  EXPECT_EQ(pt->Reveal(), "s3cr3t");
}

TEST_F(StoreTest, ThreadsShareOneStoreWithoutLostUpdates) {
  ASSERT_OK(store_->CreateEnvironment(Env("counter"), "a"));
  constexpr int kThreads = 4;
  constexpr int kIncrements = 25;
  std::vector<std::thread> threads;
  std::atomic<int> conflicts{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        while (true) {
          auto def = store_->ReadDefinition(Env("counter"), "");
          ASSERT_OK(def);
          const int n = def->yaml.empty() ? 0 : std::stoi(def->yaml.substr(3));
          auto w = store_->UpdateDefinition(Env("counter"), "n: " + std::to_string(n + 1),
                                            By("t", def->etag));
          if (w.ok()) break;
          ASSERT_THAT(w, StatusIs(absl::StatusCode::kAborted));
          ++conflicts;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  auto def = store_->ReadDefinition(Env("counter"), "");
  ASSERT_OK(def);
  EXPECT_EQ(def->yaml, "n: " + std::to_string(kThreads * kIncrements));
  EXPECT_EQ(def->revision, 1 + kThreads * kIncrements);
}

TEST_F(StoreTest, GroupCommitKeepsEachWriteIndependent) {
  // Many threads race: the same environment name (exactly one create wins),
  // writes with deliberately stale etags (each must fail alone, without
  // taking the batch down) and good writes (all must land).
  ASSERT_OK(store_->CreateEnvironment(Env("target"), "a"));
  auto first = store_->GetEnvironment(Env("target"));
  ASSERT_OK(first);
  ASSERT_OK(store_->UpdateDefinition(Env("target"), "values: {x: 0}\n", By("a")));
  const std::string stale_etag = first->etag;
  constexpr int kThreads = 8;
  constexpr int kRounds = 20;
  std::atomic<int> created{0}, already{0}, stale_rejected{0}, good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        auto c = store_->CreateEnvironment(Env("race" + std::to_string(r)), "t");
        if (c.ok()) {
          ++created;
        } else if (c.status().code() == absl::StatusCode::kAlreadyExists) {
          ++already;
        }
        auto bad =
            store_->UpdateDefinition(Env("target"), "values: {x: stale}\n", By("t", stale_etag));
        if (bad.status().code() == absl::StatusCode::kAborted) ++stale_rejected;
        auto ok = store_->UpdateDefinition(
            Env("target"), "values: {x: " + std::to_string(t * 1000 + r) + "}\n", By("t"));
        if (ok.ok()) ++good;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(created.load(), kRounds);
  EXPECT_EQ(already.load(), (kThreads - 1) * kRounds);
  EXPECT_EQ(stale_rejected.load(), kThreads * kRounds);
  EXPECT_EQ(good.load(), kThreads * kRounds);
  auto target = store_->GetEnvironment(Env("target"));
  ASSERT_OK(target);
  EXPECT_EQ(target->latest_revision, 2 + kThreads * kRounds);
  auto revs = store_->ListRevisions(Env("target"), std::nullopt, 0);
  ASSERT_OK(revs);
  for (const RevisionInfo& rev : *revs) {
    auto def = store_->ReadDefinition(Env("target"), std::to_string(rev.number));
    ASSERT_OK(def);
    EXPECT_EQ(def->yaml.find("stale"), std::string::npos);
  }
  AuditQuery q;
  q.action = "environment.create";
  q.limit = 1000;
  auto creates = store_->ListAuditEvents(q);
  ASSERT_OK(creates);
  EXPECT_EQ(creates->size(), static_cast<size_t>(kRounds + 1));
  EXPECT_OK(store_->IntegrityCheck());
}

}  // namespace
}  // namespace escnative::store
