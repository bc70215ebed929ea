// Runs `escctl serve` on a fresh store (port 0) and talks to it over HTTP,
// as any ESC client would. Records every response for the secret scan.
#ifndef TESTS_SERVE_SERVE_FIXTURE_H_
#define TESTS_SERVE_SERVE_FIXTURE_H_

#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/store/store_test_util.h"

namespace escnative::serve_test {

// Planted secrets: none may appear outside an open, a decrypt or a token create.
inline constexpr char kSecret[] = "sk-serve-test-SECRET-7d1f0c2e9b";
inline constexpr char kSecret2[] = "sk-serve-test-OTHER-41a8e6d3c0";

struct Resp {
  int status = 0;
  std::string body;
  std::multimap<std::string, std::string> headers;
  std::string Header(const std::string& name) const;
  nlohmann::json Json() const;  // null when the body is not JSON
};

struct Exit {
  int code = -1;
  std::string out;
  std::string err;
};

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // escctl with the test store's options prepended.
  Exit Escctl(const std::vector<std::string>& args);
  // `escctl token create --scope SCOPE` → the token value.
  std::string Token(const std::string& scope);
  // Starts `escctl serve --listen 127.0.0.1:0 EXTRA...`; expects `scheme`.
  void StartServer(const std::vector<std::string>& extra = {}, const std::string& scheme = "http");
  // SIGTERM (or `sig`) and wait; returns the exit code.
  int StopServer(int sig = 15);

  Resp Call(const std::string& method, const std::string& path, const std::string& token,
            const std::string& body = "", const httplib::Headers& extra = {});
  // Environment path under /api/esc/environments/myorg/.
  static std::string Env(const std::string& rest) { return "/api/esc/environments/myorg/" + rest; }
  // Creates myorg/app/NAME with `yaml` (admin token).
  void MakeEnv(const std::string& name, const std::string& yaml);

  // Every response body (and header) so far, except the ones a test marks
  // as allowed to hold secrets.
  std::string Recorded();
  void AllowSecretsInNextResponse() { allow_next_ = true; }
  std::string ServerStderr();

  store::testing::TempDir dir_;
  std::string store_;
  std::string admin_;  // myorg/*/*:admin
  int port_ = 0;
  pid_t pid_ = -1;

 private:
  std::mutex mu_;
  std::string recorded_;
  bool allow_next_ = false;
};

// True if `haystack` holds any planted secret (exact text or its JSON/YAML
// escapes are the same for these ASCII values).
bool ContainsSecret(const std::string& haystack);

}  // namespace escnative::serve_test

#endif  // TESTS_SERVE_SERVE_FIXTURE_H_
