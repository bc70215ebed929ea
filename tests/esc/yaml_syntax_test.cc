#include "provider/esc/yaml_syntax.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace escnative::esc {
namespace {

using Kind = SyntaxNode::Kind;
using ::testing::HasSubstr;

SyntaxNode ParseOk(std::string_view text) {
  SyntaxParseResult r = ParseYaml("env", text);
  EXPECT_TRUE(r.ok);
  return r.root;
}

TEST(YamlSyntaxTest, RecordsPositionsAndEnds) {
  SyntaxNode root = ParseOk("values:\n  foo: bar\n  q: \"quoted\"\n");
  ASSERT_EQ(root.kind, Kind::kObject);
  const SyntaxNode& values = root.entries[0].value;
  const SyntaxEntry& foo = values.entries[0];
  EXPECT_EQ(foo.key_range.begin.line, 2);
  EXPECT_EQ(foo.key_range.begin.column, 3);
  EXPECT_EQ(foo.key_range.begin.byte, 10);
  EXPECT_EQ(foo.key_range.end.column, 6);
  EXPECT_EQ(foo.value.range.begin.column, 8);
  EXPECT_EQ(foo.value.range.end.column, 11);
  EXPECT_EQ(foo.value.range.environment, "env");
  // Quoted scalars end at start + decoded length (the reference's rule).
  const SyntaxNode& q = values.entries[1].value;
  EXPECT_EQ(q.range.begin.column, 6);
  EXPECT_EQ(q.range.end.column, 12);
  // A mapping starts at its first key and ends at its last value.
  EXPECT_EQ(values.range.begin.line, 2);
  EXPECT_EQ(values.range.end.line, 3);
  EXPECT_EQ(values.range.end.column, 12);
}

// One-line plain scalars are taken from the input as written; everything
// else goes through libfyaml's text formatting. Both must agree with YAML.
TEST(YamlSyntaxTest, PlainScalarTextAsYamlDefinesIt) {
  SyntaxNode root = ParseOk(
      "a: two  words   \n"
      "b: x # a comment\n"
      "c: tab\tinside\n"
      "d: first\n  second\n\n  third\n"
      "e: [p q, r]\n"
      "f: {k: v w}\n"
      "g: 'it''s'\n"
      "h: \"\\u00e9\"\n"
      "i: caf\xc3\xa9 \xe2\x82\xac\n");
  ASSERT_EQ(root.entries.size(), 9u);
  EXPECT_EQ(root.entries[0].value.text, "two  words");
  EXPECT_EQ(root.entries[1].value.text, "x");
  EXPECT_EQ(root.entries[2].value.text, "tab\tinside");
  EXPECT_EQ(root.entries[3].value.text, "first second\nthird");
  EXPECT_EQ(root.entries[4].value.items[0].text, "p q");
  EXPECT_EQ(root.entries[5].value.entries[0].value.text, "v w");
  EXPECT_EQ(root.entries[6].value.text, "it's");
  EXPECT_EQ(root.entries[7].value.text, "\xc3\xa9");
  EXPECT_EQ(root.entries[8].value.text, "caf\xc3\xa9 \xe2\x82\xac");
  EXPECT_EQ(root.entries[8].value.range.end.column, 10);
}

TEST(YamlSyntaxTest, ColumnsCountCharactersNotBytes) {
  SyntaxNode root = ParseOk("é: ü\n");
  EXPECT_EQ(root.entries[0].value.range.begin.column, 4);
  EXPECT_EQ(root.entries[0].value.range.begin.byte, 4);
}

// The reference's position index has no entry for a last line without a
// newline: its byte offsets are 0 (lines and columns are kept).
TEST(YamlSyntaxTest, LastLineWithoutNewlineHasNoByteOffsets) {
  SyntaxNode root = ParseOk("a: x\nb: y");
  EXPECT_EQ(root.entries[0].value.range.begin.byte, 3);
  EXPECT_EQ(root.entries[1].value.range.begin.line, 2);
  EXPECT_EQ(root.entries[1].value.range.begin.column, 4);
  EXPECT_EQ(root.entries[1].value.range.begin.byte, 0);
  EXPECT_EQ(root.entries[1].value.range.end.byte, 0);
  EXPECT_EQ(root.entries[1].key_range.begin.byte, 0);
}

TEST(YamlSyntaxTest, CoreSchemaScalars) {
  SyntaxNode root = ParseOk(
      "a: yes\nb: on\nc: true\nd: ~\ne: 0x1F\nf: 1.0\ng: 3.14\nh: 1e6\ni: '42'\nj: !foo 42\n"
      "k: 1_000\nl: 0o17\nm: 18446744073709551615\nn: -0.000001\no: .inf\n");
  auto get = [&](size_t i) -> const SyntaxNode& { return root.entries[i].value; };
  EXPECT_EQ(get(0).kind, Kind::kString);
  EXPECT_EQ(get(1).kind, Kind::kString);
  EXPECT_EQ(get(2).kind, Kind::kBool);
  EXPECT_EQ(get(3).kind, Kind::kNull);
  EXPECT_EQ(get(4).text, "31");
  EXPECT_EQ(get(5).text, "1");
  EXPECT_EQ(get(6).text, "3.14");
  EXPECT_EQ(get(7).text, "1e+06");
  EXPECT_EQ(get(8).kind, Kind::kString);
  EXPECT_EQ(get(9).kind, Kind::kString);
  EXPECT_EQ(get(9).text, "42");
  EXPECT_EQ(get(10).text, "1000");
  EXPECT_EQ(get(11).text, "15");
  EXPECT_EQ(get(12).text, "18446744073709551615");
  EXPECT_EQ(get(13).text, "-1e-06");
  EXPECT_EQ(get(14).kind, Kind::kString);
}

TEST(YamlSyntaxTest, GoFloatFormatting) {
  EXPECT_EQ(FormatGoFloat(100000), "100000");
  EXPECT_EQ(FormatGoFloat(1000000), "1e+06");
  EXPECT_EQ(FormatGoFloat(0.0001), "0.0001");
  EXPECT_EQ(FormatGoFloat(0.00001), "1e-05");
  EXPECT_EQ(FormatGoFloat(123456789.5), "1.234567895e+08");
  EXPECT_EQ(FormatGoFloat(1e100), "1e+100");
}

TEST(YamlSyntaxTest, KeepsDuplicateKeys) {
  SyntaxNode root = ParseOk("a: 1\na: 2\n");
  EXPECT_EQ(root.entries.size(), 2u);
}

TEST(YamlSyntaxTest, RejectsAliases) {
  SyntaxParseResult r = ParseYaml("env", "a: &x 1\nb: *x\n");
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].summary, "alias nodes are not supported");
  EXPECT_EQ(r.diagnostics[0].range.begin.line, 2);
}

