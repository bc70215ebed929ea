// Authenticated encryption with associated data: the only encryption
// interface the rest of the project sees.
#ifndef PROVIDER_CRYPTO_AEAD_H_
#define PROVIDER_CRYPTO_AEAD_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "provider/crypto/secret_bytes.h"

namespace escnative::crypto {

// The message returned for every decryption failure. It never says which
// check failed (length, tag, key, associated data) so it is no oracle.
inline constexpr absl::string_view kDecryptionFailed = "decryption failed";

// Implementations are thread-safe: one instance may be shared by any number
// of threads. There is no nonce parameter; Encrypt picks a fresh random one
// and includes it in the ciphertext.
class Aead {
 public:
  virtual ~Aead() = default;

  // Returns nonce || ciphertext || tag. `associated_data` is authenticated,
  // not encrypted: bind the ciphertext to where it is stored (e.g.
  // "<org>/<project>/<env>#<path>") so it cannot be moved elsewhere.
  virtual absl::StatusOr<std::string> Encrypt(absl::string_view plaintext,
                                              absl::string_view associated_data) const = 0;

  // Fails with InvalidArgument("decryption failed") for any bad input.
  virtual absl::StatusOr<SecretBytes> Decrypt(absl::string_view ciphertext,
                                              absl::string_view associated_data) const = 0;
};

}  // namespace escnative::crypto

#endif  // PROVIDER_CRYPTO_AEAD_H_
