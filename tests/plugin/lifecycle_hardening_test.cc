// Lifecycle regressions from the adversarial pass, through the plugin
// binary: Secret Delete removes only its own value, Create validates inputs
// the engine did not Check, malformed ids and paths are refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/plugin/lifecycle_fixture.h"

namespace escnative::testing {
namespace {

// A Secret whose path was rewritten by someone else leaves that value alone
// on delete, with a warning naming the path (never a value).
TEST_F(LifecycleTest, SecretDeleteLeavesAValueItDoesNotOwn) {
  json env_in = Check(kEnv, "own", json::object(), {{"name", "own"}, {"values", {{"a", "x"}}}});
  pulumirpc::CreateResponse ec;
  ASSERT_TRUE(Create(kEnv, "own", env_in, false, &ec).ok());
  json in = Check(kSecret, "key", json::object(),
                  {{"environment", "own"}, {"path", "secrets.key"}, {"value", kSecretValue}});
  pulumirpc::CreateResponse c;
  ASSERT_TRUE(Create(kSecret, "key", in, false, &c).ok());
  ASSERT_EQ(Escctl("env set own secrets.key by-hand"), 0);
  ASSERT_TRUE(Delete(kSecret, "key", c.id(), ToJ(c.properties()), &in).ok());
  std::string def;
  ASSERT_EQ(Escctl("env get own --definition", &def), 0);
  EXPECT_THAT(def, HasSubstr("by-hand")) << "someone else's value stays";
  bool warned = false;
  for (const auto& l : engine_->logs()) {
    EXPECT_EQ(l.message().find("by-hand"), std::string::npos);
    warned |=
        l.severity() == pulumirpc::WARNING && l.message().find("secrets.key") != std::string::npos;
  }
  EXPECT_TRUE(warned);

  // Its own value is deleted.
  json mine = Check(kSecret, "mine", json::object(),
                    {{"environment", "own"}, {"path", "secrets.mine"}, {"value", kApiKey}});
  pulumirpc::CreateResponse mc;
  ASSERT_TRUE(Create(kSecret, "mine", mine, false, &mc).ok());
  ASSERT_TRUE(Delete(kSecret, "mine", mc.id(), ToJ(mc.properties()), &mine).ok());
  ASSERT_EQ(Escctl("env get own --definition", &def), 0);
  EXPECT_THAT(def, Not(HasSubstr("mine")));
  EXPECT_THAT(def, HasSubstr("by-hand"));
}

// Create validates inputs itself: the engine skips Check for imports and
// replays, and a bad type must not reach the backend.
TEST_F(LifecycleTest, CreateValidatesInputsWithoutCheck) {
  const json scopes = {{{"environment", "organization/default/dev"}, {"permission", "read"}}};
  struct Case {
    json props;
    std::string expected;
  } cases[] = {
      {{{"kind", 42}}, "kind: expected one of"},
      {{{"kind", "environment"}, {"scopes", scopes}, {"expiresIn", 42}},
       "expiresIn: expected a string"},
      {{{"kind", "environment"}, {"scopes", scopes}, {"expiresIn", "100000000000d"}},
       "maximum of 10 years"},
  };
  for (const Case& c : cases) {
    pulumirpc::CreateResponse resp;
    grpc::Status st = Create(kTokenType, "bad", c.props, false, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.props.dump();
    EXPECT_THAT(st.error_message(), HasSubstr(c.expected));
  }
  std::string tokens;
  ASSERT_EQ(Escctl("token ls", &tokens), 0);
  EXPECT_THAT(tokens, Not(HasSubstr("organization/default/dev"))) << "nothing was created";

  // Secret paths with control characters: a CheckFailure, and Create refuses.
  std::vector<std::pair<std::string, std::string>> failures;
  json bad = Check(kSecret, "nl", json::object(),
                   {{"environment", "organization/default/dev"}, {"path", "a\nb"}, {"value", "v"}},
                   &failures);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].first, "path");
  EXPECT_THAT(failures[0].second, HasSubstr("a\\nb"));
  pulumirpc::CreateResponse resp;
  EXPECT_EQ(Create(kSecret, "nl", bad, false, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(LifecycleTest, AccessTokenReadWithAMalformedIdIsInvalidArgument) {
  pulumirpc::ReadRequest req;
  req.set_urn(Urn(kTokenType, "t"));
  req.set_type(kTokenType);
  req.set_id("not-a-token-id");
  pulumirpc::ReadResponse resp;
  grpc::Status st = plugin_->stub().Read(CallContext().get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("32 lower-case hex digits"));
}

}  // namespace
}  // namespace escnative::testing
