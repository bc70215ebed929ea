// Access-token values: generation, parsing and storage hashes.
//
// A token value looks like "esc_<id>_<secret>": <id> is 32 lower-case hex
// characters (the record key, not secret) and <secret> is 32 random bytes in
// unpadded base64url. Embedding the id lets a verifier find the one record to
// check without scanning, while only a hash of the whole value is stored.
#ifndef PROVIDER_CRYPTO_ACCESS_TOKEN_H_
#define PROVIDER_CRYPTO_ACCESS_TOKEN_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "provider/crypto/secret_bytes.h"

namespace escnative::crypto {

inline constexpr absl::string_view kAccessTokenPrefix = "esc_";
inline constexpr size_t kAccessTokenIdHexChars = 32;
inline constexpr size_t kAccessTokenSecretBytes = 32;
inline constexpr size_t kAccessTokenSaltBytes = 16;

struct GeneratedAccessToken {
  std::string id;
  SecretBytes value;  // the full "esc_<id>_<secret>" string
};

GeneratedAccessToken GenerateAccessToken();

// The id embedded in a token value. InvalidArgument("malformed access
// token") if the shape is wrong; the message never echoes the value.
absl::StatusOr<std::string> AccessTokenIdFromValue(absl::string_view value);

// Keyed, salted BLAKE2b-256 of token values. Tokens are high-entropy, so a
// fast hash is enough; the key (a store subkey) means a stolen database alone
// does not even allow offline checks. Thread-safe (immutable).
class AccessTokenHasher {
 public:
  // `key` must be 32 bytes.
  static absl::StatusOr<std::unique_ptr<AccessTokenHasher>> New(const SecretBytes& key);

  // A fresh random salt (kAccessTokenSaltBytes).
  static std::string NewSalt();

  // 32-byte hash of `value` under this key and `salt` (16 bytes).
  std::string Hash(absl::string_view value, absl::string_view salt) const;

  // Constant-time comparison of Hash(value, salt) with `expected`.
  bool Verify(absl::string_view value, absl::string_view salt, absl::string_view expected) const;

 private:
  explicit AccessTokenHasher(SecretBytes key) : key_(std::move(key)) {}
  const SecretBytes key_;
};

}  // namespace escnative::crypto

#endif  // PROVIDER_CRYPTO_ACCESS_TOKEN_H_
