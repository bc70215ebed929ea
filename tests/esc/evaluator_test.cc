#include "provider/esc/evaluator.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/esc/testing/map_loader.h"
#include "tests/esc/testing/test_providers.h"

namespace escnative::esc {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MapLoader;
using testing::Rot128Crypter;
using testing::TestProviders;

class EvaluatorTest : public ::testing::Test {
 protected:
  EvalResult Eval(std::string_view yaml, EvalMode mode = EvalMode::kOpen,
                  std::map<std::string, std::string> imports = {}) {
    loader_ = std::make_unique<MapLoader>(std::move(imports), &crypter_);
    EvalOptions opts;
    opts.mode = mode;
    opts.loader = loader_.get();
    opts.providers = &providers_;
    opts.decrypter = &crypter_;
    opts.context = nlohmann::json{{"pulumi", {{"user", {{"login", "alice"}}}}}};
    return Evaluate("env", yaml, opts);
  }
  static std::string Json(const EvalResult& r, Redaction red = Redaction::kReveal) {
    return ToJsonText(*r.root, red);
  }
  static std::vector<std::string> Summaries(const EvalResult& r) {
    std::vector<std::string> out;
    for (const Diagnostic& d : r.diagnostics) out.push_back(d.summary);
    return out;
  }

  Rot128Crypter crypter_;
  TestProviders providers_;
  std::unique_ptr<MapLoader> loader_;
};

TEST_F(EvaluatorTest, LiteralsAndInterpolation) {
  EvalResult r = Eval(
      "values:\n  a: hello\n  b: ${a} world\n  c: ${d}\n  d: [1, true, null]\n"
      "  e: \"${d}\"\n  f: x ${d} ${g}\n  g: {k: v, \"q\": 1}\n  h: $${a}\n");
  EXPECT_TRUE(r.diagnostics.empty()) << Summaries(r)[0];
  EXPECT_EQ(Json(r), R"({"a":"hello","b":"hello world","c":[1,true,null],"d":[1,true,null],)"
                     R"("e":[1,true,null],"f":"x \"1\",\"true\",\"\" \"k\"=\"v\",\"q\"=\"1\"",)"
                     R"("g":{"k":"v","q":1},"h":"${a}"})");
}

TEST_F(EvaluatorTest, Context) {
  EvalResult r =
      Eval("values:\n  who: ${context.pulumi.user.login}@${context.currentEnvironment.name}\n");
  EXPECT_EQ(Json(r), R"({"who":"alice@env"})");
}

TEST_F(EvaluatorTest, ImportsMergeInOrderAndLocalWins) {
  EvalResult r =
      Eval("imports: [a, b, {c: {merge: false}}]\nvalues:\n  x: local\n  y: ${imports.c.z}\n",
           EvalMode::kOpen,
           {{"a", "values:\n  x: a\n  o: {p: 1, q: [1]}\n  n: 1\n"},
            {"b", "values:\n  o: {q: [2], r: null}\n  n: null\n"},
            {"c", "values:\n  z: from-c\n"}});
  EXPECT_TRUE(r.diagnostics.empty());
  EXPECT_EQ(Json(r), R"({"n":null,"o":{"p":1,"q":[2],"r":null},"x":"local","y":"from-c"})");
}

TEST_F(EvaluatorTest, ImportsAreMemoised) {
  EvalResult r =
      Eval("imports: [a, b]\n", EvalMode::kOpen,
           {{"a", "imports: [c]\n"}, {"b", "imports: [c]\n"}, {"c", "values: {x: 1}\n"}});
  EXPECT_EQ(Json(r), R"({"x":1})");
  EXPECT_EQ(loader_->loads("c"), 1);
}

TEST_F(EvaluatorTest, ImportCycleIsReported) {
  EvalResult r = Eval("imports: [a]\n", EvalMode::kOpen,
                      {{"a", "imports: [b]\nvalues: {x: 1}\n"}, {"b", "imports: [a]\n"}});
  ASSERT_THAT(Summaries(r), ElementsAre("cyclic import of a: a -> b -> a"));
  EXPECT_EQ(r.diagnostics[0].path, "imports[0]");
  EXPECT_EQ(r.diagnostics[0].range.environment, "b");
}

TEST_F(EvaluatorTest, MissingImport) {
  EvalResult r = Eval("imports: [nope]\nvalues: {a: 1}\n");
  EXPECT_THAT(Summaries(r), ElementsAre("not found"));
  EXPECT_EQ(Json(r), R"({"a":1})");
}

