// The engine's side of the lifecycle tests: a plugin on a fresh local store
// (or, for BackendLifecycleTest's "cloud" parameter, on `backend: cloud`
// against `escctl serve` over that store), one helper per RPC that records
// every response, and escctl against the same store. TearDown searches every response, engine log
// line, stderr, escctl output and the database file for the plaintext secrets.
#ifndef TESTS_PLUGIN_LIFECYCLE_FIXTURE_H_
#define TESTS_PLUGIN_LIFECYCLE_FIXTURE_H_

#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "provider/server/wire_constants.h"
#include "tests/harness/plugin_process.h"
#include "tests/harness/serve_process.h"

namespace escnative::testing {

using ::testing::HasSubstr;
using ::testing::Not;
namespace wire = ::escnative::server::wire;
using google::protobuf::Struct;
using json = nlohmann::json;

inline constexpr char kPassphrase[] = "lc-pass-MARKER-0b5e";
inline constexpr char kApiKey[] = "lc-apikey-MARKER-91c4d2";
inline constexpr char kApiKey2[] = "lc-apikey2-MARKER-44aa10";
inline constexpr char kDrift[] = "lc-drift-MARKER-7d21";
inline constexpr char kSecretValue[] = "lc-secret-MARKER-3f9e";

inline Struct J(const json& j) {
  Struct s;
  auto st = google::protobuf::util::JsonStringToMessage(j.dump(), &s);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return s;
}

inline json ToJ(const google::protobuf::Message& m) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(m, &out);
  return json::parse(out);
}

inline json Secret(const json& inner) {
  return {{wire::kSigKey, wire::kSigSecret}, {"value", inner}};
}
inline bool IsSecret(const json& j) {
  return j.is_object() && j.contains(wire::kSigKey) && j[wire::kSigKey] == wire::kSigSecret;
}
inline const char* Unknown() { return wire::kUnknownString; }

inline std::string Urn(const std::string& type, const std::string& name) {
  return absl::StrCat("urn:pulumi:dev::lifecycle::", type, "::", name);
}

// Blanks the inside of every secret wrapper.
inline void StripSecrets(json& v) {
  if (v.is_object()) {
    if (IsSecret(v)) {
      v["value"] = "[stripped]";
      return;
    }
    for (auto& [k, e] : v.items()) StripSecrets(e);
  } else if (v.is_array()) {
    for (auto& e : v) StripSecrets(e);
  }
}

// The sanitizer's report in a process's stderr (stack traces, no values),
// for a plugin that exited with a failure status in a sanitizer build.
inline std::string SanitizerReport(const std::string& err) {
  size_t at = err.find("WARNING: ThreadSanitizer");
  if (at == std::string::npos) at = err.find("ERROR: AddressSanitizer");
  if (at == std::string::npos) at = err.find("runtime error:");
  if (at == std::string::npos) return "";
  return "\n" + err.substr(at, 8192);
}

class LifecycleTest : public ::testing::Test {
 protected:
  virtual bool cloud() const { return false; }

