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

// A value that already overrides something gets the new base at the end of
// its chain (traces list every overridden definition), up to a bounded length.
TEST(ValueTest, MergeAppendsToAnExistingBaseChain) {
  ValuePtr oldest = MakeString("a");
  ValuePtr middle = Merge(MakeString("b"), oldest);
  ValuePtr top = Merge(MakeString("c"), MakeString("d"));
  ValuePtr m = Merge(top, middle);
  ASSERT_NE(m->base, nullptr);
  EXPECT_EQ(m->base->text, "d");
  ASSERT_NE(m->base->base, nullptr);
  EXPECT_EQ(m->base->base->text, "b");
  ASSERT_NE(m->base->base->base, nullptr);
  EXPECT_EQ(m->base->base->base->text, "a");

  ValuePtr chain = MakeString("0");
  for (int i = 1; i < 20; ++i) chain = Merge(MakeString(std::to_string(i)), chain);
  // A chain already longer than the bound is replaced, not copied.
  ValuePtr capped = Merge(chain, MakeString("new"));
  int links = 0;
  for (const Value* b = capped->base.get(); b != nullptr; b = b->base.get()) ++links;
  EXPECT_EQ(links, 1);
  EXPECT_EQ(capped->base->text, "new");
}

// Data has no definition of its own: every node gets the given one.
TEST(ValueTest, DefinedAtRedefinesEveryNodeAndDropsBases) {
  Range r;
  r.environment = "env";
  r.begin = {2, 3, 10};
  ValuePtr v = Merge(MakeObject({{"k", MakeArray({MakeString("x")})}}), MakeObject({}));
  ValuePtr d = DefinedAt(v, r);
  EXPECT_EQ(d->base, nullptr);
  EXPECT_EQ(d->def.environment, "env");
  EXPECT_EQ(d->object.at("k")->array[0]->def.begin.byte, 10);
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
  // As Go's strconv.Quote: an overlong form, a surrogate and a truncated
  // sequence are escaped byte by byte; a valid astral rune prints, a
  // non-printable one (a tag, private use) gets \U.
  EXPECT_EQ(
      GoQuote("\xc0\xaf|\xed\xa0\x80|\xe2\x82|\xf0\x9f\x98\x80|\xf3\xa0\x80\x81|\xf3\xb0\x80\x80"),
      "\"\\xc0\\xaf|\\xed\\xa0\\x80|\\xe2\\x82|\xf0\x9f\x98\x80|\\U000e0001|\\U000f0000\"");
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
