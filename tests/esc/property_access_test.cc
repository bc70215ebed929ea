#include "provider/esc/property_access.h"

#include "gtest/gtest.h"

namespace escnative::esc {
namespace {

std::vector<RawPart> Parse(std::string_view s, std::vector<AccessError>* errors) {
  return ParseInterpolation(s, errors);
}

TEST(PropertyAccessTest, LiteralAndEscapes) {
  std::vector<AccessError> errors;
  auto parts = Parse("a$$b $${x} $", &errors);
  EXPECT_TRUE(errors.empty());
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_FALSE(parts[0].has_access);
  EXPECT_EQ(parts[0].text, "a$b ${x} $");
}

TEST(PropertyAccessTest, Accessors) {
  std::vector<AccessError> errors;
  auto parts = Parse("x ${a.b-c[\"k.\\\"q\"][+1].aws:region} y", &errors);
  EXPECT_TRUE(errors.empty());
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].text, "x ");
  const auto& acc = parts[0].accessors;
  ASSERT_EQ(acc.size(), 5u);
  EXPECT_EQ(acc[0].key, "a");
  EXPECT_EQ(acc[1].key, "b-c");
  EXPECT_EQ(acc[2].key, "k.\"q");
  EXPECT_TRUE(acc[3].is_index);
  EXPECT_EQ(acc[3].index, 1);
  EXPECT_EQ(acc[4].key, "aws:region");
  EXPECT_EQ(acc[1].begin, 5);  // ranges include the dot
  EXPECT_EQ(parts[1].text, " y");
}

struct ErrorCase {
  const char* input;
  const char* summary;
  int begin;
  int end;
};

class AccessErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(AccessErrorTest, ReportsFirstError) {
  std::vector<AccessError> errors;
  Parse(GetParam().input, &errors);
  ASSERT_FALSE(errors.empty()) << GetParam().input;
  EXPECT_EQ(errors[0].summary, GetParam().summary);
  EXPECT_EQ(errors[0].begin, GetParam().begin);
  EXPECT_EQ(errors[0].end, GetParam().end);
}

INSTANTIATE_TEST_SUITE_P(
    Grammar, AccessErrorTest,
    ::testing::Values(
        ErrorCase{"${", "missing closing brace '}' in interpolation", 2, 2},
        ErrorCase{"${a b}", "missing closing brace '}' in interpolation", 3, 3},
        ErrorCase{"${foo.}", "property name must not be empty", 5, 6},
        ErrorCase{"${a[1}", "subscript is missing closing bracket ']'", 3, 5},
        ErrorCase{"${a[\"foo]}", "subscript is missing closing bracket ']'", 3, 10},
        ErrorCase{"${a[\"\"]}", "key subscript must not be empty", 4, 6},
        ErrorCase{"${a[x]}", "numeric subscript must be a positive base-10 integer", 4, 5},
        ErrorCase{"${[2]}",
                  "the first accessor must be a property name or key subscript, not a numeric "
                  "subscript",
                  2, 4}));

TEST(PropertyAccessTest, EmptyNameIsNotASyntaxError) {
  std::vector<AccessError> errors;
  auto parts = Parse("${}", &errors);
  EXPECT_TRUE(errors.empty());
  ASSERT_EQ(parts[0].accessors.size(), 1u);
  EXPECT_EQ(parts[0].accessors[0].key, "");
}

TEST(PropertyAccessTest, LeadingDotTolerated) {
  std::vector<AccessError> errors;
  auto parts = Parse("${.bad}", &errors);
  EXPECT_TRUE(errors.empty());
  ASSERT_EQ(parts[0].accessors.size(), 1u);
  EXPECT_EQ(parts[0].accessors[0].key, "bad");
}

}  // namespace
}  // namespace escnative::esc
