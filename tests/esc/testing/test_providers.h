// Test doubles of the conformance harness (esc-conformance/README.md): the
// rot128 cipher, the providers `test`, `error`, `secret-wrapper`, `schema`
// and the rotators `swap` and `echo`.
#ifndef TESTS_ESC_TESTING_TEST_PROVIDERS_H_
#define TESTS_ESC_TESTING_TEST_PROVIDERS_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "provider/esc/crypter.h"
#include "provider/esc/provider.h"

namespace escnative::esc::testing {

// Adds 128 to every byte; its own inverse.
class Rot128Crypter : public Crypter {
 public:
  absl::StatusOr<std::string> Encrypt(std::string_view plaintext) const override;
  absl::StatusOr<std::string> Decrypt(std::string_view ciphertext) const override;
};

class TestProviders : public ProviderRegistry {
 public:
  TestProviders();
  const Provider* FindProvider(std::string_view name) const override;
  const Rotator* FindRotator(std::string_view name) const override;

 private:
  std::map<std::string, std::unique_ptr<Provider>, std::less<>> providers_;
  std::map<std::string, std::unique_ptr<Rotator>, std::less<>> rotators_;
};

}  // namespace escnative::esc::testing

#endif  // TESTS_ESC_TESTING_TEST_PROVIDERS_H_
