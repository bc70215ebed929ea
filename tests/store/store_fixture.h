// The fixture of the Store API's functional tests: a fresh store on a
// temporary file with a fake clock and the cheapest KDF.
#ifndef TESTS_STORE_STORE_FIXTURE_H_
#define TESTS_STORE_STORE_FIXTURE_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "provider/store/store.h"
#include "tests/store/store_test_util.h"
#include "tests/util/status_matchers.h"

namespace escnative::store {

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

}  // namespace escnative::store

#endif  // TESTS_STORE_STORE_FIXTURE_H_