TEST_F(EvaluatorTest, VersionedImportsPassThrough) {
  EvalResult r =
      Eval("imports: [proj/base@3]\n", EvalMode::kOpen, {{"proj/base@3", "values: {v: 3}\n"}});
  EXPECT_EQ(Json(r), R"({"v":3})");
}

TEST_F(EvaluatorTest, ReferenceCycles) {
  EvalResult r =
      Eval("values:\n  a: {p: \"${a.p}\"}\n  b: {p: \"${c.p}\"}\n  c: {p: \"${b.p}\"}\n");
  EXPECT_THAT(Summaries(r), ElementsAre("cyclic reference to a.p", "cyclic reference to b.p"));
  EXPECT_EQ(Json(r), R"({"a":{"p":"[unknown]"},"b":{"p":"[unknown]"},"c":{"p":"[unknown]"}})");
}

TEST_F(EvaluatorTest, AccessErrors) {
  EvalResult r = Eval(
      "values:\n  s: x\n  arr: [1]\n  o: {baz: 1}\n  e:\n    - ${s.foo}\n    - ${arr.x}\n"
      "    - ${arr[5]}\n    - ${arr[-1]}\n    - ${o[0]}\n    - ${o.bar}\n");
  EXPECT_THAT(Summaries(r), ElementsAre("receiver must be an array or an object",
                                        "cannot access an array element using a property name",
                                        "array index 5 out-of-bounds for array of length 1",
                                        "array indices must not be negative",
                                        "cannot access an object property using an integer index",
                                        "unknown property \"bar\"; did you mean \"baz\"?"));
  EXPECT_EQ(r.diagnostics[0].path, "values.e[0]");
}

TEST_F(EvaluatorTest, ReservedAndDuplicateKeys) {
  EvalResult r = Eval("values:\n  imports: 1\n  fn::secret: x\n  a: 1\n  a: 2\n");
  EXPECT_THAT(Summaries(r),
              ElementsAre("\"imports\" is a reserved key",
                          "builtin function call \"fn::secret\" not allowed at the top level",
                          "duplicate key \"a\""));
  EXPECT_EQ(Json(r), R"({"a":1})");
}

TEST_F(EvaluatorTest, SecretsPropagate) {
  EvalResult r = Eval(
      "values:\n  pw: {fn::secret: hunter2}\n  ref: ${pw}\n  interp: x${pw}\n  obj: {k: \"${pw}\", "
      "n: 1}\n"
      "  js: {fn::toJSON: \"${obj}\"}\n  plain: ok\n");
  EXPECT_EQ(Json(r, Redaction::kRedact),
            R"({"interp":"[secret]","js":"[secret]","obj":{"k":"[secret]","n":1},"plain":"ok",)"
            R"("pw":"[secret]","ref":"[secret]"})");
  EXPECT_EQ(
      Json(r),
      R"({"interp":"xhunter2","js":"{\"k\":\"hunter2\",\"n\":1}","obj":{"k":"hunter2","n":1},)"
      R"("plain":"ok","pw":"hunter2","ref":"hunter2"})");
}

TEST_F(EvaluatorTest, SecretMustBeLiteral) {
  EvalResult r = Eval("values:\n  a: x\n  s: {fn::secret: \"${a}\"}\n");
  EXPECT_THAT(Summaries(r), ElementsAre("secret values must be string literals"));
}

TEST_F(EvaluatorTest, CiphertextCheckAndOpen) {
  const char* yaml =
      "values:\n  pw:\n    fn::secret:\n      ciphertext: ZXNjeAAAAAHo9e705fKyKo30VQ==\n";
  EvalResult open = Eval(yaml);
  EXPECT_EQ(Json(open), R"({"pw":"hunter2"})");
  EvalResult check = Eval(yaml, EvalMode::kCheck);
  EXPECT_EQ(Json(check), R"({"pw":"[unknown]"})");
  EXPECT_EQ(Json(check, Redaction::kRedact), R"({"pw":"[secret]"})");
}

TEST_F(EvaluatorTest, InvalidCiphertext) {
  EvalResult r = Eval("values:\n  pw: {fn::secret: {ciphertext: \"!!\"}}\n");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_THAT(r.diagnostics[0].summary, HasSubstr("invalid ciphertext: illegal base64 data"));
}

