#include "provider/esc/projections.h"

#include "gtest/gtest.h"
#include "provider/esc/evaluator.h"

namespace escnative::esc {
namespace {

EvalResult Open(std::string_view yaml) {
  EvalOptions opts;
  return Evaluate("env", yaml, opts);
}

constexpr char kEnv[] =
    "values:\n"
    "  pw: {fn::secret: hunter2}\n"
    "  environmentVariables:\n"
    "    B: ${pw}\n"
    "    A: plain \"q\"\n"
    "    N: null\n"
    "    LIST: [1]\n"
    "  files:\n"
    "    KUBECONFIG: contents\n"
    "  pulumiConfig:\n"
    "    aws:region: us-west-2\n";

TEST(ProjectionsTest, EnvironmentVariables) {
  EvalResult r = Open(kEnv);
  std::vector<EnvironmentEntry> vars = EnvironmentVariables(*r.root);
  ASSERT_EQ(vars.size(), 3u);
  EXPECT_EQ(vars[0].name, "A");
  EXPECT_EQ(vars[1].name, "B");
  EXPECT_TRUE(vars[1].secret);
  EXPECT_EQ(vars[1].value, "hunter2");
  EXPECT_EQ(vars[2].value, "");
  ASSERT_EQ(Files(*r.root).size(), 1u);
  EXPECT_EQ(ToJsonText(*PulumiConfig(*r.root), Redaction::kReveal),
            R"({"aws:region":"us-west-2"})");
}

TEST(ProjectionsTest, Dotenv) {
  EvalResult r = Open(kEnv);
  RenderedEnvironment dotenv =
      RenderDotenv(*r.root, {{"KUBECONFIG", "/tmp/esc-1"}}, Redaction::kRedact, false);
  EXPECT_EQ(dotenv.text, "A='plain \"q\"'\nB='[secret]'\nN=''\nKUBECONFIG='/tmp/esc-1'\n");
  EXPECT_TRUE(dotenv.skipped.empty());
  EXPECT_EQ(RenderDotenv(*r.root, {}, Redaction::kReveal, true).text,
            "export A='plain \"q\"'\nexport B='hunter2'\nexport N=''\nexport "
            "KUBECONFIG='[unknown]'\n");
}

// Regression: values were double-quoted without neutralising $(...) or
// backticks, and names were not checked, so `eval` ran code from a value.
TEST(ProjectionsTest, ShellAndDotenvNeverInterpolate) {
  EvalResult r = Open(R"(values:
  environmentVariables:
    A: "$(touch x) `id` $${HOME} \\ it's\n"
    "F;touch y": v
    "1X": v
    OK_2: "'"
)");
  RenderedEnvironment shell = RenderDotenv(*r.root, {}, Redaction::kReveal, true);
  EXPECT_EQ(shell.text, "export A='$(touch x) `id` ${HOME} \\ it'\\''s\n'\nexport OK_2=''\\'''\n");
  ASSERT_EQ(shell.skipped.size(), 2u);
  EXPECT_EQ(shell.skipped[0], "1X: not a valid variable name");
  EXPECT_EQ(shell.skipped[1], "F;touch y: not a valid variable name");
  RenderedEnvironment dotenv = RenderDotenv(*r.root, {}, Redaction::kReveal, false);
  EXPECT_EQ(dotenv.text, "");
  ASSERT_EQ(dotenv.skipped.size(), 4u);
  EXPECT_NE(dotenv.skipped[1].find("A: the value holds a single quote"), std::string::npos);
}

TEST(ProjectionsTest, PosixNamesAndQuoting) {
  EXPECT_TRUE(IsPosixVariableName("_a1"));
  EXPECT_TRUE(IsPosixVariableName("PATH"));
  EXPECT_FALSE(IsPosixVariableName(""));
  EXPECT_FALSE(IsPosixVariableName("9a"));
  EXPECT_FALSE(IsPosixVariableName("a-b"));
  EXPECT_FALSE(IsPosixVariableName("a b"));
  EXPECT_FALSE(IsPosixVariableName("\xc3\xa9"));
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("a'b"), "'a'\\''b'");
}

TEST(ProjectionsTest, JsonYamlString) {
  EvalResult r = Open("values:\n  b: {fn::secret: s}\n  a: [x, {k: \"<\"}]\n");
  EXPECT_EQ(RenderJson(*r.root, Redaction::kRedact),
            "{\n  \"a\": [\n    \"x\",\n    {\n      \"k\": \"\\u003c\"\n    }\n  ],\n  \"b\": "
            "\"[secret]\"\n}\n");
  EXPECT_EQ(RenderYaml(*r.root, Redaction::kRedact), "a:\n   - x\n   -  k: <\nb: \"[secret]\"\n");
  EXPECT_EQ(RenderYaml(*r.root, Redaction::kReveal), "a:\n   - x\n   -  k: <\nb: s\n");
  EXPECT_EQ(RenderString(*r.root->object.at("a"), Redaction::kReveal),
            "\"x\",\"\\\"k\\\"=\\\"<\\\"\"\n");
  EXPECT_EQ(RenderString(*r.root, Redaction::kRedact),
            "\"a\"=\"\\\"x\\\",\\\"\\\\\\\"k\\\\\\\"=\\\\\\\"<\\\\\\\"\\\"\",\"b\"=\"[secret]\"\n");
}

TEST(ProjectionsTest, OutputFormats) {
  EXPECT_EQ(*ParseOutputFormat("dotenv"), OutputFormat::kDotenv);
  EXPECT_FALSE(ParseOutputFormat("xml").ok());
}

}  // namespace
}  // namespace escnative::esc
