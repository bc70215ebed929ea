// LocalBackend's caches: the stored form a write remembers for the next one,
// and evaluated opens keyed by the etags of their import closure.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "provider/backend/local_backend.h"
#include "provider/esc/definition_data.h"
#include "provider/esc/json_encoding.h"
#include "tests/store/store_test_util.h"
#include "tests/util/status_matchers.h"

namespace escnative::backend {
namespace {

using ::escnative::store::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

class LocalBackendCacheTest : public ::testing::Test {
 protected:
  std::unique_ptr<LocalBackend> Open() {
    LocalBackendOptions o;
    o.path = dir_.File("store.db");
    o.credential = crypto::Credential::Passphrase(crypto::SecretBytes::CopyFrom("pass"));
    o.organization = "myorg";
    o.actor = "alice";
    o.kdf_params = crypto::KdfParams::FastForTesting();
    auto b = LocalBackend::Open(std::move(o));
    EXPECT_OK(b);
    return b.ok() ? *std::move(b) : nullptr;
  }
  static EnvironmentRef Ref(const std::string& name) { return {"myorg", "default", name}; }

  TempDir dir_;
};

TEST_F(LocalBackendCacheTest, StoredFormIsWhatTheStoredDefinitionParsesTo) {
  auto b = Open();
  ASSERT_OK(b->CreateEnvironment(Ref("dev")));
  const std::string yaml =
      "values:\n  secrets:\n    k:\n      fn::secret: sk-PLAIN\n  n: 0x1F\n  f: 1.50\n"
      "  s: 'yes'\n  list: [a, {b: null}]\n  \"x.y\": ${n}\n  empty: {}\n";
  ASSERT_OK(b->UpdateDefinition(Ref("dev"), yaml, std::nullopt));
  auto def = b->GetDefinition(Ref("dev"), "", /*decrypt=*/false);
  ASSERT_OK(def);
  ASSERT_NE(def->data, nullptr);
  auto parsed = esc::DefinitionToJson(def->yaml);
  ASSERT_OK(parsed);
  EXPECT_EQ(*def->data, *parsed);
  EXPECT_THAT(def->data->dump(), Not(HasSubstr("sk-PLAIN")));
  // Decrypted reads never carry it.
  auto plain = b->GetDefinition(Ref("dev"), "", /*decrypt=*/true);
  ASSERT_OK(plain);
  EXPECT_EQ(plain->data, nullptr);
}

TEST_F(LocalBackendCacheTest, AWriteByAnotherProcessIsNotMistakenForTheRemembered) {
  auto a = Open();
  auto other = Open();  // another process on the same file
  ASSERT_OK(a->CreateEnvironment(Ref("dev")));
  ASSERT_OK(a->UpdateDefinition(Ref("dev"), "values:\n  a: 1\n  b: 2\n", std::nullopt));
  ASSERT_OK(other->UpdateDefinition(Ref("dev"), "values:\n  a: 1\n  c: 3\n", std::nullopt));
  auto def = a->GetDefinition(Ref("dev"), "", false);
  ASSERT_OK(def);
  EXPECT_EQ(def->data, nullptr);  // a newer revision a did not write
  // The audit's changed paths are against the real latest (c), not a's
  // remembered revision (b).
  ASSERT_OK(a->UpdateDefinition(Ref("dev"), "values:\n  a: 1\n  c: 4\n", std::nullopt));
  store::AuditQuery q;
  q.action = "environment.update";
  auto events = a->ListAuditEvents(q);
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 3u);
  EXPECT_THAT(events->back().paths, ElementsAre("values.c"));
}

std::string Json(const absl::StatusOr<Evaluation>& e) {
  return e.ok() ? esc::ToJsonText(*e->root, esc::Redaction::kReveal) : e.status().ToString();
}

TEST_F(LocalBackendCacheTest, AWriteAnywhereInTheClosureInvalidatesACachedOpen) {
  auto b = Open();
  for (const char* n : {"base", "dev", "child"}) ASSERT_OK(b->CreateEnvironment(Ref(n)));
  ASSERT_OK(
      b->UpdateDefinition(Ref("base"), "values:\n  v: one\n  k: {fn::secret: s1}\n", std::nullopt));
  ASSERT_OK(b->UpdateDefinition(Ref("dev"), "imports: [base]\nvalues:\n  d: ${v}\n", std::nullopt));
  ASSERT_OK(
      b->UpdateDefinition(Ref("child"), "imports: [dev]\nvalues:\n  c: ${d}-${k}\n", std::nullopt));
  EXPECT_THAT(Json(b->OpenEnvironment(Ref("child"), "")), HasSubstr("\"c\":\"one-s1\""));
  EXPECT_THAT(Json(b->OpenEnvironment(Ref("child"), "")), HasSubstr("\"c\":\"one-s1\""));
  // The root, the middle and the far end of the closure.
  ASSERT_OK(
      b->UpdateDefinition(Ref("base"), "values:\n  v: two\n  k: {fn::secret: s1}\n", std::nullopt));
  EXPECT_THAT(Json(b->OpenEnvironment(Ref("child"), "")), HasSubstr("\"c\":\"two-s1\""));
  ASSERT_OK(
      b->UpdateDefinition(Ref("dev"), "imports: [base]\nvalues:\n  d: ${v}!\n", std::nullopt));
  EXPECT_THAT(Json(b->OpenEnvironment(Ref("child"), "")), HasSubstr("\"c\":\"two!-s1\""));
  ASSERT_OK(
      b->UpdateDefinition(Ref("child"), "imports: [dev]\nvalues:\n  c: ${k}\n", std::nullopt));
  EXPECT_THAT(Json(b->OpenEnvironment(Ref("child"), "")), HasSubstr("\"c\":\"s1\""));
  // Another process's write (its own backend on the file) counts too.
  auto other = Open();
  ASSERT_OK(other->UpdateDefinition(Ref("base"), "values:\n  v: three\n  k: {fn::secret: s2}\n",
                                    std::nullopt));
  EXPECT_THAT(Json(b->OpenEnvironment(Ref("child"), "")), HasSubstr("\"c\":\"s2\""));
  // A tag an import names moving, and an environment deleted and re-created.
  ASSERT_OK(b->CreateRevisionTag(Ref("base"), "stable", 2));
  ASSERT_OK(b->UpdateDefinition(Ref("dev"), "imports: [base@stable]\nvalues:\n  d: ${v}\n",
                                std::nullopt));
  ASSERT_OK(
      b->UpdateDefinition(Ref("child"), "imports: [dev]\nvalues:\n  c: ${d}\n", std::nullopt));
  EXPECT_THAT(Json(b->OpenEnvironment(Ref("child"), "")), HasSubstr("\"c\":\"one\""));
  ASSERT_OK(b->UpdateRevisionTag(Ref("base"), "stable", 3));
  EXPECT_THAT(Json(b->OpenEnvironment(Ref("child"), "")), HasSubstr("\"c\":\"two\""));
  ASSERT_OK(b->UpdateDefinition(Ref("dev"), "imports: [base]\nvalues:\n  d: ${v}\n", std::nullopt));
  EXPECT_THAT(Json(b->OpenEnvironment(Ref("child"), "")), HasSubstr("\"c\":\"three\""));
  ASSERT_OK(b->DeleteEnvironment(Ref("base")));
  EXPECT_FALSE(b->OpenEnvironment(Ref("child"), "").ok());
  ASSERT_OK(b->CreateEnvironment(Ref("base")));
  ASSERT_OK(b->UpdateDefinition(Ref("base"), "values:\n  v: four\n", std::nullopt));
  EXPECT_THAT(Json(b->OpenEnvironment(Ref("child"), "")), HasSubstr("\"c\":\"four\""));
}

TEST_F(LocalBackendCacheTest, EveryOpenHasADurableAuditEventCachedOrNot) {
  auto b = Open();
  ASSERT_OK(b->CreateEnvironment(Ref("base")));
  ASSERT_OK(b->UpdateDefinition(Ref("base"), "values:\n  k: {fn::secret: s1}\n", std::nullopt));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (!b->OpenEnvironment(Ref("base"), "").ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  // Read back through a fresh backend: the events are in the file.
  store::AuditQuery q;
  q.action = "environment.open";
  q.limit = 1000;
  auto events = Open()->ListAuditEvents(q);
  ASSERT_OK(events);
  EXPECT_EQ(events->size(), 200u);
}

TEST(OpenCacheTest, CallersGetCopiesAndEvictedEntriesAreWiped) {
  OpenCache cache(absl::Seconds(5), 2);
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  esc::ValuePtr secret = esc::MakeString("sk-CACHED");
  esc::ValuePtr root = esc::MakeObject({{"a", secret}, {"b", secret}});
  cache.Put("k", OpenCache::Entry{{}, 3, root, {}}, t0);
  std::optional<OpenCache::Entry> hit = cache.Find("k", t0 + absl::Seconds(1));
  ASSERT_TRUE(hit.has_value());
  EXPECT_NE(hit->root.get(), root.get());
  EXPECT_EQ(hit->revision, 3);
  // Sharing inside the tree is kept.
  EXPECT_EQ(hit->root->object.at("a").get(), hit->root->object.at("b").get());
  // Expired: gone, and the copies already handed out are untouched.
  EXPECT_FALSE(cache.Find("k", t0 + absl::Seconds(6)).has_value());
  EXPECT_EQ(hit->root->object.at("a")->text, "sk-CACHED");
  EXPECT_EQ(secret->text, "sk-CACHED");
  // Wipe overwrites every string of a tree.
  esc::ValuePtr copy = OpenCache::Copy(root);
  OpenCache::Wipe(copy);
  EXPECT_EQ(copy->object.at("a")->text, std::string(9, '\0'));
  EXPECT_EQ(root->object.at("a")->text, "sk-CACHED");
  // Bounded.
  for (int i = 0; i < 5; ++i) cache.Put(std::to_string(i), OpenCache::Entry{{}, i, root, {}}, t0);
  EXPECT_FALSE(cache.Find("0", t0).has_value());
  EXPECT_TRUE(cache.Find("4", t0).has_value());
}

}  // namespace
}  // namespace escnative::backend
