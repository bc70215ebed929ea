// Randomised model check: a long random sequence of operations runs against
// the store and against a tiny in-memory model of ESC's versioning rules;
// every status code and every read must agree.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "provider/store/store.h"
#include "tests/store/store_test_util.h"
#include "tests/util/status_matchers.h"

namespace escnative::store {
namespace {

using ::escnative::store::testing::By;
using ::escnative::store::testing::Env;
using ::escnative::store::testing::FastOptions;
using ::escnative::store::testing::TempDir;

struct ModelEnv {
  std::vector<std::string> revisions;  // [0] is revision 1
  std::vector<std::string> etags;      // etag per revision (from the store)
  std::map<std::string, int64_t> tags;
  bool is_protected = false;
};

class ModelTest : public ::testing::TestWithParam<int> {};

TEST_P(ModelTest, StoreAgreesWithModel) {
  TempDir dir;
  auto opened = Store::Open(dir.File("model.db"), FastOptions("pw"));
  ASSERT_OK(opened);
  Store& store = **opened;
  std::mt19937 rng(static_cast<unsigned>(GetParam()));
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  std::map<std::string, ModelEnv> model;
  const std::vector<std::string> names = {"a", "b", "c"};
  const std::vector<std::string> tag_names = {"stable", "prod", "v1"};

  for (int step = 0; step < 400; ++step) {
    const std::string name = names[pick(3)];
    const EnvironmentRef ref = Env(name);
    auto it = model.find(name);
    const bool exists = it != model.end();
    SCOPED_TRACE("seed " + std::to_string(GetParam()) + " step " + std::to_string(step));
    switch (pick(8)) {
      case 0: {  // create
        auto r = store.CreateEnvironment(ref, "m");
        if (exists) {
          ASSERT_EQ(r.status().code(), absl::StatusCode::kAlreadyExists);
        } else {
          ASSERT_OK(r);
          model[name] = ModelEnv{{""}, {r->etag}, {}, false};
        }
        break;
      }
      case 1:
      case 2: {  // update: current etag, stale etag or none
        const std::string yaml = "values: {step: " + std::to_string(step) + "}\n";
        const int mode = pick(3);
        std::optional<std::string> etag;
        if (exists && mode == 0) etag = it->second.etags.back();
        if (exists && mode == 1 && it->second.etags.size() > 1) etag = it->second.etags.front();
        auto r = store.UpdateDefinition(ref, yaml, By("m", etag));
        if (!exists) {
          ASSERT_EQ(r.status().code(), absl::StatusCode::kNotFound);
        } else if (etag.has_value() && *etag != it->second.etags.back()) {
          ASSERT_EQ(r.status().code(), absl::StatusCode::kAborted);
        } else {
          ASSERT_OK(r);
          it->second.revisions.push_back(yaml);
          it->second.etags.push_back(r->etag);
          ASSERT_EQ(r->number, static_cast<int64_t>(it->second.revisions.size()));
        }
        break;
      }
      case 3: {  // tag create / update / delete
        const std::string tag = tag_names[pick(3)];
        const int64_t rev = 1 + pick(6);
        const int op = pick(3);
        const bool has_tag = exists && it->second.tags.count(tag) > 0;
        const bool rev_ok = exists && rev <= static_cast<int64_t>(it->second.revisions.size());
        if (op == 0) {
          auto r = store.CreateRevisionTag(ref, tag, rev, "m");
          if (!exists) {
            ASSERT_EQ(r.status().code(), absl::StatusCode::kNotFound);
          } else if (has_tag) {
            ASSERT_EQ(r.status().code(), absl::StatusCode::kAlreadyExists);
          } else if (!rev_ok) {
            ASSERT_EQ(r.status().code(), absl::StatusCode::kNotFound);
          } else {
            ASSERT_OK(r);
            it->second.tags[tag] = rev;
          }
        } else if (op == 1) {
          auto r = store.UpdateRevisionTag(ref, tag, rev, "m");
          if (!exists || !has_tag || !rev_ok) {
            ASSERT_EQ(r.status().code(), absl::StatusCode::kNotFound);
          } else {
            ASSERT_OK(r);
            it->second.tags[tag] = rev;
          }
        } else {
          absl::Status s = store.DeleteRevisionTag(ref, tag, "m");
          if (!exists || !has_tag) {
            ASSERT_EQ(s.code(), absl::StatusCode::kNotFound);
          } else {
            ASSERT_OK(s);
            it->second.tags.erase(tag);
          }
        }
        break;
      }
      case 4: {  // read at latest, a number or a tag
        std::string version;
        int64_t expect_rev = 0;
        const int how = pick(3);
        if (how == 0) {
          version = "";
          if (exists) expect_rev = static_cast<int64_t>(it->second.revisions.size());
        } else if (how == 1) {
          expect_rev = 1 + pick(6);
          version = std::to_string(expect_rev);
          if (exists && expect_rev > static_cast<int64_t>(it->second.revisions.size())) {
            expect_rev = -1;
          }
        } else {
          version = tag_names[pick(3)];
          if (exists) {
            auto t = it->second.tags.find(version);
            expect_rev = t == it->second.tags.end() ? -1 : t->second;
          }
        }
        auto r = store.ReadDefinition(ref, version);
        if (!exists || expect_rev < 0) {
          ASSERT_EQ(r.status().code(), absl::StatusCode::kNotFound);
        } else {
          ASSERT_OK(r);
          ASSERT_EQ(r->revision, expect_rev);
          ASSERT_EQ(r->yaml, it->second.revisions[expect_rev - 1]);
          ASSERT_EQ(r->etag, it->second.etags[expect_rev - 1]);
        }
        break;
      }
      case 5: {  // toggle protection
        const bool on = pick(2) == 0;
        absl::Status s = store.SetDeletionProtected(ref, on, "m");
        if (!exists) {
          ASSERT_EQ(s.code(), absl::StatusCode::kNotFound);
        } else {
          ASSERT_OK(s);
          it->second.is_protected = on;
        }
        break;
      }
      case 6: {  // delete
        absl::Status s = store.DeleteEnvironment(ref, "m");
        if (!exists) {
          ASSERT_EQ(s.code(), absl::StatusCode::kNotFound);
        } else if (it->second.is_protected) {
          ASSERT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
        } else {
          ASSERT_OK(s);
          model.erase(it);
        }
        break;
      }
      case 7: {  // metadata agrees
        auto r = store.GetEnvironment(ref);
        if (!exists) {
          ASSERT_EQ(r.status().code(), absl::StatusCode::kNotFound);
        } else {
          ASSERT_OK(r);
          ASSERT_EQ(r->latest_revision, static_cast<int64_t>(it->second.revisions.size()));
          ASSERT_EQ(r->etag, it->second.etags.back());
          ASSERT_EQ(r->deletion_protected, it->second.is_protected);
          auto tags = store.ListRevisionTags(ref);
          ASSERT_OK(tags);
          ASSERT_EQ(tags->size(), it->second.tags.size() + 1);  // + latest
        }
        break;
      }
    }
  }
  auto listed = store.ListEnvironments("acme", "");
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), model.size());
  ASSERT_OK(store.IntegrityCheck());
}

INSTANTIATE_TEST_SUITE_P(Seeds, ModelTest, ::testing::Values(1, 2, 3, 4, 5));

}  // namespace
}  // namespace escnative::store
