// The functions (invokes) in process over FakeBackend: argument failures,
// versions, and secrets that come back as Pulumi secrets (or, from
// getEnvironment, as ciphertext only).
#include "provider/resources/functions.h"
#include "tests/resources/resource_test_util.h"

namespace escnative::resources::testing {
namespace {

using ::escnative::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kPlain[] = "functions-unit-plaintext-2b8f";

class FunctionsTest : public ResourceTest {
 protected:
  FunctionsTest()
      : open_(NewOpenEnvironmentFunction(&context_)),
        get_secret_(NewGetSecretFunction(&context_)),
        get_environment_(NewGetEnvironmentFunction(&context_)) {
    EXPECT_OK(backend_->CreateEnvironment(ref_));
    EXPECT_OK(backend_->UpdateDefinition(ref_, "values:\n  v: 1\n", std::nullopt));  // revision 2
    EXPECT_OK(backend_->UpdateDefinition(
        ref_,
        absl::StrCat("values:\n  plain: hello\n  secrets:\n    key:\n      fn::secret: ", kPlain,
                     "\n  environmentVariables:\n    TOKEN: ${secrets.key}\n    MODE: fast\n"
                     "  files:\n    CONF: text\n  pulumiConfig:\n    app:port: 80\n"),
        std::nullopt));  // revision 3
    EXPECT_OK(backend_->SetEnvironmentTags(ref_, {{"team", "a"}}));
    EXPECT_OK(backend_->CreateRevisionTag(ref_, "old", 2));
  }

  absl::StatusOr<InvokeResult> Invoke(Function& f, const PropertyMap& args) {
    InvokeRequest req;
    req.token = std::string(f.token());
    req.args = args;
    return f.Invoke(Ctx(), req);
  }

  const backend::EnvironmentRef ref_{"organization", "default", "dev"};
  std::unique_ptr<Function> open_, get_secret_, get_environment_;
};

TEST_F(FunctionsTest, ArgumentFailuresNameTheArgument) {
  for (Function* f : {open_.get(), get_secret_.get(), get_environment_.get()}) {
    auto r = Invoke(*f, {});
    ASSERT_OK(r);
    ASSERT_FALSE(r->failures.empty()) << f->token();
    EXPECT_EQ(r->failures[0].property, "environment") << f->token();
  }
  auto r = Invoke(*get_secret_, {{"environment", "dev"}});
  ASSERT_OK(r);
  EXPECT_EQ(r->failures[0].property, "path");
  EXPECT_THAT(backend_->Calls(), Not(::testing::Contains("OpenEnvironment")));
}

TEST_F(FunctionsTest, OpenEnvironmentMarksEverySecretLeaf) {
  auto r = Invoke(*open_, {{"environment", "dev"}});
  ASSERT_OK(r);
  ASSERT_THAT(r->failures, IsEmpty());
  EXPECT_FALSE(InPlainText(r->outputs, kPlain));
  const PropertyMap& values = r->outputs.at("values").AsObject();
  EXPECT_EQ(values.at("plain"), PropertyValue("hello"));
  EXPECT_TRUE(values.at("secrets").AsObject().at("key").IsSecret());
  const PropertyMap& vars = r->outputs.at("environmentVariables").AsObject();
  EXPECT_EQ(vars.at("TOKEN"), PropertyValue::MakeSecret(kPlain));
  EXPECT_EQ(vars.at("MODE"), PropertyValue("fast"));
  EXPECT_EQ(r->outputs.at("files").AsObject().at("CONF"), PropertyValue("text"));
  EXPECT_EQ(r->outputs.at("pulumiConfig").AsObject().at("app:port"), PropertyValue(80.0));
}

TEST_F(FunctionsTest, VersionsByArgumentOrSuffixButNotBoth) {
  for (const PropertyMap& args : {PropertyMap{{"environment", "dev"}, {"version", "2"}},
                                  PropertyMap{{"environment", "dev@old"}},
                                  PropertyMap{{"environment", "dev@2"}, {"version", "2"}}}) {
    auto r = Invoke(*open_, args);
    ASSERT_OK(r);
    EXPECT_EQ(r->outputs.at("values"), PropertyValue(PropertyMap{{"v", 1.0}}));
  }
  auto both = Invoke(*open_, {{"environment", "dev@2"}, {"version", "3"}});
  EXPECT_THAT(both, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(both.status().message()), HasSubstr("give one"));
}

TEST_F(FunctionsTest, OpenOfAMissingEnvironmentOrVersionSaysWhich) {
  auto env = Invoke(*open_, {{"environment", "ghost"}});
  EXPECT_THAT(env, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(std::string(env.status().message()), HasSubstr("opening organization/default/ghost"));
  EXPECT_THAT(Invoke(*open_, {{"environment", "dev"}, {"version", "9"}}),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Invoke(*open_, {{"environment", "a/b/c/d"}}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(FunctionsTest, GetSecretIsAlwaysASecret) {
  auto secret = Invoke(*get_secret_, {{"environment", "dev"}, {"path", "secrets.key"}});
  ASSERT_OK(secret);
  EXPECT_EQ(secret->outputs.at("value"), PropertyValue::MakeSecret(kPlain));
  auto plain = Invoke(*get_secret_, {{"environment", "dev"}, {"path", "plain"}});
  ASSERT_OK(plain);
  EXPECT_EQ(plain->outputs.at("value"), PropertyValue::MakeSecret("hello"));
}

TEST_F(FunctionsTest, GetSecretOfAMissingOrMalformedPath) {
  auto missing = Invoke(*get_secret_, {{"environment", "dev"}, {"path", "secrets.nope"}});
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("no value at secrets.nope"));
  auto bad = Invoke(*get_secret_, {{"environment", "dev"}, {"path", "a..b"}});
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("path:"));
}

TEST_F(FunctionsTest, GetEnvironmentShowsCiphertextOnly) {
  auto r = Invoke(*get_environment_, {{"environment", "dev"}});
  ASSERT_OK(r);
  EXPECT_FALSE(InPlainText(r->outputs, kPlain));
  EXPECT_THAT(r->outputs.at("definition").AsString(), HasSubstr("ciphertext"));
  EXPECT_EQ(r->outputs.at("revision"), PropertyValue(3.0));
  EXPECT_EQ(r->outputs.at("etag").AsString(), backend_->GetEnvironment(ref_)->etag);
  EXPECT_EQ(r->outputs.at("tags"), PropertyValue(PropertyMap{{"team", "a"}}));
  const PropertyArray& revisions = r->outputs.at("revisions").AsArray();
  ASSERT_EQ(revisions.size(), 3u);
  EXPECT_EQ(revisions[0].AsObject().at("number"), PropertyValue(3.0));  // newest first
  EXPECT_EQ(revisions[0].AsObject().at("tags"), PropertyValue(PropertyArray{"latest"}));
  EXPECT_EQ(revisions[1].AsObject().at("tags"), PropertyValue(PropertyArray{"old"}));
  EXPECT_THAT(backend_->Calls(), Not(::testing::Contains("OpenEnvironment")));
}

TEST_F(FunctionsTest, FunctionsWriteNothing) {
  const int writes = backend_->Mutations();
  (void)Invoke(*open_, {{"environment", "dev"}});
  (void)Invoke(*get_secret_, {{"environment", "dev"}, {"path", "plain"}});
  (void)Invoke(*get_environment_, {{"environment", "dev"}});
  EXPECT_EQ(backend_->Mutations(), writes);
}

}  // namespace
}  // namespace escnative::resources::testing
