// How refused input is quoted back in messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "provider/backend/local_backend.h"
#include "tests/util/status_matchers.h"

namespace escnative::backend {
namespace {

using ::escnative::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(EchoedNames, AreEscapedAndCapped) {
  auto r = ParseEnvironmentRef("proj/\x1b[31mred", "myorg", "default");
  ASSERT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  std::string message(r.status().message());
  EXPECT_THAT(message, HasSubstr("\\x1B[31mred"));
  EXPECT_THAT(message, Not(HasSubstr("\x1b")));

  std::string huge(100 * 1024, 'n');
  r = ParseEnvironmentRef("proj/" + huge + "!", "myorg", "default");
  ASSERT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_LT(r.status().message().size(), 1000u);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("…"));
  EXPECT_THAT(ValidateVersion("\x1b]0;title\x07", "env"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(ValidateVersion("\x1b]0;title\x07", "env").message()),
              Not(HasSubstr("\x1b")));
}

}  // namespace
}  // namespace escnative::backend
