#include "provider/util/duration.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/util/status_matchers.h"

namespace escnative::util {
namespace {

using ::escnative::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ParsePositiveDuration, GoSyntaxAndDays) {
  EXPECT_EQ(*ParsePositiveDuration("720h"), absl::Hours(720));
  EXPECT_EQ(*ParsePositiveDuration("1h30m"), absl::Minutes(90));
  EXPECT_EQ(*ParsePositiveDuration("30d"), absl::Hours(720));
  EXPECT_EQ(*ParsePositiveDuration("87600h"), kMaxDuration);
  EXPECT_EQ(*ParsePositiveDuration("3650d"), kMaxDuration);
}

TEST(ParsePositiveDuration, RefusesNonPositiveAndGarbage) {
  for (const char* text : {"", "0s", "-5h", "0d", "-1d", "h", "5x", "1.5d", "d"}) {
    EXPECT_THAT(ParsePositiveDuration(text), StatusIs(absl::StatusCode::kInvalidArgument)) << text;
  }
}

TEST(ParsePositiveDuration, BoundedAtTenYears) {
  // Each of these once gave an expiry in the far future or an overflow.
  for (const char* text :
       {"87601h", "3651d", "100000000000d", "9223372036854775807d", "2562047h", "100000000000h"}) {
    auto d = ParsePositiveDuration(text);
    EXPECT_THAT(d, StatusIs(absl::StatusCode::kInvalidArgument)) << text;
    EXPECT_THAT(std::string(d.status().message()), HasSubstr("10 years")) << text;
  }
}

TEST(ParsePositiveDuration, EchoesSafely) {
  auto d = ParsePositiveDuration("bad\n\x1b[2J");
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(std::string(d.status().message()), HasSubstr("bad\\n\\x1B[2J"));
}

}  // namespace
}  // namespace escnative::util
