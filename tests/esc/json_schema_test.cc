#include "provider/esc/json_schema.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "provider/esc/json_encoding.h"

namespace escnative::esc {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Errors(const char* schema, const char* value) {
  auto s = Schema::FromJson(nlohmann::json::parse(schema));
  EXPECT_TRUE(s.ok()) << s.status();
  std::vector<SchemaError> errors;
  (*s)->Validate(**DecodeJson(value), &errors);
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.summary);
  return out;
}

TEST(SchemaTest, Messages) {
  EXPECT_THAT(Errors(R"({"type":"string"})", "1"), ElementsAre("expected string, got number"));
  EXPECT_THAT(Errors(R"({"required":["a","b"]})", "{}"),
              ElementsAre("missing required properties: a, b"));
  EXPECT_THAT(Errors(R"({"const":["hello",42]})", "1"), ElementsAre("expected [\"hello\",42]"));
  EXPECT_THAT(Errors(R"({"enum":["foo","bar"]})", "\"x\""),
              ElementsAre("expected one of [\"foo\",\"bar\"]"));
  EXPECT_THAT(Errors(R"({"multipleOf":2})", "3"), ElementsAre("expected a multiple of 2"));
  EXPECT_THAT(Errors(R"({"minimum":1})", "0"),
              ElementsAre("expected a number greater than or equal to 1"));
  EXPECT_THAT(Errors(R"({"exclusiveMinimum":1})", "1"),
              ElementsAre("expected a number greater than 1"));
  EXPECT_THAT(Errors(R"({"maximum":1})", "2"),
              ElementsAre("expected a number less than or equal to1"));
  EXPECT_THAT(Errors(R"({"exclusiveMaximum":1})", "1"),
              ElementsAre("expected a number less than 1"));
  EXPECT_THAT(Errors(R"({"minLength":2})", "\"a\""),
              ElementsAre("expected a string of at least length 2"));
  EXPECT_THAT(Errors(R"({"pattern":"^foo[0-9]+$"})", "\"bar\""),
              ElementsAre("string must match the pattern \"^foo[0-9]+$\""));
  EXPECT_THAT(Errors(R"({"minItems":3})", "[1]"),
              ElementsAre("expected an array with at least 3 items"));
  EXPECT_THAT(Errors(R"({"maxProperties":1})", R"({"a":1,"b":2})"),
              ElementsAre("expected an object with at most 1 properties"));
  EXPECT_THAT(Errors(R"({"anyOf":[{"type":"string"},{"type":"boolean"}]})", "1"),
              ElementsAre("at least one subschema must match", "expected string, got number",
                          "expected boolean, got number"));
  EXPECT_THAT(Errors(R"({"properties":{"a":{"$ref":"#/$defs/s"}},"$defs":{"s":{"type":"string"}}})",
                     R"({"a":1})"),
              ElementsAre("expected string, got number"));
  EXPECT_TRUE(Errors(R"(true)", "1").empty());
}

TEST(SchemaTest, InvalidSchemas) {
  EXPECT_FALSE(Schema::FromJson(nlohmann::json::parse(R"({"type":"nope"})")).ok());
  EXPECT_FALSE(Schema::FromJson(nlohmann::json::parse(R"({"pattern":"("})")).ok());
  EXPECT_FALSE(Schema::FromJson(nlohmann::json::parse("3")).ok());
}

TEST(SchemaTest, AccessOnUnknownValues) {
  auto s = *Schema::FromJson(nlohmann::json::parse(
      R"({"type":"object","properties":{"s":{"type":"string"},"a":{"type":"array"}},"additionalProperties":false})"));
  std::string error;
  EXPECT_NE(s->Property("s", &error), nullptr);
  EXPECT_EQ(s->Property("s", &error)->Property("x", &error), nullptr);
  EXPECT_EQ(error, "receiver must be an array or an object");
  error.clear();
  EXPECT_EQ(s->Property("zz", &error), nullptr);
  EXPECT_EQ(error, "unknown property \"zz\"");
  error.clear();
  EXPECT_EQ(s->Item(0, &error), nullptr);
  EXPECT_EQ(error, "cannot access an object property using an integer index");
}

}  // namespace
}  // namespace escnative::esc

namespace escnative::esc {
namespace {

TEST(SchemaTest, DefsDoNotFormOwnershipCycles) {
  std::weak_ptr<const Schema> weak;
  {
    auto s = Schema::FromJson(nlohmann::json::parse(
        R"({"$ref":"#/$defs/a","$defs":{"a":{"properties":{"x":{"$ref":"#/$defs/a"}}}}})"));
    ASSERT_TRUE(s.ok());
    weak = *s;
    std::vector<SchemaError> errors;
    (*s)->Validate(**DecodeJson(R"({"x":{"x":1}})"), &errors);
    EXPECT_TRUE(errors.empty());
  }
  EXPECT_TRUE(weak.expired());
}

}  // namespace
}  // namespace escnative::esc
