#include "provider/esc/json_encoding.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace escnative::esc {
namespace {

TEST(JsonEncodingTest, GoStringEscaping) {
  EXPECT_EQ(GoJsonString("a<b>&c"), "\"a\\u003cb\\u003e\\u0026c\"");
  EXPECT_EQ(GoJsonString("a<b", /*escape_html=*/false), "\"a<b\"");
  EXPECT_EQ(GoJsonString("q\"\\\n\t\r\b\f\x01"), "\"q\\\"\\\\\\n\\t\\r\\b\\f\\u0001\"");
  EXPECT_EQ(GoJsonString("\xe2\x80\xa8|\xe2\x80\xa9"), "\"\\u2028|\\u2029\"");
  EXPECT_EQ(GoJsonString("bad\xff"), "\"bad\\ufffd\"");
  EXPECT_EQ(GoJsonString("é"), "\"é\"");
}

TEST(JsonEncodingTest, SortedIndentedRedacted) {
  ValuePtr v = MakeObject({{"b", MarkSecret(MakeString("s"), false)},
                           {"a", MakeArray({MakeNumber("1.50"), MakeUnknown()})},
                           {"c", MakeObject({})}});
  EXPECT_EQ(ToJsonText(*v, Redaction::kRedact),
            R"({"a":[1.50,"[unknown]"],"b":"[secret]","c":{}})");
  EXPECT_EQ(ToJsonText(*v, Redaction::kReveal, 2),
            "{\n  \"a\": [\n    1.50,\n    \"[unknown]\"\n  ],\n  \"b\": \"s\",\n  \"c\": {}\n}");
}

TEST(JsonEncodingTest, SecretUnknownRedactsAsSecret) {
  ValuePtr v = MarkSecret(MakeUnknown(), false);
  EXPECT_EQ(ToJson(*v, Redaction::kRedact), "[secret]");
  EXPECT_EQ(ToJson(*v, Redaction::kReveal), "[unknown]");
}

TEST(JsonEncodingTest, DecodeFirstValueKeepsNumberText) {
  auto v = DecodeJson(" {\"x\": [1e3, -0.5, true, null, \"\\u00e9\\ud83d\\ude00\"]} garbage");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(ToJsonText(**v, Redaction::kReveal), "{\"x\":[1e3,-0.5,true,null,\"é😀\"]}");
}

TEST(JsonEncodingTest, DecodeErrors) {
  EXPECT_EQ(DecodeJson("").status().message(), "unexpected EOF");
  EXPECT_EQ(DecodeJson("[1,").status().message(), "unexpected EOF");
  EXPECT_EQ(DecodeJson("x").status().message(),
            "invalid character 'x' looking for beginning of value");
  EXPECT_EQ(DecodeJson("{1:2}").status().message(),
            "invalid character '1' looking for beginning of object key string");
  EXPECT_FALSE(DecodeJson(std::string(1000, '[')).ok());
}

TEST(JsonEncodingTest, DetailedValue) {
  Range r{"env", {3, 17, 26}, {3, 24, 33}};
  ValuePtr v = MarkSecret(MakeString("hunter2", r), false);
  EXPECT_EQ(ToDetailedJson(*v).dump(),
            R"({"secret":true,"trace":{"def":{"begin":{"byte":26,"column":17,"line":3},)"
            R"("end":{"byte":33,"column":24,"line":3},"environment":"env"}},"value":"hunter2"})");
}

}  // namespace
}  // namespace escnative::esc
