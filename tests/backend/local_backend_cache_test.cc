// LocalBackend's caches: the stored form a write remembers for the next one,
// and evaluated opens keyed by the etags of their import closure.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

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

}  // namespace
}  // namespace escnative::backend
