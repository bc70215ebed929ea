#include "provider/esc/definition_edit.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "provider/esc/evaluator.h"
#include "tests/esc/testing/test_providers.h"
#include "tests/util/status_matchers.h"

namespace escnative::esc {
namespace {

using ::escnative::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(DefinitionEditTest, EncryptDecryptRoundTrip) {
  // Rot128 adds no overhead: "four" is the shortest secret whose envelope
  // reaches the 16 bytes ESC requires.
  testing::Rot128Crypter rot;
  const char* yaml =
      "# comment is lost\nimports:\n  - base\nvalues:\n  pw:\n    fn::secret: hunter2\n"
      "  list: [{fn::secret: four}]\n  other: {fn::secret: {ciphertext: "
      "ZXNjeAAAAAHo9e705fKyKo30VQ==}}\n";
  absl::StatusOr<std::string> enc = EncryptSecrets(yaml, "proj/env", rot);
  ASSERT_OK(enc);
  EXPECT_THAT(*enc, Not(HasSubstr("hunter2")));
  EXPECT_THAT(*enc, HasSubstr("ciphertext: ZXNjeAAAAAHo9e705fKyKo30VQ=="));
  EXPECT_EQ(*enc,
            "imports:\n  - base\nvalues:\n  pw:\n    fn::secret:\n      ciphertext: "
            "ZXNjeAAAAAHo9e705fKyKo30VQ==\n  list:\n    - fn::secret:\n        ciphertext: "
            "ZXNjeAAAAAHm7/Xyi/0ROg==\n  other:\n    fn::secret:\n      ciphertext: "
            "ZXNjeAAAAAHo9e705fKyKo30VQ==\n");
  absl::StatusOr<std::string> dec = DecryptSecrets(*enc, "proj/env", rot);
  ASSERT_OK(dec);
  EXPECT_EQ(*dec,
            "imports:\n  - base\nvalues:\n  pw:\n    fn::secret: hunter2\n  list:\n    - "
            "fn::secret: four\n"
            "  other:\n    fn::secret: hunter2\n");
  // The encrypted form evaluates to the same values.
  EvalOptions opts;
  opts.decrypter = &rot;
  EvalResult a = Evaluate("e", *dec, opts);
  EvalResult b = Evaluate("e", *enc, opts);
  EXPECT_EQ(ToJsonText(*a.root, Redaction::kReveal), ToJsonText(*b.root, Redaction::kReveal));
}

TEST(DefinitionEditTest, OnlyValuesAreTouched) {
  testing::Rot128Crypter rot;
  absl::StatusOr<std::string> enc = EncryptSecrets("other:\n  fn::secret: x\n", "e", rot);
  ASSERT_OK(enc);
  EXPECT_EQ(*enc, "other:\n  fn::secret: x\n");
}

TEST(DefinitionEditTest, DecryptFailureNamesPathNotValue) {
  testing::Rot128Crypter rot;
  auto dec = DecryptSecrets("values:\n  a: {fn::secret: {ciphertext: aGk=}}\n", "e", rot);
  EXPECT_THAT(dec, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(dec.status().message()), HasSubstr("values.a"));
}

TEST(DefinitionEditTest, SetCreatesIntermediates) {
  auto out = SetDefinitionValue("", "secrets.openai_api_key", "sk-123", /*secret=*/true);
  ASSERT_OK(out);
  EXPECT_EQ(*out, "values:\n  secrets:\n    openai_api_key:\n      fn::secret: sk-123\n");
  out = SetDefinitionValue(*out, "environmentVariables.OPENAI_API_KEY", "${secrets.openai_api_key}",
                           false);
  ASSERT_OK(out);
  out = SetDefinitionValue(*out, "a[\"b\"][0]", 42, false);
  ASSERT_OK(out);
  out = SetDefinitionValue(*out, "a[\"b\"][1]", nlohmann::json{{"yes", "on"}}, false);
  ASSERT_OK(out);
  EXPECT_EQ(*out,
            "values:\n  secrets:\n    openai_api_key:\n      fn::secret: sk-123\n"
            "  environmentVariables:\n    OPENAI_API_KEY: ${secrets.openai_api_key}\n"
            "  a:\n    b:\n      - 42\n      - \"yes\": \"on\"\n");
  EvalOptions opts;
  EvalResult r = Evaluate("e", *out, opts);
  EXPECT_TRUE(r.diagnostics.empty());
  EXPECT_EQ(ToJsonText(*r.root, Redaction::kRedact),
            R"({"a":{"b":[42,{"yes":"on"}]},"environmentVariables":{"OPENAI_API_KEY":"[secret]"},)"
            R"("secrets":{"openai_api_key":"[secret]"}})");
}

TEST(DefinitionEditTest, SetReplacesInPlaceAndQuotesAmbiguousStrings) {
  auto out = SetDefinitionValue("values:\n  a: 1\n  b: 2\n", "a", "true", false);
  ASSERT_OK(out);
  EXPECT_EQ(*out, "values:\n  a: \"true\"\n  b: 2\n");
}

TEST(DefinitionEditTest, SetErrors) {
  EXPECT_THAT(SetDefinitionValue("values: {a: 1}\n", "a.b", 1, false),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SetDefinitionValue("values: {a: [1]}\n", "a[3]", 1, false),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SetDefinitionValue("", "a", nlohmann::json::array(), true),
              StatusIs(absl::StatusCode::kInvalidArgument));
  auto bad = SetDefinitionValue("", "a[", 1, false);
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("\"a[\""));
  EXPECT_THAT(SetDefinitionValue("a: [", "a", 1, false),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(DefinitionEditTest, SecretNumbersAreStringified) {
  auto out = SetDefinitionValue("", "num", 42, true);
  ASSERT_OK(out);
  EXPECT_EQ(*out, "values:\n  num:\n    fn::secret: \"42\"\n");
  EXPECT_THAT(SetDefinitionValue("", "a\xff", 1, false),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SetDefinitionValue("", "a\xc0\x9c", 1, false),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(DefinitionEditTest, Remove) {
  auto out = RemoveDefinitionValue("values:\n  a: [1, 2]\n  b: x\n", "a[0]");
  ASSERT_OK(out);
  EXPECT_EQ(*out, "values:\n  a:\n    - 2\n  b: x\n");
  out = RemoveDefinitionValue(*out, "b");
  ASSERT_OK(out);
  EXPECT_EQ(*out, "values:\n  a:\n    - 2\n");
  EXPECT_THAT(RemoveDefinitionValue(*out, "zzz"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(DefinitionEditTest, ImportsPath) {
  auto out = SetDefinitionValue("values: {}\n", "imports[0]", "proj/base", false);
  ASSERT_OK(out);
  EXPECT_EQ(*out, "values: {}\nimports:\n  - proj/base\n");
}

TEST(DefinitionEditTest, Get) {
  const char* yaml =
      "values:\n  p: {fn::secret: plain}\n  c: {fn::secret: {ciphertext: abc}}\n  o: {x: [1]}\n";
  auto p = GetDefinitionNode(yaml, "p");
  ASSERT_OK(p);
  EXPECT_TRUE(p->is_secret);
  EXPECT_FALSE(p->is_ciphertext);
  EXPECT_EQ(p->value, "plain");
  auto c = GetDefinitionNode(yaml, "c");
  ASSERT_OK(c);
  EXPECT_TRUE(c->is_ciphertext);
  EXPECT_EQ(c->value, "abc");
  auto o = GetDefinitionNode(yaml, "o");
  ASSERT_OK(o);
  EXPECT_FALSE(o->is_secret);
  EXPECT_EQ(o->value, nlohmann::json::parse(R"({"x":[1]})"));
  EXPECT_THAT(GetDefinitionNode(yaml, "o.x[5]"), StatusIs(absl::StatusCode::kNotFound));
}

// Set, Remove and Get name the path the same way in each error.
TEST(DefinitionEditTest, PathErrorsNameThePath) {
  const char* yaml = "values:\n  a: [1]\n  s: x\n";
  auto msg = [](const auto& r) { return std::string(r.status().message()); };
  EXPECT_EQ(msg(SetDefinitionValue(yaml, "a[3]", 1, false)),
            "path \"a[3]\": array index out of range");
  EXPECT_EQ(msg(SetDefinitionValue(yaml, "s.t", 1, false)),
            "path \"s.t\": expected an array or an object");
  EXPECT_EQ(msg(SetDefinitionValue(yaml, "s[0].t", 1, false)),
            "path \"s[0].t\": expected an array or an object");
  EXPECT_EQ(msg(SetDefinitionValue(yaml, "s[0]", 1, false)), "path \"s[0]\": expected an array");
  for (const char* missing : {"zzz", "a[1]", "q.r"}) {
    const std::string want = absl::StrCat("no value at path \"", missing, "\"");
    EXPECT_EQ(msg(RemoveDefinitionValue(yaml, missing)), want);
    EXPECT_EQ(msg(GetDefinitionNode(yaml, missing)), want);
    EXPECT_THAT(GetDefinitionNode(yaml, missing), StatusIs(absl::StatusCode::kNotFound));
  }
}

}  // namespace
}  // namespace escnative::esc