TEST_F(EvaluatorTest, UnknownPropagatesFromFailedProviders) {
  EvalResult r = Eval(
      "values:\n  e: {fn::open::error: {why: boom}}\n  d: x ${e}\n  ok: {fn::open::test: {a: "
      "1}}\n");
  EXPECT_THAT(Summaries(r), ElementsAre("boom"));
  EXPECT_EQ(Json(r), R"({"d":"[unknown]","e":"[unknown]","ok":{"a":1}})");
  EvalResult check =
      Eval("values:\n  ok: {fn::open::test: {a: 1}}\n  r: ${ok.a}\n", EvalMode::kCheck);
  EXPECT_TRUE(check.diagnostics.empty());
  EXPECT_EQ(Json(check), R"({"ok":"[unknown]","r":"[unknown]"})");
}

TEST_F(EvaluatorTest, UnknownProvider) {
  EvalResult r = Eval("values:\n  x: {fn::open::nope: {}}\n");
  EXPECT_THAT(Summaries(r), ElementsAre("unknown provider \"nope\""));
}

TEST_F(EvaluatorTest, ProviderSchemaChecksAccessOnUnknown) {
  EvalResult r = Eval("values:\n  o: {fn::open::schema: {string: s}}\n  e: ${o.string.foo}\n",
                      EvalMode::kCheck);
  EXPECT_THAT(Summaries(r), ElementsAre("receiver must be an array or an object"));
}

TEST_F(EvaluatorTest, SecretWrapperIsDeep) {
  EvalResult r = Eval("values:\n  o: {fn::open::secret-wrapper: {a: {b: c}}}\n  r: ${o.a.b}\n");
  EXPECT_EQ(Json(r, Redaction::kRedact), R"({"o":"[secret]","r":"[secret]"})");
}

TEST_F(EvaluatorTest, Builtins) {
  EvalResult r = Eval(
      "values:\n"
      "  join: {fn::join: [\"-\", [a, b]]}\n"
      "  split: {fn::split: [\"\", \"héy\"]}\n"
      "  concat: {fn::concat: [[1], [], [2, [3]]]}\n"
      "  b64: {fn::toBase64: hi}\n"
      "  unb64: {fn::fromBase64: aGk=}\n"
      "  fromjson: {fn::fromJSON: '{\"a\":[1.50,\"<\"]} trailing'}\n"
      "  tojson: {fn::toJSON: {a: \"<&>\", n: 1.5}}\n"
      "  tostring: {fn::toString: [a, 1]}\n"
      "  final: {fn::final: 1}\n"
      "  valid: {fn::validate: {schema: {type: string}, value: ok}}\n");
  EXPECT_TRUE(r.diagnostics.empty()) << Summaries(r)[0];
  EXPECT_EQ(
      Json(r),
      R"({"b64":"aGk=","concat":[1,2,[3]],"final":1,"fromjson":{"a":[1.50,"\u003c"]},)"
      R"("join":"a-b","split":["h","é","y"],"tojson":"{\"a\":\"\\u003c\\u0026\\u003e\",\"n\":1.5}",)"
      R"("tostring":"\"a\",\"1\"","unb64":"hi","valid":"ok"})");
}

TEST_F(EvaluatorTest, BuiltinErrors) {
  EvalResult r = Eval(
      "values:\n"
      "  a: {fn::join: oops}\n"
      "  b: {fn::join: [1, [x]]}\n"
      "  c: {fn::split: [\",\", 4]}\n"
      "  d: {fn::concat: [[1], 2]}\n"
      "  e: {fn::fromJSON: \"{\"}\n"
      "  f: {fn::fromBase64: \"@@\"}\n"
      "  g: {fn::toBase64: 1}\n"
      "  h: {fn::validate: {schema: {type: number, minimum: 3}, value: 2}}\n"
      "  i: {fn::validate: {schema: {type: 7}, value: 2}}\n"
      "  j: {fn::open: {inputs: 1}}\n"
      "  k: {fn::rotate::swap: {state: {}}}\n"
      "  l: {fn::bogus: 1}\n"
      "  m: {fn::join: [a, b], other: 1}\n");
  EXPECT_THAT(
      Summaries(r),
      ElementsAre("the argument to fn::join must be a two-valued list",
                  "missing provider name ('provider')", "missing provider inputs ('inputs')",
                  "'fn::' is a reserved prefix",
                  "illegal call to builtin function: \"fn::join\" must be the only key within "
                  "its containing object",
                  "expected string, got number", "expected string, got number",
                  "expected array, got number", "decoding JSON string: unexpected EOF",
                  "decoding base64 string: illegal base64 data at input byte 0",
                  "expected string, got number", "expected a number greater than or equal to 3",
                  "invalid schema: 'type' must be a string or a list of strings",
                  // k's state is typed against the rotator's state schema or null.
                  "exactly one subschema must match", "missing required properties: a, b",
                  "expected null, got object"));
}

