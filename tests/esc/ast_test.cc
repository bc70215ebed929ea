#include "provider/esc/ast.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace escnative::esc {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Summaries(const ParseResult& r) {
  std::vector<std::string> out;
  for (const Diagnostic& d : r.diagnostics) out.push_back(d.summary);
  return out;
}

const Expr& Value(const ParseResult& r, const std::string& key) {
  for (const ObjectProperty& p : r.environment->values->properties) {
    if (p.key == key) return *p.value;
  }
  static const Expr kNone;
  ADD_FAILURE() << "no key " << key;
  return kNone;
}

TEST(AstTest, ImportForms) {
  ParseResult r = ParseEnvironment("env",
                                   "imports:\n  - a\n  - proj/b@stable\n  - c: {merge: false}\n"
                                   "  - {d: 1, e: 2}\n  - [x]\n  - f: {merge: maybe}\n");
  EXPECT_THAT(Summaries(r),
              ElementsAre("import must have a single key", "import must be a string or an object",
                          "merge must be a boolean"));
  ASSERT_EQ(r.environment->imports.size(), 4u);
  EXPECT_EQ(r.environment->imports[1].environment, "proj/b@stable");
  EXPECT_FALSE(r.environment->imports[2].merge);
  EXPECT_TRUE(r.environment->imports[3].merge);
  EXPECT_EQ(r.environment->imports[2].path, "imports[2]");
}

TEST(AstTest, TopLevelKeys) {
  ParseResult r = ParseEnvironment("env", "values: {a: 1}\nVALUES: {b: 2}\ndescription: hi\n");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].summary, "duplicate key \"VALUES\"");
  EXPECT_EQ(r.diagnostics[0].severity, Severity::kError);
  EXPECT_EQ(r.environment->values->properties[0].key, "b");  // last wins
  EXPECT_EQ(r.environment->description, "hi");
  EXPECT_THAT(Summaries(ParseEnvironment("env", "[1]\n")),
              ElementsAre("environment must be an object"));
}

TEST(AstTest, ExpressionKinds) {
  ParseResult r = ParseEnvironment(
      "env",
      "values:\n  sym: ${a.b}\n  interp: x ${a}\n  lit: a$$b\n  call: {fn::toJSON: 1}\n"
      "  open: {fn::open::aws-login: {x: 1}}\n");
  EXPECT_TRUE(r.diagnostics.empty());
  EXPECT_EQ(Value(r, "sym").kind, Expr::Kind::kSymbol);
  EXPECT_EQ(Value(r, "interp").kind, Expr::Kind::kInterpolate);
  EXPECT_EQ(Value(r, "lit").kind, Expr::Kind::kString);
  EXPECT_EQ(Value(r, "lit").text, "a$b");
  EXPECT_EQ(Value(r, "call").builtin, Builtin::kToJSON);
  EXPECT_EQ(Value(r, "open").provider, "aws-login");
  EXPECT_EQ(Value(r, "open").path, "values.open");
  EXPECT_EQ(Value(r, "open").arg->path, "values.open[\"fn::open::aws-login\"]");
  // Accessor ranges point into the string: ${a.b} starts at column 8.
  const PropertyAccessor& b = Value(r, "sym").parts[0].accessors[1];
  EXPECT_EQ(b.range.begin.column, 11);
  EXPECT_EQ(b.range.end.column, 13);
}

TEST(AstTest, ReservedPrefixAndKeys) {
  ParseResult r = ParseEnvironment(
      "env", "values:\n  a: {fn::nope: 1}\n  b: {fn::join: [a, []], x: 1}\n  c: {\"${k}\": 1}\n");
  EXPECT_THAT(
      Summaries(r),
      ElementsAre("'fn::' is a reserved prefix",
                  "illegal call to builtin function: \"fn::join\" must be the only key within its "
                  "containing object",
                  "object keys must be strings"));
  EXPECT_EQ(Value(r, "a").kind, Expr::Kind::kObject);
}

TEST(AstTest, ProviderCallShapes) {
  ParseResult r = ParseEnvironment(
      "env",
      "values:\n  a: {fn::open: {provider: [x], inputs: 1}}\n"
      "  b: {fn::open::test: null}\n  c: {fn::rotate: {provider: p, inputs: {}, state: 1}}\n"
      "  d: {fn::secret: [1]}\n  e: {fn::open: 1}\n");
  EXPECT_THAT(
      Summaries(r),
      ElementsAre("provider name must be a string literal", "missing provider inputs ('inputs')",
                  "rotation state must be an object literal",
                  "secret values must be string literals",
                  "the argument to fn::open must be an object containing 'provider' and 'inputs'"));
  EXPECT_EQ(r.diagnostics[0].path, "values.a[\"fn::open\"].provider");
}

}  // namespace
}  // namespace escnative::esc
