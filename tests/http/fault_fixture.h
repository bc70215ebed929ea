// The fault-injecting HTTP server and the fixture of the client and cloud
// backend tests: a scriptable cpp-httplib server on loopback, a client and a
// CloudBackend pointed at it, and the token scan every test ends with.
#ifndef TESTS_HTTP_FAULT_FIXTURE_H_
#define TESTS_HTTP_FAULT_FIXTURE_H_

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "provider/backend/cloud/cloud_backend.h"
#include "provider/http/client.h"

namespace escnative::http {

inline constexpr char kToken[] = "pul-faulttest-TOKEN-5c0ffee7d2";

// True if `text` holds the token (the scan every test ends with).
inline bool LeaksToken(const std::string& text) { return absl::StrContains(text, kToken); }

class FaultServer {
 public:
  explicit FaultServer(std::unique_ptr<httplib::Server> server) : server_(std::move(server)) {}
  ~FaultServer() {
    server_->stop();
    if (thread_.joinable()) thread_.join();
  }
  httplib::Server& s() { return *server_; }
  void Start() {
    port_ = server_->bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    // stop() before the loop runs would be lost (and the join would hang).
    while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  int port() const { return port_; }
  // Requests seen per "METHOD path".
  int Count(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    return counts_[key];
  }
  int Hit(const httplib::Request& req) {
    std::lock_guard<std::mutex> lock(mu_);
    if (req.get_header_value("Authorization") != absl::StrCat("token ", kToken)) bad_auth_ = true;
    return ++counts_[req.method + " " + req.path];
  }
  bool bad_auth() const { return bad_auth_; }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::map<std::string, int> counts_;
  bool bad_auth_ = false;
};

class ClientFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<FaultServer>(std::make_unique<httplib::Server>());
  }
  void TearDown() override {
    EXPECT_FALSE(LeaksToken(seen_)) << "the access token appears in an error";
  }

  ClientOptions Options() {
    ClientOptions o;
    o.retries = 3;
    o.timeout = absl::Seconds(10);
    o.sleep = [this](absl::Duration d) { sleeps_.push_back(d); };
    return o;
  }
  std::unique_ptr<Client> MakeClient(ClientOptions o, const std::string& scheme = "http") {
    auto c = Client::Create(absl::StrCat(scheme, "://127.0.0.1:", server_->port()), std::move(o));
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *std::move(c) : nullptr;
  }
  ClientRequest Get(const std::string& path) {
    ClientRequest r;
    r.method = "GET";
    r.path = path;
    r.repeatable = true;
    r.headers = {{"Authorization", absl::StrCat("token ", kToken)}};
    return r;
  }
  std::unique_ptr<backend::CloudBackend> Cloud() {
    backend::CloudBackendOptions o;
    o.url = absl::StrCat("http://127.0.0.1:", server_->port());
    o.token = kToken;
    o.organization = "org";
    o.http = Options();
    auto b = backend::CloudBackend::Create(std::move(o));
    EXPECT_TRUE(b.ok()) << b.status();
    return b.ok() ? *std::move(b) : nullptr;
  }
  void Seen(const absl::Status& s) { seen_ += s.ToString() + "\n"; }

  std::unique_ptr<FaultServer> server_;
  std::vector<absl::Duration> sleeps_;
  std::string seen_;
};

}  // namespace escnative::http

#endif  // TESTS_HTTP_FAULT_FIXTURE_H_
