// Secret ciphertext: the `escx` envelope (esc.md §1.12) around an inner
// cipher supplied by the caller (the store's AEAD; rot128 in tests).
#ifndef PROVIDER_ESC_CRYPTER_H_
#define PROVIDER_ESC_CRYPTER_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace escnative::esc {

// The inner cipher. Implementations bind ciphertext to one environment, so
// loaders hand out one per environment. Errors must not echo plaintext.
class Encrypter {
 public:
  virtual ~Encrypter() = default;
  virtual absl::StatusOr<std::string> Encrypt(std::string_view plaintext) const = 0;
};

class Decrypter {
 public:
  virtual ~Decrypter() = default;
  virtual absl::StatusOr<std::string> Decrypt(std::string_view ciphertext) const = 0;
};

class Crypter : public Encrypter, public Decrypter {};

// base64(envelope(encrypter(plaintext))), the form stored under
// `fn::secret: {ciphertext: …}`.
absl::StatusOr<std::string> EncryptSecret(std::string_view plaintext, const Encrypter& enc);

// Errors are prefixed like the evaluator's diagnostics:
// "invalid ciphertext: …" or "decrypting: …".
absl::StatusOr<std::string> DecryptSecret(std::string_view base64_envelope, const Decrypter* dec);

}  // namespace escnative::esc

#endif  // PROVIDER_ESC_CRYPTER_H_
