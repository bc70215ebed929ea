// Functional tests of the Store API: access tokens, the audit log, the
// secrets key, and threads sharing one store (group commit).
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/store/store_fixture.h"

namespace escnative::store {
namespace {

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
