// gmock matchers for absl::Status / StatusOr (Abseil 20220623 ships none).
#ifndef TESTS_UTIL_STATUS_MATCHERS_H_
#define TESTS_UTIL_STATUS_MATCHERS_H_

#include <gmock/gmock.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace escnative::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& s = ::escnative::testing::GetStatus(arg);
  if (!s.ok()) *result_listener << "status is " << s;
  return s.ok();
}

MATCHER_P(StatusIs, code, "has status code " + ::testing::PrintToString(code)) {
  const absl::Status& s = ::escnative::testing::GetStatus(arg);
  *result_listener << "status is " << s;
  return s.code() == code;
}

}  // namespace escnative::testing

#define ASSERT_OK(expr) ASSERT_THAT((expr), ::escnative::testing::IsOk())
#define EXPECT_OK(expr) EXPECT_THAT((expr), ::escnative::testing::IsOk())

#endif  // TESTS_UTIL_STATUS_MATCHERS_H_
