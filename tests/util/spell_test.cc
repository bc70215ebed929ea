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

// ESC's rule: case and underscores ignored, distance below ceil(len/2).
TEST(Spell, NearestMatchFollowsEsc) {
  auto nearest = [](std::string_view word, std::vector<std::string> candidates) {
    NearestMatch m(word);
    for (const std::string& c : candidates) m.Offer(c);
    return m.best();
  };
  EXPECT_EQ(nearest("Fooo", {"bar", "foo"}), "foo");
  EXPECT_EQ(nearest("api_key", {"APIKEY", "apiKeys"}), "APIKEY");
  EXPECT_EQ(nearest("nmae", {"name"}), "");  // distance 2 is not below 2
  EXPECT_EQ(nearest("", {"a"}), "");
  EXPECT_EQ(nearest(std::string(300, 'a'), {std::string(300, 'a')}), "");  // too long to try
}

}  // namespace
}  // namespace escnative::util
