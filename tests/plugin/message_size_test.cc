// Errors built from huge or hostile input must come back bounded. A gRPC
// status message travels in the grpc-message trailer; one over the peer's
// metadata limit never arrives, and the channel (and the plugin's shutdown)
// used to hang behind it. Launches the plugin as the engine does.
#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstdlib>
#include <string>

#include "tests/harness/plugin_process.h"

namespace escnative::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kType[] = "esc:index:Environment";
// What a status message may take on the wire (ToGrpcStatus caps at 4 KiB of
// percent-encoded text), with room for the cap's own tail.
constexpr size_t kMaxMessage = 4096 + 64;

class MessageSizeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/message-size-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::system(("rm -rf '" + dir_ + "' && mkdir -p '" + dir_ + "'").c_str());
    engine_ = FakeEngine::Start();
    ASSERT_NE(engine_, nullptr);
    LaunchOptions opts;
    opts.engine_address = engine_->address();
    opts.env = {{"ESC_PASSPHRASE", "message-size-pass"},
                {"ESC_LOCAL_PATH", dir_ + "/store.db"},
                {"PULUMI_ACCESS_TOKEN", std::nullopt},
                {"PULUMI_CONFIG_PASSPHRASE", std::nullopt}};
    auto p = PluginProcess::Launch(opts);
    ASSERT_TRUE(p.ok()) << p.status();
    plugin_ = *std::move(p);
    pulumirpc::ConfigureRequest req;
    (*req.mutable_args()->mutable_fields())["organization"].set_string_value("myorg");
    pulumirpc::ConfigureResponse resp;
    grpc::Status st = plugin_->stub().Configure(CallContext(absl::Seconds(30)).get(), req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }

  void TearDown() override {
    if (plugin_ == nullptr) return;
    // SIGTERM, as the engine sends it: a wedged channel used to block it.
    auto status = plugin_->SignalAndWait(SIGTERM, absl::Seconds(10));
    ASSERT_TRUE(status.has_value()) << "plugin ignored SIGTERM";
    EXPECT_TRUE(WIFEXITED(*status)) << *status;
    if (HasFailure()) {
      std::string err = plugin_->stderr_text();
      ADD_FAILURE() << "plugin stderr (tail): "
                    << err.substr(err.size() > 4000 ? err.size() - 4000 : 0);
    }
  }

  static google::protobuf::Struct Props(const std::string& name, const std::string& yaml = "") {
    google::protobuf::Struct s;
    (*s.mutable_fields())["organization"].set_string_value("myorg");
    (*s.mutable_fields())["project"].set_string_value("default");
    (*s.mutable_fields())["name"].set_string_value(name);
    if (!yaml.empty()) (*s.mutable_fields())["yaml"].set_string_value(yaml);
    return s;
  }

  grpc::Status Create(const std::string& name, const std::string& yaml = "") {
    pulumirpc::CreateRequest req;
    req.set_urn(std::string("urn:pulumi:dev::p::") + kType + "::env");
    req.set_type(kType);
    *req.mutable_properties() = Props(name, yaml);
    pulumirpc::CreateResponse resp;
    return plugin_->stub().Create(CallContext(absl::Seconds(60)).get(), req, &resp);
  }

  pulumirpc::CheckResponse Check(const std::string& name, const std::string& yaml) {
    pulumirpc::CheckRequest req;
    req.set_urn(std::string("urn:pulumi:dev::p::") + kType + "::env");
    req.set_type(kType);
    *req.mutable_news() = Props(name, yaml);
    pulumirpc::CheckResponse resp;
    grpc::Status st = plugin_->stub().Check(CallContext(absl::Seconds(60)).get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp;
  }

  // The channel still serves calls after an error.
  void ExpectChannelWorks() {
    pulumirpc::PluginInfo info;
    grpc::Status st =
        plugin_->stub().GetPluginInfo(CallContext().get(), google::protobuf::Empty(), &info);
    EXPECT_TRUE(st.ok()) << st.error_code() << " " << st.error_message();
    auto resp = Check("ok", "values:\n  a: 1\n");
    EXPECT_EQ(resp.failures_size(), 0);
  }

  static std::string ManyErrors(int n) {
    std::string yaml = "values:\n";
    for (int i = 0; i < n; ++i) {
      yaml += "  a" + std::to_string(i) + ": ${nope" + std::to_string(i) + "}\n";
    }
    return yaml;
  }

  std::string dir_;
  std::unique_ptr<FakeEngine> engine_;
  std::unique_ptr<PluginProcess> plugin_;
};

TEST_F(MessageSizeTest, HugeNameGetsABoundedError) {
  grpc::Status st = Create(std::string(100 * 1024, 'n') + "!");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << st.error_message();
  EXPECT_LE(st.error_message().size(), kMaxMessage);
  ExpectChannelWorks();
}

TEST_F(MessageSizeTest, TerminalEscapesInANameAreNotEchoed) {
  grpc::Status st = Create("\x1b[31mred");
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error_message(), Not(HasSubstr("\x1b")));
}

TEST_F(MessageSizeTest, EightThousandErrorsGetABoundedAnswer) {
  const std::string yaml = ManyErrors(8000);
  auto checked = Check("many", yaml);
  ASSERT_GT(checked.failures_size(), 0);
  EXPECT_LE(checked.failures_size(), 102);
  EXPECT_THAT(checked.failures(checked.failures_size() - 1).reason(),
              HasSubstr("… and 7900 more errors"));

  grpc::Status st = Create("many", yaml);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
  EXPECT_LE(st.error_message().size(), kMaxMessage);
  EXPECT_THAT(st.error_message(), HasSubstr("unknown property \"nope0\""));
  ExpectChannelWorks();
}

}  // namespace
}  // namespace escnative::testing
