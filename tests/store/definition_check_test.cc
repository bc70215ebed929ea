#include "provider/store/definition_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/util/status_matchers.h"

namespace escnative::store {
namespace {

using ::escnative::testing::StatusIs;
using ::testing::HasSubstr;

TEST(DefinitionCheckTest, AcceptsCiphertextAndPlainValues) {
  EXPECT_OK(CheckNoPlaintextSecrets(""));
  EXPECT_OK(CheckNoPlaintextSecrets("values:\n  a: 1\n  b: [x, y]\n"));
  EXPECT_OK(CheckNoPlaintextSecrets(
      "values:\n  k:\n    fn::secret:\n      ciphertext: ZXNjeAAAAAEAAAAAAAAAAL+yukk=\n"));
  EXPECT_OK(CheckNoPlaintextSecrets(
      "values:\n  list:\n    - fn::secret: {ciphertext: ZXNjeAAAAAEBAQEBAQEBAfQxR/M=}\n"));
  // Mentioning the name in a plain string is fine.
  EXPECT_OK(CheckNoPlaintextSecrets("values:\n  doc: \"use fn::secret\"\n"));
}

TEST(DefinitionCheckTest, RefusesPlaintextSecretsNamingOnlyThePath) {
  const struct {
    const char* yaml;
    const char* path;
  } cases[] = {
      {"values:\n  db:\n    password:\n      fn::secret: SUPERSECRET\n",
       "values.db.password.fn::secret"},
      {"values:\n  xs:\n    - fn::secret: SUPERSECRET\n", "values.xs[0].fn::secret"},
      {"values:\n  n:\n    fn::secret: 12345\n", "values.n.fn::secret"},
      {"values:\n  m:\n    fn::secret: {ciphertext: abc, extra: SUPERSECRET}\n",
       "values.m.fn::secret"},
  };
  for (const auto& c : cases) {
    absl::Status s = CheckNoPlaintextSecrets(c.yaml);
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument)) << c.yaml;
    EXPECT_THAT(std::string(s.message()), HasSubstr(c.path));
    EXPECT_EQ(std::string(s.message()).find("SUPERSECRET"), std::string::npos);
  }
}

TEST(DefinitionCheckTest, TrickierShapes) {
  // Flow style, nested sequences of maps, anchors, several documents.
  EXPECT_OK(
      CheckNoPlaintextSecrets("values: {a: {fn::secret: {ciphertext: "
                              "ZXNjeAAAAAEAAAAAAAAAAL+yukk=}}, b: [1, {c: {fn::secret: "
                              "{ciphertext: ZXNjeAAAAAEBAQEBAQEBAfQxR/M=}}}]}\n"));
  EXPECT_OK(
      CheckNoPlaintextSecrets("values:\n  a: &s\n    fn::secret:\n      ciphertext: "
                              "ZXNjeAAAAAEAAAAAAAAAAL+yukk=\n  b: *s\n"));
  const struct {
    const char* yaml;
    const char* path;
  } bad[] = {
      {"values: {a: [1, {c: {fn::secret: SUPERSECRET}}]}\n", "values.a[1].c.fn::secret"},
      {"values: {}\n---\nvalues: {x: {fn::secret: SUPERSECRET}}\n", "values.x.fn::secret"},
      {"values:\n  \"fn::secre\\x74\": SUPERSECRET\n", "values.fn::secret"},
      {"values: {k: {fn::secret: {}}}\n", "values.k.fn::secret"},
      {"values: {k: {fn::secret: {ciphertext: [SUPERSECRET]}}}\n", "values.k.fn::secret"},
      // Plaintext under a "ciphertext" key: not a valid envelope.
      {"values: {k: {fn::secret: {ciphertext: SUPERSECRET}}}\n", "values.k.fn::secret"},
      {"values: {k: {fn::secret: {ciphertext: U1VQRVJTRUNSRVQ=}}}\n", "values.k.fn::secret"},
      {"values: {k: {fn::secret: {ciphertext: {x: SUPERSECRET}}}}\n", "values.k.fn::secret"},
      {"values: {k: {fn::secret: [SUPERSECRET]}}\n", "values.k.fn::secret"},
      {"values: {p: &a SUPERSECRET, k: {fn::secret: *a}}\n", "values.k.fn::secret"},
      {"values: {k: {fn::secret: }}\n", "values.k.fn::secret"},
  };
  for (const auto& c : bad) {
    absl::Status s = CheckNoPlaintextSecrets(c.yaml);
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument)) << c.yaml;
    EXPECT_THAT(std::string(s.message()), HasSubstr(c.path)) << c.yaml;
    EXPECT_EQ(std::string(s.message()).find("SUPERSECRET"), std::string::npos);
  }
}

TEST(DefinitionCheckTest, InvalidYamlIsRefusedWithoutEcho) {
  absl::Status s = CheckNoPlaintextSecrets("values: [fn::secret: SUPERSECRET\n");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(std::string(s.message()).find("SUPERSECRET"), std::string::npos);
}

}  // namespace
}  // namespace escnative::store