TEST_F(EvaluatorTest, FinalValuesCannotBeOverridden) {
  EvalResult r = Eval("imports: [a]\nvalues:\n  f: 2\n  g: 3\n", EvalMode::kOpen,
                      {{"a", "values:\n  f: {fn::final: 1}\n  g: 1\n"}});
  EXPECT_THAT(Summaries(r), ElementsAre("cannot override final value"));
  EXPECT_EQ(r.diagnostics[0].severity, Severity::kWarning);
  EXPECT_EQ(Json(r), R"({"f":1,"g":3})");
}

TEST_F(EvaluatorTest, ReferencesSeeMergedImports) {
  EvalResult r = Eval("imports: [a]\nvalues:\n  o: {b: 2}\n  p: ${o}\n  q: ${o.a}\n",
                      EvalMode::kOpen, {{"a", "values:\n  o: {a: 1}\n  p: {z: 0}\n"}});
  EXPECT_EQ(Json(r), R"({"o":{"a":1,"b":2},"p":{"a":1,"b":2,"z":0},"q":1})");
}

TEST_F(EvaluatorTest, EarlyBindingInImports) {
  EvalResult r = Eval("imports: [a]\nvalues:\n  x: mine\n", EvalMode::kOpen,
                      {{"a", "values:\n  x: theirs\n  y: ${x}\n"}});
  EXPECT_EQ(Json(r), R"({"x":"mine","y":"theirs"})");
}

TEST_F(EvaluatorTest, EnvironmentsRoot) {
  EvalResult r = Eval("values:\n  v: ${environments.proj.base.k}\n  short: ${environments.proj}\n",
                      EvalMode::kOpen, {{"proj/base", "values: {k: 5}\n"}});
  EXPECT_TRUE(r.diagnostics.empty());
  EXPECT_EQ(Json(r), R"({"short":"[unknown]","v":5})");
}

TEST_F(EvaluatorTest, Rotation) {
  loader_ = std::make_unique<MapLoader>(std::map<std::string, std::string>{});
  EvalOptions opts;
  opts.providers = &providers_;
  opts.rotate = true;
  EvalResult r = Evaluate(
      "env", "values:\n  r: {fn::rotate::swap: {inputs: {}, state: {a: \"1\", b: \"2\"}}}\n", opts);
  EXPECT_TRUE(r.diagnostics.empty());
  EXPECT_EQ(Json(r), R"({"r":{"a":"2","b":"1"}})");
  ASSERT_EQ(r.rotate_patches.size(), 1u);
  EXPECT_EQ(r.rotate_patches[0].doc_path, "values.r[\"fn::rotate::swap\"].state");
}

TEST_F(EvaluatorTest, DeepReferenceChainsAreBounded) {
  std::string yaml = "values:\n";
  for (int i = 0; i < 2000; ++i)
    yaml += "  k" + std::to_string(i) + ": ${k" + std::to_string(i + 1) + "}\n";
  yaml += "  k2000: end\n";
  EvalResult r = Eval(yaml);
  EXPECT_THAT(Summaries(r), ::testing::Contains("evaluation exceeds the maximum depth"));
}

TEST_F(EvaluatorTest, ExponentialValuesAreBounded) {
  std::string yaml = "values:\n  v0: [aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n";
  for (int i = 1; i < 40; ++i) {
    yaml += "  v" + std::to_string(i) + ": [\"${v" + std::to_string(i - 1) + "}\", \"${v" +
            std::to_string(i - 1) + "}\"]\n";
  }
  yaml += "  s: x${v39}\n";
  EvalResult r = Eval(yaml);
  EXPECT_THAT(Summaries(r), ::testing::Contains(HasSubstr("exceeds the maximum size")));
}

