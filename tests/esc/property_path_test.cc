#include "provider/esc/property_path.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace escnative::esc {
namespace {

using ::testing::HasSubstr;

TEST(PropertyPathTest, Parses) {
  auto p = ParsePropertyPath("a[\"b.c\\\"\"][0].pulumiConfig.aws:region");
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->size(), 5u);
  EXPECT_EQ((*p)[0].key, "a");
  EXPECT_EQ((*p)[1].key, "b.c\"");
  EXPECT_TRUE((*p)[2].is_index);
  EXPECT_EQ((*p)[4].key, "aws:region");
  EXPECT_EQ(FormatPropertyPath(*p), "a[\"b.c\\\"\"][0].pulumiConfig[\"aws:region\"]");
}

TEST(PropertyPathTest, Errors) {
  for (const char* bad : {"", ".a", "a.", "a[", "a[x]", "a[\"x]", "a..b", "a[*]"}) {
    auto p = ParsePropertyPath(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_THAT(std::string(p.status().message()), HasSubstr("expected")) << bad;
    EXPECT_THAT(std::string(p.status().message()), HasSubstr("invalid property path")) << bad;
  }
}

}  // namespace
}  // namespace escnative::esc
