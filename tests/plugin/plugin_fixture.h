// The engine's side of the process-level plugin tests: launch
// pulumi-resource-esc as the engine does, talk to it with the engine's wire
// encoding, and scan everything it said for plaintext secrets at the end.
#ifndef TESTS_PLUGIN_PLUGIN_FIXTURE_H_
#define TESTS_PLUGIN_PLUGIN_FIXTURE_H_

#include <gmock/gmock.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/impl/client_unary_call.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "google/rpc/status.pb.h"
#include "provider/server/wire_constants.h"
#include "tests/harness/plugin_process.h"

namespace escnative::testing {

using ::testing::HasSubstr;
namespace wire = ::escnative::server::wire;
using google::protobuf::Empty;
using google::protobuf::Struct;

// Plaintexts that must never appear outside a secret wrapper.
inline constexpr char kPassphrase[] = "pp-MARKER-4f1d0c2a-passphrase";
inline constexpr char kToken[] = "tok-MARKER-9a7e55b1-accesstoken";
inline constexpr char kSecretValue[] = "sv-MARKER-2c8e6f03-secretvalue";

inline Struct Json(const std::string& text) {
  Struct s;
  auto st = google::protobuf::util::JsonStringToMessage(text, &s);
  EXPECT_TRUE(st.ok()) << st.ToString() << " in " << text;
  return s;
}

inline std::string SecretJson(const std::string& inner_json) {
  return std::string("{\"") + wire::kSigKey + "\":\"" + wire::kSigSecret +
         "\",\"value\":" + inner_json + "}";
}

inline std::string Quoted(const char* s) { return std::string("\"") + s + "\""; }

inline std::string ToJson(const google::protobuf::Message& m) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(m, &out);
  return out;
}

// Removes every secret wrapper's contents from one JSON document so a search
// for a plaintext finds only leaks outside secret wrappers.
inline std::string StripSecretsFromDocument(const std::string& json_text) {
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
  if (j.is_discarded()) return json_text;
  std::function<void(nlohmann::json&)> walk = [&](nlohmann::json& v) {
    if (v.is_object()) {
      auto sig = v.find(wire::kSigKey);
      if (sig != v.end() && *sig == wire::kSigSecret) {
        v["value"] = "[stripped]";
        return;
      }
      for (auto& [k, e] : v.items()) walk(e);
    } else if (v.is_array()) {
      for (auto& e : v) walk(e);
    }
  };
  walk(j);
  return j.dump();
}

// The same over newline-separated documents.
inline std::string StripSecrets(const std::string& lines) {
  std::string out;
  size_t start = 0;
  while (start < lines.size()) {
    size_t end = lines.find('\n', start);
    if (end == std::string::npos) end = lines.size();
    out += StripSecretsFromDocument(lines.substr(start, end - start)) + "\n";
    start = end + 1;
  }
  return out;
}

// {"values": {"a": {"a": ... {"leaf": 1}}}} with `levels` objects under values.
inline Struct NestedStruct(int levels) {
  Struct root;
  (*root.mutable_fields())["name"].set_string_value("deep");
  Struct* cur = (*root.mutable_fields())["values"].mutable_struct_value();
  for (int i = 0; i < levels; ++i) cur = (*cur->mutable_fields())["a"].mutable_struct_value();
  (*cur->mutable_fields())["leaf"].set_number_value(1);
  return root;
}

// A unary call whose response is parsed with room for deep values (the
// generated stub parses with protobuf's default recursion limit of 100).
template <typename Resp>
grpc::Status DeepCall(grpc::Channel* channel, const char* method,
                      const google::protobuf::Message& req, Resp* resp) {
  std::string bytes = req.SerializeAsString();
  grpc::Slice slice(bytes);
  grpc::ByteBuffer in(&slice, 1), out;
  auto ctx = CallContext(absl::Seconds(30));
  grpc::Status st = grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
      channel, grpc::internal::RpcMethod(method, grpc::internal::RpcMethod::NORMAL_RPC), ctx.get(),
      in, &out);
  if (!st.ok()) return st;
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(out.Dump(&slices).ok());
  std::string data;
  for (const auto& s : slices) data.append(reinterpret_cast<const char*>(s.begin()), s.size());
  google::protobuf::io::CodedInputStream coded(reinterpret_cast<const uint8_t*>(data.data()),
                                               static_cast<int>(data.size()));
  coded.SetRecursionLimit(10000);
  EXPECT_TRUE(resp->ParseFromCodedStream(&coded));
  return st;
}

class PluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = FakeEngine::Start();
    ASSERT_NE(engine_, nullptr);
    Launch({});
  }

  void Launch(std::map<std::string, std::optional<std::string>> env) {
    // A clean credential environment unless a test sets one.
    for (const char* k : {"PULUMI_ACCESS_TOKEN", "ESC_PASSPHRASE", "ESC_PASSPHRASE_FILE",
                          "PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE",
                          "ESC_LOCAL_PATH", "PULUMI_BACKEND_URL"}) {
      env.emplace(k, std::nullopt);
    }
    LaunchOptions opts;
    opts.engine_address = engine_->address();
    opts.extra_args = {"--logtostderr", "-v=9", "--tracing", "127.0.0.1:1"};
    opts.env = std::move(env);
    auto p = PluginProcess::Launch(opts);
    ASSERT_TRUE(p.ok()) << p.status();
    plugin_ = *std::move(p);
  }

  // Records every response for the final leak scan.
  template <typename Resp>
  void Record(const Resp& r) {
    responses_ += ToJson(r) + "\n";
  }

  void TearDown() override {
    if (plugin_ == nullptr) return;
    auto status = plugin_->SignalAndWait(SIGINT, absl::Seconds(5));
    ASSERT_TRUE(status.has_value()) << "plugin ignored SIGINT for 5 s";
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "wait status " << *status;
    EXPECT_EQ(plugin_->stdout_after_port(), "") << "nothing but the port may reach stdout";
    // The leak scan over everything the plugin said.
    std::string logs;
    for (const auto& l : engine_->logs()) logs += l.message() + "\n";
    for (const char* plain : {kPassphrase, kToken, kSecretValue}) {
      EXPECT_EQ(StripSecrets(responses_).find(plain), std::string::npos) << plain;
      EXPECT_EQ(logs.find(plain), std::string::npos) << plain;
      EXPECT_EQ(plugin_->stderr_text().find(plain), std::string::npos) << plain;
    }
  }

  std::unique_ptr<FakeEngine> engine_;
  std::unique_ptr<PluginProcess> plugin_;
  std::string responses_;
};

}  // namespace escnative::testing

#endif  // TESTS_PLUGIN_PLUGIN_FIXTURE_H_
