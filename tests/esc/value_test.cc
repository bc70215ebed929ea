#include "provider/esc/value.h"

#include "gtest/gtest.h"
#include "provider/esc/json_encoding.h"

namespace escnative::esc {
namespace {

std::string J(const ValuePtr& v) { return ToJsonText(*v, Redaction::kReveal); }

TEST(ValueTest, MergeObjectsRecursivelyOthersReplace) {
  ValuePtr base = MakeObject({{"a", MakeObject({{"x", MakeNumber("1")}, {"y", MakeNumber("2")}})},
                              {"l", MakeArray({MakeNumber("1"), MakeNumber("2")})},
                              {"s", MakeString("base")},
                              {"n", MakeString("kept")}});
  ValuePtr top = MakeObject({{"a", MakeObject({{"y", MakeNumber("3")}})},
                             {"l", MakeArray({MakeNumber("9")})},
                             {"s", MakeObject({{"k", MakeNull()}})},
                             {"n", MakeNull()}});
  ValuePtr m = Merge(top, base);
  EXPECT_EQ(J(m), R"({"a":{"x":1,"y":3},"l":[9],"n":null,"s":{"k":null}})");
  EXPECT_EQ(m->base, base);
  EXPECT_EQ(m->object.at("l")->base, base->object.at("l"));
}

TEST(ValueTest, ToStringRules) {
  ValuePtr v = MakeObject({{"b", MakeArray({MakeString("x\"y"), MakeNull(), MakeBool(true)})},
                           {"a", MakeNumber("1.5")}});
  EXPECT_EQ(ToString(*v), R"("a"="1.5","b"="\"x\\\"y\",\"\",\"true\"")");
  EXPECT_EQ(ToString(*MakeUnknown()), "[unknown]");
}

TEST(ValueTest, GoQuote) {
  EXPECT_EQ(GoQuote("a\"b\\c\n\x01\x7f é\xe2\x80\xa8\xff"),
            "\"a\\\"b\\\\c\\n\\x01\\x7f é\\u2028\\xff\"");
}

TEST(ValueTest, SecretAndUnknownQueries) {
  ValuePtr v = MakeArray({MakeString("a"), MarkSecret(MakeString("s"), false)});
  EXPECT_TRUE(ContainsSecret(*v));
  EXPECT_FALSE(v->secret);
  ValuePtr deep = MarkSecret(v, true);
  EXPECT_TRUE(deep->array[0]->secret);
  EXPECT_FALSE(ContainsUnknown(*v));
  EXPECT_TRUE(ContainsUnknown(*MakeArray({MakeUnknown()})));
}

TEST(ValueTest, SizeTracksExpandedValues) {
  ValuePtr leaf = MakeString("abcd");
  ValuePtr v = MakeArray({leaf, leaf});
  EXPECT_EQ(v->size, 1u + 2 * 5u);
}

}  // namespace
}  // namespace escnative::esc
