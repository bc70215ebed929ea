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
  EXPECT_EQ(RenderDotenv(*r.root, {{"KUBECONFIG", "/tmp/esc-1"}}, Redaction::kRedact, false),
            "A=\"plain \\\"q\\\"\"\nB=\"[secret]\"\nN=\"\"\nKUBECONFIG=\"/tmp/esc-1\"\n");
  EXPECT_EQ(RenderDotenv(*r.root, {}, Redaction::kReveal, true),
            "export A=\"plain \\\"q\\\"\"\nexport B=\"hunter2\"\nexport N=\"\"\nexport "
            "KUBECONFIG=\"[unknown]\"\n");
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
