#include "provider/util/spell.h"

#include <gtest/gtest.h>

namespace escnative::util {
namespace {

TEST(Spell, EditDistance) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("nmae", "name"), 1u);
  EXPECT_EQ(Levenshtein("nmae", "name"), 2u);
  EXPECT_EQ(Levenshtein("kitten", "sitting"), 3u);
}

TEST(Spell, ClosestMatchOnlyForLikelyTypos) {
  std::vector<std::string> c = {"name", "project", "organization"};
  EXPECT_EQ(ClosestMatch("nmae", c), "name");
  EXPECT_EQ(ClosestMatch("projet", c), "project");
  EXPECT_EQ(ClosestMatch("zzzzzz", c), "");
}

}  // namespace
}  // namespace escnative::util
