#include "provider/resources/input_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "provider/resources/schema_resource.h"

namespace escnative::resources {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;

const ResourceSchema& Schema(const char* token) {
  return *PackageSchema::Get().FindResource(token);
}

std::vector<CheckFailure> Validate(const char* token, const PropertyMap& inputs) {
  std::vector<CheckFailure> failures;
  ValidateObject(Schema(token).inputs, inputs, &failures);
  return failures;
}

TEST(InputCheck, AcceptsValidInputs) {
  EXPECT_TRUE(Validate("esc:index:Environment",
                       {{"name", "dev"},
                        {"imports", PropertyArray{"base"}},
                        {"values", PropertyMap{{"a", PropertyMap{{"b", 1}}}}},
                        {"tags", PropertyMap{{"team", "esc"}}},
                        {"deletionProtected", true}})
                  .empty());
}

TEST(InputCheck, ReportsPathAndExpectation) {
  auto f = Validate("esc:index:Environment",
                    {{"name", 5},
                     {"imports", PropertyArray{"base", 3}},
                     {"tags", PropertyMap{{"team", true}, {"with space", 1}}},
                     {"deletionProtected", "yes"}});
  EXPECT_THAT(f, ElementsAre(CheckFailure{"deletionProtected", "expected a boolean, got a string"},
                             CheckFailure{"imports[1]", "expected a string, got a number"},
                             CheckFailure{"name", "expected a string, got a number"},
                             CheckFailure{"tags.team", "expected a string, got a boolean"},
                             CheckFailure{"tags[\"with space\"]", "expected a string, got a number"}));
}

TEST(InputCheck, MissingRequiredAndUnknownNames) {
  auto f = Validate("esc:index:Environment", {{"nmae", "dev"}});
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].property, "nmae");
  EXPECT_THAT(f[0].reason, HasSubstr("did you mean \"name\"?"));
  EXPECT_EQ(f[1].property, "name");
  EXPECT_THAT(f[1].reason, HasSubstr("missing required property \"name\""));
  // null counts as absent
  EXPECT_EQ(Validate("esc:index:Environment", {{"name", PropertyValue()}}).size(), 1u);
}

TEST(InputCheck, EnumsAndNestedObjects) {
  auto f = Validate("esc:index:AccessToken",
                    {{"kind", "enviroment"},
                     {"scopes", PropertyArray{PropertyMap{{"environment", "o/p/e"},
                                                          {"permission", "raed"}},
                                              PropertyMap{{"permission", "read"}}}}});
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].property, "kind");
  EXPECT_THAT(f[0].reason, HasSubstr("did you mean \"environment\"?"));
  EXPECT_EQ(f[1].property, "scopes[0].permission");
  EXPECT_THAT(f[1].reason, HasSubstr("one of \"read\", \"open\", \"write\", \"admin\""));
  EXPECT_EQ(f[2].property, "scopes[1].environment");
}

TEST(InputCheck, IntegersAndUnknownsAndSecrets) {
  auto f = Validate("esc:index:EnvironmentVersionTag",
                    {{"environment", PropertyValue::MakeUnknown()},
                     {"tagName", PropertyValue::MakeSecret("stable")},
                     {"revision", 1.5}});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].property, "revision");
  // A secret with the wrong type is reported without its value.
  auto g = Validate("esc:index:AccessToken", {{"kind", PropertyValue::MakeSecret("s3cr3t-kind")}});
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].reason.find("s3cr3t"), std::string::npos);
}

TEST(SchemaCheck, KeepsInputsAndMarksSecretProperties) {
  CheckRequest req;
  req.news = {{"environment", "o/p/e"}, {"path", "a.b"}, {"value", "plain-value"}};
  CheckResult r = SchemaCheck(Schema("esc:index:Secret"), req);
  EXPECT_TRUE(r.failures.empty());
  ASSERT_TRUE(r.inputs.at("value").IsSecret()) << "schema marks value secret";
  EXPECT_EQ(r.inputs.at("path"), PropertyValue("a.b"));
}

}  // namespace
}  // namespace escnative::resources
