// Diagnostics at scale and as messages: the cap on how many an evaluation
// reports, echoes of user input in summaries, import cycles, and the
// definition-shape errors (duplicate top-level keys, several documents).
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "provider/esc/evaluator.h"
#include "tests/esc/testing/map_loader.h"

namespace escnative::esc {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MapLoader;
using ::testing::Not;

EvalResult Check(std::string_view yaml, std::map<std::string, std::string> imports = {},
                 std::string name = "env") {
  MapLoader loader(std::move(imports));
  EvalOptions opts;
  opts.mode = EvalMode::kCheck;
  opts.loader = &loader;
  return Evaluate(name, yaml, opts);
}

std::string UnknownReferences(int n) {
  std::string yaml = "values:\n";
  for (int i = 0; i < n; ++i) {
    yaml += "  a" + std::to_string(i) + ": ${nope" + std::to_string(i) + "}\n";
  }
  return yaml;
}

Diagnostic Error(std::string summary) {
  Diagnostic d;
  d.summary = std::move(summary);
  return d;
}

TEST(DiagnosticCap, KeepsTheFirstAndCountsTheRest) {
  EvalResult r = Check(UnknownReferences(250));
  ASSERT_EQ(r.diagnostics.size(), kMaxDiagnostics + 1);
  EXPECT_THAT(r.diagnostics[0].summary, HasSubstr("unknown property \"nope0\""));
  EXPECT_EQ(r.diagnostics[0].path, "values.a0");
  const Diagnostic& last = r.diagnostics.back();
  EXPECT_EQ(last.summary, "… and 150 more errors");
  EXPECT_EQ(last.severity, Severity::kError);
  EXPECT_EQ(last.omitted_errors, 150u);
  EXPECT_EQ(last.range.environment, "env");
  EXPECT_EQ(Format(last, ""), "env: … and 150 more errors\n");
  EXPECT_TRUE(r.HasErrors());
}

TEST(DiagnosticCap, NothingChangesUnderTheLimit) {
  EvalResult r = Check(UnknownReferences(3));
  ASSERT_EQ(r.diagnostics.size(), 3u);
  EXPECT_EQ(r.diagnostics[2].omitted_errors, 0u);
}

// 100k unknown references took ~15 minutes when every diagnostic scanned
// every key for a suggestion; this is a completion test, not a timing one.
TEST(DiagnosticCap, HundredThousandUnknownReferencesFinish) {
  EvalResult r = Check(UnknownReferences(100000));
  ASSERT_EQ(r.diagnostics.size(), kMaxDiagnostics + 1);
  EXPECT_EQ(r.diagnostics.back().summary, "… and 99900 more errors");
}

TEST(DiagnosticCap, SuggestionsSurviveTheCap) {
  EvalResult r = Check("values:\n  color: red\n  x: ${colour}\n");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_THAT(r.diagnostics[0].summary, HasSubstr("did you mean \"color\"?"));
}

TEST(DiagnosticCap, CappingConcatenationsIsExact) {
  Diagnostics a, b;
  for (int i = 0; i < 5; ++i) a.push_back(Error("a" + std::to_string(i)));
  for (int i = 0; i < 4; ++i) b.push_back(Error("b" + std::to_string(i)));
  b[3].severity = Severity::kWarning;
  CapDiagnostics(&a, 3);  // a0 a1 a2 (+2)
  CapDiagnostics(&b, 3);  // b0 b1 b2 (+1 warning)
  a.insert(a.end(), b.begin(), b.end());
  CapDiagnostics(&a, 3);
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(a[2].summary, "a2");
  EXPECT_EQ(a[3].summary, "… and 5 more errors and 1 more warning");
  EXPECT_EQ(a[3].omitted_errors, 5u);
  EXPECT_EQ(a[3].omitted_warnings, 1u);
}

TEST(DiagnosticEcho, KeysInSummariesAreEscapedAndCapped) {
  // YAML's "\e" is ESC: a key that would colour a terminal.
  EvalResult r = Check("values:\n  \"\\e[31mx\": 1\n  \"\\e[31mx\": 2\n");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].summary, "duplicate key \"\\x1B[31mx\"");

  std::string long_key(100000, 'k');
  r = Check("values:\n  " + long_key + ": 1\n  " + long_key + ": 2\n");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_THAT(r.diagnostics[0].summary, HasSubstr("duplicate key"));
  EXPECT_LT(r.diagnostics[0].summary.size(), 300u);
  EXPECT_LE(r.diagnostics[0].path.size(), kMaxDiagnosticPath + 8);
}

TEST(ImportCycles, NameTheWholeRing) {
  EvalResult r = Check("imports: [a]\n",
                       {{"a", "imports: [b]\n"}, {"b", "imports: [c]\n"}, {"c", "imports: [a]\n"}});
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].summary, "cyclic import of a: a -> b -> c -> a");
  EXPECT_EQ(r.diagnostics[0].range.environment, "c");
}

// The root is part of the ring even when the copy a loader returns for it
// (the stored one) does not import anything: a definition about to be
// written is checked against what it would close.
TEST(ImportCycles, ThroughTheRoot) {
  EvalResult r = Check("imports: [b]\n", {{"a", "values: {}\n"}, {"b", "imports: [a]\n"}}, "a");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].summary, "cyclic import of a: a -> b -> a");

  r = Check("imports: [a]\n", {{"a", "values: {}\n"}}, "a");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].summary, "cyclic import of a: a -> a");
}

TEST(DefinitionShape, DuplicateTopLevelKeysAreErrors) {
  EvalResult r = Check("values:\n  a: 1\nvalues:\n  b: 2\n");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].summary, "duplicate key \"values\"");
  EXPECT_EQ(r.diagnostics[0].severity, Severity::kError);
  EXPECT_EQ(r.diagnostics[0].range.begin.line, 3);
}

TEST(DefinitionShape, OnlyOneDocument) {
  EvalResult r = Check("values:\n  a: 1\n---\nvalues:\n  b: 2\n");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_THAT(r.diagnostics[0].summary, HasSubstr("single YAML document"));
  EXPECT_EQ(r.diagnostics[0].severity, Severity::kError);
  EXPECT_EQ(r.diagnostics[0].range.begin.line, 3);

  // An explicit start or end marker around one document is fine.
  r = Check("---\nvalues:\n  a: 1\n...\n");
  EXPECT_TRUE(r.diagnostics.empty()) << r.diagnostics[0].summary;
}

}  // namespace
}  // namespace escnative::esc
