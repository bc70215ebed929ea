#include "provider/value/property_path.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/util/status_matchers.h"

namespace escnative {
namespace {

using ::escnative::testing::StatusIs;

TEST(PropertyPath, ParsesAndPrints) {
  struct Case {
    const char* in;
    const char* out;
    size_t size;
  } cases[] = {
      {"a", "a", 1},
      {"a.b[0]", "a.b[0]", 3},
      {"a[\"x.y\"].c", "a[\"x.y\"].c", 3},
      {"tags[\"team\"]", "tags.team", 2},
      {"values.secrets.openai_api_key", "values.secrets.openai_api_key", 3},
      {"a[\"q\\\"uote\"]", "a[\"q\\\"uote\"]", 2},
      {"fn::secret", "[\"fn::secret\"]", 1},
      // A name runs to the next '.' or '[' (esc.md §5.3).
      {"pulumiConfig.aws:region", "pulumiConfig[\"aws:region\"]", 2},
      {"a[\"b.c\\\"\"][0]", "a[\"b.c\\\"\"][0]", 3},
      // `\"` is the only escape: any other backslash is part of the key.
      {"a[\"x\\y\"]", "a[\"x\\y\"]", 2},
      {"a[\"x\\\\y\"]", "a[\"x\\\\y\"]", 2},
      {"a[007]", "a[7]", 2},
  };
  for (const auto& c : cases) {
    auto p = PropertyPath::Parse(c.in);
    ASSERT_TRUE(p.ok()) << c.in << ": " << p.status();
    EXPECT_EQ(p->size(), c.size) << c.in;
    EXPECT_EQ(p->ToString(), c.out) << c.in;
  }
}

TEST(PropertyPath, RejectsMalformedWithPosition) {
  for (const char* bad : {"", "a.", ".a", "a[", "a[x]", "a[\"x\"", "a[1", "a..b", "a[0]b",
                          "a[12345678901]", "a[1234567890]", "a[-1]", "a[*]", "a[\"x]"}) {
    auto p = PropertyPath::Parse(bad);
    EXPECT_THAT(p, StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
    if (!p.ok() && *bad != '\0') {
      EXPECT_NE(p.status().message().find("invalid property path"), absl::string_view::npos)
          << p.status();
      EXPECT_NE(p.status().message().find(" at offset "), absl::string_view::npos) << p.status();
    }
  }
}

TEST(PropertyPath, KeysAndIndexes) {
  auto p = PropertyPath::Parse("a[\"q\\\"uote\"][3].b");
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->size(), 4u);
  EXPECT_EQ(std::get<std::string>(p->elements()[1]), "q\"uote");
  EXPECT_EQ(std::get<size_t>(p->elements()[2]), 3u);
  EXPECT_EQ(std::get<std::string>(p->elements()[3]), "b");
}

TEST(PropertyPath, EchoesControlCharactersEscaped) {
  auto p = PropertyPath::Parse("a\x1b[x]");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message().find('\x1b'), absl::string_view::npos) << p.status();
}

TEST(PropertyPath, LookupThroughSecrets) {
  PropertyMap root{{"a", PropertyValue::MakeSecret(PropertyMap{{"b", PropertyArray{10, 20}}})},
                   {"u", PropertyValue::MakeUnknown()}};
  auto found = Lookup(root, *PropertyPath::Parse("a.b[1]"));
  ASSERT_NE(found.value, nullptr);
  EXPECT_EQ(*found.value, PropertyValue(20));
  EXPECT_TRUE(found.secret);
  EXPECT_EQ(Lookup(root, *PropertyPath::Parse("a.b[2]")).value, nullptr);
  EXPECT_EQ(Lookup(root, *PropertyPath::Parse("a.c")).value, nullptr);
  auto through_unknown = Lookup(root, *PropertyPath::Parse("u.x"));
  EXPECT_EQ(through_unknown.value, nullptr);
  EXPECT_TRUE(through_unknown.unknown);
}

TEST(PropertyPath, SetCreatesIntermediatesAndErases) {
  PropertyMap root;
  ASSERT_OK(SetPath(root, *PropertyPath::Parse("a.b[2].c"), "v"));
  const auto& arr = root.at("a").AsObject().at("b").AsArray();
  ASSERT_EQ(arr.size(), 3u);
  EXPECT_TRUE(arr[0].IsNull());
  EXPECT_EQ(arr[2].AsObject().at("c"), PropertyValue("v"));
  EXPECT_THAT(SetPath(root, *PropertyPath::Parse("a.b.c"), 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(ErasePath(root, *PropertyPath::Parse("a.b[2].c")));
  EXPECT_FALSE(ErasePath(root, *PropertyPath::Parse("a.b[2].c")));
  EXPECT_TRUE(ErasePath(root, *PropertyPath::Parse("a")));
  EXPECT_TRUE(root.empty());
}

TEST(PropertyPath, HasPrefix) {
  auto p = *PropertyPath::Parse("tags.team");
  EXPECT_TRUE(p.HasPrefix(*PropertyPath::Parse("tags")));
  EXPECT_TRUE(p.HasPrefix(p));
  EXPECT_FALSE(p.HasPrefix(*PropertyPath::Parse("tag")));
  EXPECT_FALSE(PropertyPath::Parse("tags")->HasPrefix(p));
}

}  // namespace
}  // namespace escnative
