// What a write must refuse before anything is stored (import cycles, several
// documents, duplicate top-level keys), and how refused input is quoted back.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "provider/api/names.h"
#include "provider/backend/local_backend.h"
#include "provider/esc/definition_data.h"
#include "tests/store/store_test_util.h"
#include "tests/util/status_matchers.h"

namespace escnative::backend {
namespace {

using ::escnative::store::testing::TempDir;
using ::escnative::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

class WriteChecksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LocalBackendOptions o;
    o.path = dir_.File("store.db");
    o.credential = crypto::Credential::Passphrase(crypto::SecretBytes::CopyFrom("pass"));
    o.organization = "myorg";
    o.kdf_params = crypto::KdfParams::FastForTesting();
    auto b = LocalBackend::Open(std::move(o));
    ASSERT_OK(b);
    backend_ = *std::move(b);
  }

  static EnvironmentRef Ref(const std::string& name) { return {"myorg", "default", name}; }

  void Make(const std::string& name, const std::string& yaml) {
    ASSERT_OK(backend_->CreateEnvironment(Ref(name)));
    ASSERT_OK(backend_->UpdateDefinition(Ref(name), yaml, std::nullopt));
  }

  // A write that must fail with InvalidArgument mentioning `want`, leaving
  // `name` as it was.
  void ExpectRefused(const std::string& name, const std::string& yaml, const std::string& want) {
    auto before = backend_->GetDefinition(Ref(name), "", false);
    ASSERT_OK(before);
    auto res = backend_->UpdateDefinition(Ref(name), yaml, std::nullopt);
    ASSERT_THAT(res, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(std::string(res.status().message()), HasSubstr(want));
    auto after = backend_->GetDefinition(Ref(name), "", false);
    ASSERT_OK(after);
    EXPECT_EQ(after->revision, before->revision);
    EXPECT_EQ(after->yaml, before->yaml);
  }

  TempDir dir_;
  std::unique_ptr<LocalBackend> backend_;
};

TEST_F(WriteChecksTest, SelfImportIsRefused) {
  Make("a", "values:\n  x: 1\n");
  ExpectRefused("a", "imports: [a]\nvalues:\n  x: 2\n",
                "cyclic import of default/a: default/a -> default/a");
  ExpectRefused("a", "imports: [default/a]\n", "default/a -> default/a");
  EXPECT_OK(backend_->OpenEnvironment(Ref("a"), ""));
}

TEST_F(WriteChecksTest, ClosingARingIsRefused) {
  Make("a", "values:\n  x: 1\n");
  Make("b", "imports: [a]\n");
  Make("c", "imports: [b]\n");
  ExpectRefused("a", "imports: [c]\n",
                "cyclic import of default/a: default/a -> default/c -> default/b -> default/a");
  // Two: the other spelling of the same environment is caught too.
  ExpectRefused("a", "imports: [default/b]\n", "default/a -> default/b -> default/a");
  for (const char* name : {"a", "b", "c"}) EXPECT_OK(backend_->OpenEnvironment(Ref(name), ""));
  // A diamond is not a cycle.
  Make("d", "imports: [b, c]\n");
}

TEST_F(WriteChecksTest, OnlyOneDocument) {
  Make("a", "values:\n  x: 1\n");
  ExpectRefused("a", "values:\n  x: 1\n---\nvalues:\n  x: 2\n", "single YAML document");
}

TEST_F(WriteChecksTest, DuplicateTopLevelValuesIsAnError) {
  Make("a", "values:\n  x: 1\n");
  ExpectRefused("a", "values:\n  x: 1\nvalues:\n  y: 2\n", "duplicate key \"values\"");
}

TEST(EchoedNames, AreEscapedAndCapped) {
  auto r = ParseEnvironmentRef("proj/\x1b[31mred", "myorg", "default");
  ASSERT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  std::string message(r.status().message());
  EXPECT_THAT(message, HasSubstr("\\x1B[31mred"));
  EXPECT_THAT(message, Not(HasSubstr("\x1b")));

  std::string huge(100 * 1024, 'n');
  r = ParseEnvironmentRef("proj/" + huge + "!", "myorg", "default");
  ASSERT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_LT(r.status().message().size(), 1000u);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("…"));
  EXPECT_THAT(api::ValidateVersion("\x1b]0;title\x07", "env"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(api::ValidateVersion("\x1b]0;title\x07", "env").message()),
              Not(HasSubstr("\x1b")));
}

// A write from data (what the Secret resource's writer sends) stores what
// the same definition written as YAML stores: the same tree, validated and
// encrypted the same way, with diagnostics that have no positions.
TEST_F(WriteChecksTest, DefinitionDataWritesWhatItsYamlWrites) {
  constexpr char kPlain[] = "pl41nt3xt-DATA-PATH";
  const nlohmann::ordered_json data = nlohmann::ordered_json::parse(std::string(R"({
    "imports": ["base"],
    "values": {"n": 1.5, "i": 42, "t": "true", "empty": {}, "list": [null, false, "x: y"],
               "ref": "${n}-${base}", "s": {"fn::secret": ")") + kPlain + R"("}}})");
  Make("base", "values:\n  base: b\n");
  ASSERT_OK(backend_->CreateEnvironment(Ref("from-data")));
  ASSERT_OK(backend_->CreateEnvironment(Ref("from-yaml")));
  ASSERT_OK(backend_->UpdateDefinitionData(Ref("from-data"), data, std::nullopt));
  ASSERT_OK(
      backend_->UpdateDefinition(Ref("from-yaml"), esc::DefinitionToYaml(data), std::nullopt));
  auto a = backend_->GetDefinition(Ref("from-data"), "", /*decrypt=*/true);
  auto b = backend_->GetDefinition(Ref("from-yaml"), "", /*decrypt=*/true);
  ASSERT_OK(a);
  ASSERT_OK(b);
  EXPECT_TRUE(a->yaml == b->yaml);  // plaintext inside: not printed
  auto stored = backend_->store().ReadDefinition(Ref("from-data"), "");
  ASSERT_OK(stored);
  EXPECT_EQ(stored->yaml.find(kPlain), std::string::npos);

  // Refused like YAML, nothing written; errors name the path, no position.
  auto bad = nlohmann::ordered_json::parse(R"({"values": {"a": "${nope}"}})");
  auto res = backend_->UpdateDefinitionData(Ref("from-data"), bad, std::nullopt);
  ASSERT_THAT(res, StatusIs(absl::StatusCode::kInvalidArgument));
  esc::Diagnostics diags = DiagnosticsFromStatus(res.status());
  ASSERT_FALSE(diags.empty());
  EXPECT_EQ(diags[0].path, "values.a");
  EXPECT_TRUE(diags[0].range.empty());
  nlohmann::ordered_json not_utf8 = nlohmann::ordered_json::object();
  not_utf8["values"]["k"] = std::string("\xff\xfe");
  EXPECT_THAT(backend_->UpdateDefinitionData(Ref("from-data"), not_utf8, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(backend_->GetEnvironment(Ref("from-data"))->latest_revision, 2);
}

}  // namespace
}  // namespace escnative::backend
