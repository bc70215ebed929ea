// Process-level regressions from the adversarial pass: deep values, secrets
// on Check's failure paths, and credential files that are not small regular
// files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "tests/plugin/plugin_fixture.h"

namespace escnative::testing {
namespace {

// ESC allows 128 nesting levels and Read returns values that deep: they
// must survive a Check round trip (gRPC's default parser stopped at ~32).
TEST_F(PluginTest, ValuesNested128LevelsRoundTrip) {
  pulumirpc::CheckRequest req;
  req.set_type("esc:index:Environment");
  req.set_urn("urn:pulumi:dev::proj::esc:index:Environment::deep");
  *req.mutable_news() = NestedStruct(128);
  pulumirpc::CheckResponse resp;
  grpc::Status st =
      DeepCall(plugin_->channel().get(), "/pulumirpc.ResourceProvider/Check", req, &resp);
  ASSERT_TRUE(st.ok()) << st.error_code() << ": " << st.error_message();
  EXPECT_EQ(resp.inputs().fields().at("values").SerializeAsString(),
            req.news().fields().at("values").SerializeAsString());
}

// Secrets come back wrapped from Check and CheckConfig on their failure paths.
TEST_F(PluginTest, CheckFailurePathsKeepSecretsWrapped) {
  pulumirpc::CheckRequest config;
  *config.mutable_news() =
      Json(std::string(R"({"passphrase":")") + kPassphrase + R"(","httpRetries":"many"})");
  pulumirpc::CheckResponse resp;
  ASSERT_TRUE(plugin_->stub().CheckConfig(CallContext().get(), config, &resp).ok());
  Record(resp);
  EXPECT_EQ(resp.failures_size(), 1);
  EXPECT_EQ(resp.inputs()
                .fields()
                .at("passphrase")
                .struct_value()
                .fields()
                .at(wire::kSigKey)
                .string_value(),
            wire::kSigSecret);

  const std::string secret = std::string("values:\n  key:\n    fn::secret: ") + kSecretValue + "\n";
  for (const std::string& yaml :
       {secret + "\tbad: tab\n", secret + "  b: \"unterminated\n", secret + "  key: duplicate\n"}) {
    pulumirpc::CheckRequest req;
    req.set_type("esc:index:Environment");
    req.set_urn("urn:pulumi:dev::proj::esc:index:Environment::broken");
    (*req.mutable_news()->mutable_fields())["name"].set_string_value("broken");
    (*req.mutable_news()->mutable_fields())["yaml"].set_string_value(yaml);
    ASSERT_TRUE(plugin_->stub().Check(CallContext().get(), req, &resp).ok());
    Record(resp);
    // (A duplicate key is reported once a backend is configured.)
    if (yaml.find("duplicate") == std::string::npos) {
      EXPECT_GE(resp.failures_size(), 1) << yaml;
    }
    const auto& out = resp.inputs().fields().at("yaml");
    ASSERT_TRUE(out.has_struct_value()) << yaml;
    EXPECT_EQ(out.struct_value().fields().at(wire::kSigKey).string_value(), wire::kSigSecret);
  }
}

// Credential files: only small regular files; a FIFO must not hang.
TEST_F(PluginTest, ConfigureRefusesPassphraseFilesThatAreNotSmallRegularFiles) {
  const std::string dir = ::testing::TempDir() + "/plugin-passphrase-files";
  std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'").c_str());
  const std::string fifo = dir + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string big = dir + "/big";
  { std::ofstream(big) << std::string(64 * 1024 + 1, 'p'); }
  struct Case {
    std::string path;
    std::string expected;
  } cases[] = {
      {dir, "esc:passphraseFile: passphrase file \"" + dir +
                "\" is a directory; expected a regular file"},
      {"/dev/zero", "is not a regular file"},
      {fifo, "is not a regular file"},
      {big, "at most 65536"},
  };
  for (const Case& c : cases) {
    pulumirpc::ConfigureRequest req;
    *req.mutable_args() =
        Json(R"({"localPath":")" + dir + R"(/store.db","passphraseFile":")" + c.path + R"("})");
    pulumirpc::ConfigureResponse resp;
    grpc::Status st = plugin_->stub().Configure(CallContext(absl::Seconds(10)).get(), req, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.path;
    EXPECT_THAT(st.error_message(), HasSubstr(c.expected));
  }
  // The environment variable, named in the error.
  plugin_->SignalAndWait(SIGTERM, absl::Seconds(5));
  Launch({{"ESC_PASSPHRASE_FILE", dir}, {"ESC_LOCAL_PATH", dir + "/store.db"}});
  pulumirpc::ConfigureRequest req;
  *req.mutable_args() = Json("{}");
  pulumirpc::ConfigureResponse resp;
  grpc::Status st = plugin_->stub().Configure(CallContext().get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("ESC_PASSPHRASE_FILE: passphrase file"));
  EXPECT_THAT(st.error_message(), HasSubstr("is a directory"));
}

}  // namespace
}  // namespace escnative::testing