  void SetUp() override {
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = ::testing::TempDir() + "/lifecycle-" + test.substr(0, test.find('/')) +
           (cloud() ? "-cloud" : "");
    std::system(("rm -rf '" + dir_ + "' && mkdir -p '" + dir_ + "'").c_str());
    store_ = dir_ + "/store.db";
    engine_ = FakeEngine::Start();
    ASSERT_NE(engine_, nullptr);
    LaunchOptions opts;
    opts.engine_address = engine_->address();
    opts.env = {{"ESC_PASSPHRASE", kPassphrase},
                {"ESC_LOCAL_PATH", store_},
                {"PULUMI_ACCESS_TOKEN", std::nullopt},
                {"PULUMI_CONFIG_PASSPHRASE", std::nullopt}};
    auto p = PluginProcess::Launch(opts);
    ASSERT_TRUE(p.ok()) << p.status();
    plugin_ = *std::move(p);
    json args = json::object();
    if (cloud()) {
      auto served =
          ServeProcess::Start({{"ESC_PASSPHRASE", kPassphrase}, {"ESC_LOCAL_PATH", store_}}, dir_);
      ASSERT_TRUE(served.ok()) << served.status();
      server_ = *std::move(served);
      auto token = server_->CreateToken("organization/*/*:admin");
      ASSERT_TRUE(token.ok()) << token.status();
      token_ = *token;
      // No organization: the server's default for the token is used.
      args = {
          {"backend", "cloud"}, {"backendUrl", server_->url()}, {"accessToken", Secret(token_)}};
    }
    pulumirpc::ConfigureRequest req;
    *req.mutable_args() = J(args);
    pulumirpc::ConfigureResponse resp;
    grpc::Status st = plugin_->stub().Configure(CallContext(absl::Seconds(30)).get(), req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }

  void TearDown() override {
    if (plugin_ == nullptr) return;
    auto status = plugin_->SignalAndWait(SIGINT, absl::Seconds(5));
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
        << "wait status " << *status << SanitizerReport(plugin_->stderr_text());
    EXPECT_EQ(plugin_->stdout_after_port(), "");
    std::string logs;
    for (const auto& l : engine_->logs()) logs += l.message() + "\n";
    std::string db;
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::ifstream in(store_ + suffix, std::ios::binary);
      db.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    EXPECT_GT(db.size(), 0u);
    std::string stripped;
    for (json r : responses_) {
      StripSecrets(r);
      stripped += r.dump() + "\n";
    }
    std::string served = server_ != nullptr ? server_->stderr_text() : "";
    std::vector<std::string> planted = {kPassphrase, kApiKey, kApiKey2, kDrift, kSecretValue};
    if (!token_.empty()) planted.push_back(token_);  // the access token: nowhere at all
    for (const std::string& plain : planted) {
      EXPECT_EQ(served.find(plain), std::string::npos) << plain << " in the server's log";
      EXPECT_EQ(stripped.find(plain), std::string::npos) << plain << " outside a secret";
      EXPECT_EQ(logs.find(plain), std::string::npos) << plain << " in an engine log";
      EXPECT_EQ(plugin_->stderr_text().find(plain), std::string::npos) << plain << " on stderr";
      EXPECT_EQ(db.find(plain), std::string::npos) << plain << " in the database file";
      EXPECT_EQ(cli_output_.find(plain), std::string::npos) << plain << " in escctl output";
    }
  }

  // escctl against the same store, as a person editing behind the program.
  int Escctl(const std::string& args, std::string* out = nullptr) {
    std::string cmd = absl::StrCat("ESC_PASSPHRASE='", kPassphrase, "' ESC_LOCAL_PATH='", store_,
                                   "' '", EscctlBinaryPath(), "' ", args, " 2>&1");
    FILE* f = popen(cmd.c_str(), "r");
    std::string text;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) text.append(buf, n);
    int status = pclose(f);
    cli_output_ += text;
    if (out != nullptr) *out = text;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  json Check(const std::string& type, const std::string& name, const json& olds, const json& news,
             std::vector<std::pair<std::string, std::string>>* failures = nullptr) {
    pulumirpc::CheckRequest req;
    req.set_urn(Urn(type, name));
    req.set_type(type);
    req.set_name(name);
    *req.mutable_olds() = J(olds);
    *req.mutable_news() = J(news);
    pulumirpc::CheckResponse resp;
    grpc::Status st = plugin_->stub().Check(CallContext().get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    Record(ToJ(resp));
    if (failures != nullptr) {
      for (const auto& f : resp.failures()) failures->push_back({f.property(), f.reason()});
    } else {
      for (const auto& f : resp.failures()) ADD_FAILURE() << f.property() << ": " << f.reason();
    }
    return ToJ(resp.inputs());
  }

  pulumirpc::DiffResponse Diff(const std::string& type, const std::string& name,
                               const std::string& id, const json& olds, const json& old_inputs,
                               const json& news) {
    pulumirpc::DiffRequest req;
    req.set_urn(Urn(type, name));
    req.set_type(type);
    req.set_id(id);
    *req.mutable_olds() = J(olds);
    *req.mutable_old_inputs() = J(old_inputs);
    *req.mutable_news() = J(news);
    pulumirpc::DiffResponse resp;
    grpc::Status st = plugin_->stub().Diff(CallContext().get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    Record(ToJ(resp));
    return resp;
  }

  grpc::Status Create(const std::string& type, const std::string& name, const json& props,
                      bool preview, pulumirpc::CreateResponse* resp) {
    pulumirpc::CreateRequest req;
    req.set_urn(Urn(type, name));
    req.set_type(type);
    req.set_preview(preview);
    *req.mutable_properties() = J(props);
    grpc::Status st = plugin_->stub().Create(CallContext(absl::Seconds(30)).get(), req, resp);
    Record(ToJ(*resp));
    Record(json(st.error_message()));
    return st;
  }

  pulumirpc::ReadResponse Read(const std::string& type, const std::string& name,
                               const std::string& id, const json* props, const json* inputs) {
    pulumirpc::ReadRequest req;
    req.set_urn(Urn(type, name));
    req.set_type(type);
    req.set_id(id);
    if (props != nullptr) *req.mutable_properties() = J(*props);
    if (inputs != nullptr) *req.mutable_inputs() = J(*inputs);
    pulumirpc::ReadResponse resp;
    grpc::Status st = plugin_->stub().Read(CallContext().get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    Record(ToJ(resp));
    return resp;
  }

  grpc::Status Update(const std::string& type, const std::string& name, const std::string& id,
                      const json& olds, const json& old_inputs, const json& news, bool preview,
                      pulumirpc::UpdateResponse* resp) {
    pulumirpc::UpdateRequest req;
    req.set_urn(Urn(type, name));
    req.set_type(type);
    req.set_id(id);
    req.set_preview(preview);
    *req.mutable_olds() = J(olds);
    *req.mutable_old_inputs() = J(old_inputs);
    *req.mutable_news() = J(news);
    grpc::Status st = plugin_->stub().Update(CallContext(absl::Seconds(30)).get(), req, resp);
    Record(ToJ(*resp));
    Record(json(st.error_message()));
    return st;
  }

  // `old_inputs` defaults to `props` (outputs); the engine sends the old
  // checked inputs.
  grpc::Status Delete(const std::string& type, const std::string& name, const std::string& id,
                      const json& props, const json* old_inputs = nullptr) {
    pulumirpc::DeleteRequest req;
    req.set_urn(Urn(type, name));
    req.set_type(type);
    req.set_id(id);
    *req.mutable_properties() = J(props);
    *req.mutable_old_inputs() = J(old_inputs != nullptr ? *old_inputs : props);
    google::protobuf::Empty e;
    grpc::Status st = plugin_->stub().Delete(CallContext().get(), req, &e);
    Record(json(st.error_message()));
    return st;
  }

  json Invoke(const std::string& tok, const json& args, grpc::Status* status = nullptr) {
    pulumirpc::InvokeRequest req;
    req.set_tok(tok);
    *req.mutable_args() = J(args);
    pulumirpc::InvokeResponse resp;
    grpc::Status st = plugin_->stub().Invoke(CallContext().get(), req, &resp);
    if (status != nullptr) {
      *status = st;
    } else {
      EXPECT_TRUE(st.ok()) << st.error_message();
    }
    for (const auto& f : resp.failures()) ADD_FAILURE() << f.property() << ": " << f.reason();
    Record(ToJ(resp));
    Record(json(st.error_message()));
    return ToJ(resp.return_());
  }

  static std::map<std::string, int> Kinds(const pulumirpc::DiffResponse& d) {
    std::map<std::string, int> out;
    for (const auto& [k, v] : d.detaileddiff()) out[k] = v.kind();
    return out;
  }

  std::string dir_, store_, cli_output_, token_;
  std::unique_ptr<ServeProcess> server_;
  std::unique_ptr<FakeEngine> engine_;
  std::unique_ptr<PluginProcess> plugin_;
  // Every response, for the leak scan; the helpers may run on many threads.
  void Record(json response) {
    std::lock_guard<std::mutex> lock(responses_mu_);
    responses_.push_back(std::move(response));
  }

  std::mutex responses_mu_;
  std::vector<json> responses_;
};

// The lifecycle on each backend: "local" (the store file) and "cloud" (the
// cloud backend against escctl serve on the same store, so escctl still
// edits behind the program's back).
class BackendLifecycleTest : public LifecycleTest,
                             public ::testing::WithParamInterface<std::string> {
 protected:
  bool cloud() const override { return GetParam() == "cloud"; }
};

inline constexpr char kEnv[] = "esc:index:Environment";
inline constexpr char kSecret[] = "esc:index:Secret";
inline constexpr char kTokenType[] = "esc:index:AccessToken";
inline constexpr char kTag[] = "esc:index:EnvironmentVersionTag";

}  // namespace escnative::testing

#endif  // TESTS_PLUGIN_LIFECYCLE_FIXTURE_H_