TEST(YamlSyntaxTest, NonStringKeysAreErrors) {
  SyntaxParseResult r = ParseYaml("env", "34: a\n\"35\": b\n");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].summary, "mapping keys must be strings");
  ASSERT_EQ(r.root.entries.size(), 1u);
  EXPECT_EQ(r.root.entries[0].key, "35");
}

// yaml.v3's wording for the most common mistakes, at the problem's line.
TEST(YamlSyntaxTest, CommonSyntaxErrorsUseTheReferenceWording) {
  SyntaxParseResult nested = ParseYaml("env", "values:\n  a: b: c\n");
  ASSERT_EQ(nested.diagnostics.size(), 1u);
  EXPECT_EQ(nested.diagnostics[0].summary,
            "yaml: line 2: mapping values are not allowed in this context");
  SyntaxParseResult tab = ParseYaml("env", "values:\n\ta: b\n");
  ASSERT_EQ(tab.diagnostics.size(), 1u);
  EXPECT_EQ(tab.diagnostics[0].summary,
            "yaml: line 2: found character that cannot start any token");
}

TEST(YamlSyntaxTest, SyntaxErrorHasNoRange) {
  SyntaxParseResult r = ParseYaml("env", "a: [1, 2\n");
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].summary, "yaml: line 2: flow sequence without a closing bracket");
  EXPECT_TRUE(r.diagnostics[0].range.empty());
}

TEST(YamlSyntaxTest, DepthLimit) {
  std::string deep(500, '[');
  SyntaxParseResult r = ParseYaml("env", deep);
  EXPECT_FALSE(r.ok);
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_THAT(r.diagnostics[0].summary, HasSubstr("depth"));
}

// A second document used to be dropped silently; now it is an error at its
// "---". Markers around a single document are fine.
TEST(YamlSyntaxTest, OnlyOneDocument) {
  SyntaxParseResult r = ParseYaml("env", "a: 1\n---\nb: 2\n");
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_THAT(r.diagnostics[0].summary, HasSubstr("single YAML document"));
  EXPECT_EQ(r.diagnostics[0].range.begin.line, 2);
  EXPECT_FALSE(ParseYaml("env", "a: 1\n---\n").ok);
  SyntaxNode root = ParseOk("---\na: 1\n...\n");
  ASSERT_EQ(root.entries.size(), 1u);
  EXPECT_EQ(root.entries[0].key, "a");
}

TEST(YamlSyntaxTest, EmptyDocumentIsNull) { EXPECT_EQ(ParseOk("").kind, Kind::kNull); }

}  // namespace
}  // namespace escnative::esc

namespace escnative::esc {
namespace {

TEST(YamlSyntaxTest, RejectsInvalidUtf8AndControlCharacters) {
  SyntaxParseResult bad = ParseYaml("env", "%x\xb9");
  EXPECT_FALSE(bad.ok);
  ASSERT_EQ(bad.diagnostics.size(), 1u);
  EXPECT_EQ(bad.diagnostics[0].summary, "yaml: line 1: invalid UTF-8 octet sequence");
  SyntaxParseResult ctl = ParseYaml("env", "a: 1\nb: \x01\n");
  ASSERT_EQ(ctl.diagnostics.size(), 1u);
  EXPECT_EQ(ctl.diagnostics[0].summary, "yaml: line 2: control characters are not allowed");
  EXPECT_TRUE(ParseYaml("env", "a: \"tab\there\"\r\n").ok);
}

}  // namespace
}  // namespace escnative::esc
