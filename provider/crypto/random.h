// Cryptographically secure randomness (libsodium randombytes).
#ifndef PROVIDER_CRYPTO_RANDOM_H_
#define PROVIDER_CRYPTO_RANDOM_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "provider/crypto/secret_bytes.h"

namespace escnative::crypto {

// `size` random bytes to be used as key material.
SecretBytes RandomSecret(size_t size);

// `size` random bytes that are not secret (salts, nonces, identifiers).
std::string RandomBytes(size_t size);

// Lower-case hex of `size` random bytes (ids, etags): 2*size characters.
std::string RandomHex(size_t size);

// Uniform in [0, upper_bound); upper_bound must be > 0.
uint32_t RandomUniform(uint32_t upper_bound);

// Lower-case hex encoding of arbitrary (non-secret) bytes.
std::string HexEncode(absl::string_view bytes);

}  // namespace escnative::crypto

#endif  // PROVIDER_CRYPTO_RANDOM_H_
