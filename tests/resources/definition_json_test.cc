#include "provider/resources/definition_json.h"

#include <gtest/gtest.h>

#include "provider/esc/definition_data.h"
#include "provider/resources/esc_values.h"
#include "tests/util/status_matchers.h"

namespace escnative::resources {
namespace {

using json = nlohmann::ordered_json;
using ::escnative::testing::StatusIs;

PropertyPath P(const char* text) { return *PropertyPath::Parse(text); }

TEST(DefinitionJson, SetEraseAndPruneEmptyParents) {
  json root = json::object();
  ASSERT_OK(JsonSet(root, P("values.secrets.a"), "1"));
  ASSERT_OK(JsonSet(root, P("values.secrets.b"), "2"));
  EXPECT_EQ(*JsonAt(root, P("values.secrets.b")), "2");
  EXPECT_THAT(JsonSet(root, P("values.secrets.a.deeper"), 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(JsonErase(root, P("values.secrets.a")));
  EXPECT_TRUE(JsonErase(root, P("values.secrets.b")));
  // secrets became empty and was pruned; `values` stays (depth 1).
  EXPECT_EQ(JsonAt(root, P("values.secrets")), nullptr);
  EXPECT_FALSE(JsonErase(root, P("values.secrets.b")));
}

// The environment writer applies a batch's edits to one document in place:
// a set that fails must leave it exactly as it was.
TEST(DefinitionJson, FailedSetChangesNothing) {
  json root = json::parse(R"({"values":{"s":"text","list":[1]}})");
  const json before = root;
  for (const char* bad : {"values.s.deeper", "values.fresh[0]", "values.fresh.more[0].x",
                          "values.list[5]", "values.list[1][0]", "values.s[0]"}) {
    EXPECT_THAT(JsonSet(root, P(bad), 1), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
    EXPECT_EQ(root, before) << bad;
  }
  ASSERT_OK(JsonSet(root, P("values.list[1]"), 2));
  ASSERT_OK(JsonSet(root, P("values.fresh.more"), 3));
  EXPECT_EQ(root, json::parse(R"({"values":{"s":"text","list":[1,2],"fresh":{"more":3}}})"));
}

TEST(DefinitionJson, LeafPathsStopAtSecretsAndScalars) {
  PropertyMap values{{"a", PropertyMap{{"b", 1}, {"c", PropertyValue::MakeSecret(PropertyMap{{"x", 1}})}}},
                     {"list", PropertyArray{1, 2}},
                     {"empty", PropertyMap{}}};
  std::vector<std::string> got;
  for (const auto& p : LeafPaths(values)) got.push_back(p.ToString());
  EXPECT_EQ(got, (std::vector<std::string>{"a.b", "a.c", "empty", "list"}));
}

TEST(DefinitionJson, ContainsFnSecretAnywhere) {
  EXPECT_TRUE(ContainsFnSecret(json::parse(R"({"values":{"a":[{"fn::secret":"x"}]}})")));
  EXPECT_FALSE(ContainsFnSecret(json::parse(R"({"values":{"fn::secretish":1}})")));
}

TEST(EscValues, ToDefinitionJsonWritesSecretsAsFnSecret) {
  auto j = ToDefinitionJson(PropertyValue(PropertyMap{{"k", PropertyValue::MakeSecret(5)},
                                                      {"s", PropertyValue::MakeSecret("t")},
                                                      {"n", 1.5},
                                                      {"i", 3}}),
                            "values");
  ASSERT_OK(j);
  EXPECT_EQ(j->dump(), R"({"i":3,"k":{"fn::secret":"5"},"n":1.5,"s":{"fn::secret":"t"}})");
  auto bad = ToDefinitionJson(PropertyValue(PropertyMap{{"o", PropertyValue::MakeSecret(PropertyMap{})}}),
                              "values");
  ASSERT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(bad.status().message().substr(0, 8), "values.o");
  EXPECT_THAT(ToDefinitionJson(PropertyValue::MakeUnknown(), "v"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(EscValues, DefinitionRoundTripsThroughYaml) {
  json def = json::parse(R"({"imports":["base"],"values":{"z":1,"a":{"fn::secret":"p"},"s":"${a}","f":2.5,"b":true,"n":null,"t":"yes"}})");
  std::string yaml = esc::DefinitionToYaml(def);
  auto back = esc::DefinitionToJson(yaml);
  ASSERT_OK(back);
  EXPECT_EQ(*back, def) << yaml;  // order, types and the string "yes" survive
}

TEST(EscValues, FromJsonConvertsPlainData) {
  PropertyValue v = FromJson(json::parse(R"({"a":[1,"x",false,null]})"));
  EXPECT_EQ(v, PropertyValue(PropertyMap{{"a", PropertyArray{1, "x", false, PropertyValue()}}}));
}

}  // namespace
}  // namespace escnative::resources
