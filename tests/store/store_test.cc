// Functional tests of the Store API: environments, revisions, etags, tags
// and deletion protection (tokens, audit and concurrency: store_tokens_test.cc).
#include <string>
#include <vector>

#include "tests/store/store_fixture.h"

namespace escnative::store {
namespace {

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

}  // namespace
}  // namespace escnative::store
