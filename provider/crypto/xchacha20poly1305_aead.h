// XChaCha20-Poly1305 (IETF) AEAD from libsodium.
#ifndef PROVIDER_CRYPTO_XCHACHA20POLY1305_AEAD_H_
#define PROVIDER_CRYPTO_XCHACHA20POLY1305_AEAD_H_

#include <cstddef>
#include <memory>

#include "absl/status/statusor.h"
#include "provider/crypto/aead.h"
#include "provider/crypto/secret_bytes.h"

namespace escnative::crypto {

class XChaCha20Poly1305Aead {
 public:
  static constexpr size_t kKeyBytes = 32;
  static constexpr size_t kNonceBytes = 24;
  static constexpr size_t kTagBytes = 16;
  // Ciphertext size = plaintext size + kOverheadBytes.
  static constexpr size_t kOverheadBytes = kNonceBytes + kTagBytes;

  // `key` must be kKeyBytes long (InvalidArgument otherwise). The key is
  // copied; the caller may wipe its own copy afterwards.
  static absl::StatusOr<std::unique_ptr<Aead>> New(const SecretBytes& key);

  XChaCha20Poly1305Aead() = delete;
};

}  // namespace escnative::crypto

#endif  // PROVIDER_CRYPTO_XCHACHA20POLY1305_AEAD_H_
