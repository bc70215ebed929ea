// Shared helpers for the store tests: temp dirs, a fake clock, fast options.
#ifndef TESTS_STORE_STORE_TEST_UTIL_H_
#define TESTS_STORE_STORE_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "provider/crypto/keyring.h"
#include "provider/crypto/secret_bytes.h"
#include "provider/store/clock.h"
#include "provider/store/store.h"

namespace escnative::store::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1'700'000'000)) : now_(start) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

// A fresh directory removed at destruction.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/esc-store-test-XXXXXX";
    char* made = ::mkdtemp(tmpl.data());
    EXPECT_NE(made, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline crypto::Credential Passphrase(const std::string& p) {
  return crypto::Credential::Passphrase(crypto::SecretBytes::CopyFrom(p));
}

inline StoreOptions FastOptions(const std::string& passphrase, const Clock* clock = nullptr) {
  StoreOptions o;
  o.credential = Passphrase(passphrase);
  o.kdf_params = crypto::KdfParams::FastForTesting();
  o.clock = clock;
  return o;
}

inline std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline bool FileExists(const std::string& path) { return std::filesystem::exists(path); }

inline EnvironmentRef Env(const std::string& name, const std::string& project = "default") {
  return EnvironmentRef{"acme", project, name};
}

inline UpdateOptions By(const std::string& actor, std::optional<std::string> etag = std::nullopt) {
  UpdateOptions o;
  o.actor = actor;
  o.etag = std::move(etag);
  return o;
}

}  // namespace escnative::store::testing

#endif  // TESTS_STORE_STORE_TEST_UTIL_H_