TEST_F(EvaluatorTest, TopLevelWarnings) {
  EvalResult r = Eval("valuez: {}\nValues: {a: 1}\n");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].severity, Severity::kWarning);
  EXPECT_EQ(r.diagnostics[0].summary,
            "Field 'valuez' does not exist on Object 'environment'. Existing fields are: 'values', "
            "'imports', 'description'");
  EXPECT_EQ(Json(r), R"({"a":1})");
}

TEST_F(EvaluatorTest, NonObjectValues) {
  EvalResult r = Eval("values: [1]\nimports: x\n");
  EXPECT_THAT(Summaries(r), ElementsAre("imports must be a list", "values must be an object"));
}

TEST_F(EvaluatorTest, BadYamlStopsEvaluation) {
  EvalResult r = Eval("values: {a: [}\n");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(Json(r), "{}");
}

TEST_F(EvaluatorTest, FormatDiagnostic) {
  EvalResult r = Eval("values:\n  a: ${nope}\n");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(Format(r.diagnostics[0], "values:\n  a: ${nope}\n"),
            "env:2:8: unknown property \"nope\"\n    a: ${nope}\n         ^\n");
}

}  // namespace
}  // namespace escnative::esc

namespace escnative::esc {
namespace {

TEST(EvaluatorSecretsTest, DiagnosticsDoNotQuoteSecrets) {
  EvalOptions opts;
  EvalResult r =
      Evaluate("env",
               "values:\n  s: {fn::secret: 'Xtopsecret'}\n  j: {fn::fromJSON: \"${s}\"}\n"
               "  o: {fn::secret: '{\"password\":1}'}\n  p: {fn::fromJSON: \"${o}\"}\n"
               "  q: ${p.passwrd}\n",
               opts);
  ASSERT_EQ(r.diagnostics.size(), 2u);
  EXPECT_EQ(r.diagnostics[0].summary, "decoding JSON string: invalid JSON");
  EXPECT_EQ(r.diagnostics[1].summary, "unknown property \"passwrd\"");
}

}  // namespace
}  // namespace escnative::esc

namespace escnative::esc {
namespace {

TEST(EvaluatorBytesTest, NonUtf8ValuesDoNotBreakSchemasOrJson) {
  EvalOptions opts;
  EvalResult r = Evaluate("env",
                          "values:\n  raw: {fn::fromBase64: /w==}\n"
                          "  v: {fn::validate: {schema: {const: \"${raw}\"}, value: 1}}\n",
                          opts);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].summary, "expected \"\xEF\xBF\xBD\"");
  EXPECT_EQ(ToJsonText(*r.root, Redaction::kReveal), R"({"raw":"\ufffd","v":1})");
}

}  // namespace
}  // namespace escnative::esc

namespace escnative::esc {
namespace {

TEST(EvaluatorLimitsTest, NestingStackedThroughReferencesIsBounded) {
  std::string yaml = "values:\n  v0: x\n";
  for (int i = 1; i <= 6; ++i) {
    yaml += "  v" + std::to_string(i) + ": " + std::string(100, '[') + "\"${v" +
            std::to_string(i - 1) + "}\"" + std::string(100, ']') + "\n";
  }
  EvalOptions opts;
  EvalResult r = Evaluate("env", yaml, opts);
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_EQ(r.diagnostics[0].summary, "value exceeds the maximum depth of 512");
  EXPECT_TRUE(ContainsUnknown(*r.root->object.at("v6")));
  EXPECT_LE(r.root->depth, 513);
}

}  // namespace
}  // namespace escnative::esc

namespace escnative::esc {
namespace {

TEST(FormatTest, SourceLinesNeverShowPlaintextSecrets) {
  const char* yaml =
      "values:\n  a: {fn::secret: hunter2}\n  a: 1\n  b:\n    fn::secret:\n      hunter3\n";
  Diagnostic d;
  d.summary = "duplicate key \"a\"";
  d.range.environment = "env";
  d.range.begin = Pos{2, 3, 10};
  EXPECT_EQ(Format(d, yaml), "env:2:3: duplicate key \"a\"\n    a: {fn::secret: [secret]\n    ^\n");
  d.range.begin = Pos{6, 7, 64};
  EXPECT_EQ(Format(d, yaml), "env:6:7: duplicate key \"a\"\n        [secret]\n        ^\n");
}

}  // namespace
}  // namespace escnative::esc
