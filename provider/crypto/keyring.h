// Key hierarchy: passphrase --Argon2id--> key-encryption key (KEK) --AEAD-->
// random data key --crypto_kdf--> per-purpose subkeys.
//
// Changing the passphrase re-wraps the data key only; nothing encrypted under
// the data key (or its subkeys) has to be re-encrypted.
#ifndef PROVIDER_CRYPTO_KEYRING_H_
#define PROVIDER_CRYPTO_KEYRING_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "provider/crypto/secret_bytes.h"

namespace escnative::crypto {

inline constexpr size_t kDataKeyBytes = 32;
inline constexpr size_t kKdfSaltBytes = 16;

// Argon2id cost parameters, stored with the keyring so they can change later.
struct KdfParams {
  uint64_t opslimit = 0;
  uint64_t memlimit = 0;  // bytes

  // 3 passes over 64 MiB: roughly 0.1-0.3 s on a laptop core, once per open.
  static KdfParams Default();
  // 1 pass over 8 KiB: for tests and benchmarks only. It gives a passphrase
  // almost no brute-force protection.
  static KdfParams FastForTesting();
};

// What unlocks a keyring: a passphrase (stretched with Argon2id) or a raw
// 32-byte key used directly as the KEK (for callers that keep their own key,
// e.g. in an OS keychain or a KMS).
class Credential {
 public:
  static Credential Passphrase(SecretBytes passphrase);
  static Credential RawKey(SecretBytes key);

  Credential(Credential&&) = default;
  Credential& operator=(Credential&&) = default;

  bool is_raw_key() const { return raw_key_; }
  const SecretBytes& secret() const { return secret_; }
  Credential Clone() const { return Credential(raw_key_, secret_.Clone()); }

 private:
  Credential(bool raw_key, SecretBytes secret) : raw_key_(raw_key), secret_(std::move(secret)) {}
  bool raw_key_ = false;
  SecretBytes secret_;
};

inline constexpr absl::string_view kKdfArgon2id = "argon2id13";
inline constexpr absl::string_view kKdfRawKey = "raw";

// The persisted form of a keyring. None of it is secret on its own.
struct WrappedDataKey {
  std::string kdf;          // kKdfArgon2id or kKdfRawKey
  KdfParams params;         // Argon2id cost (zero for kKdfRawKey)
  std::string salt;         // kKdfSaltBytes random bytes
  std::string wrapped_key;  // XChaCha20-Poly1305(KEK, data key, ad=header)
  std::string key_check;    // keyed BLAKE2b-256(KEK, header)
};

struct UnlockedKeyring {
  WrappedDataKey wrapped;
  SecretBytes data_key;
};

// Creates a fresh random data key and wraps it under `credential`.
// InvalidArgument: empty passphrase, raw key not 32 bytes, params out of range.
absl::StatusOr<UnlockedKeyring> CreateKeyring(const Credential& credential,
                                              const KdfParams& params);

// Unauthenticated("wrong passphrase ...") when the key check does not match;
// DataLoss when the record is malformed or the key check matches but the data
// key does not unwrap (tampering).
absl::StatusOr<SecretBytes> UnlockKeyring(const WrappedDataKey& wrapped,
                                          const Credential& credential);

// Verifies `old_credential`, then wraps the same data key under
// `new_credential` with a fresh salt and `new_params`.
absl::StatusOr<WrappedDataKey> RewrapKeyring(const WrappedDataKey& wrapped,
                                             const Credential& old_credential,
                                             const Credential& new_credential,
                                             const KdfParams& new_params);

// crypto_kdf_derive_from_key: a 32-byte subkey of `key` (32 bytes) for one
// purpose. `context` must be exactly 8 characters (e.g. "escsecrt").
absl::StatusOr<SecretBytes> DeriveSubkey(const SecretBytes& key, uint64_t subkey_id,
                                         absl::string_view context);

}  // namespace escnative::crypto

#endif  // PROVIDER_CRYPTO_KEYRING_H_
