#include "provider/crypto/access_token.h"

#include <sodium.h>

#include <algorithm>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "provider/crypto/random.h"
#include "provider/crypto/sodium_init.h"

namespace escnative::crypto {
namespace {

static_assert(kAccessTokenSaltBytes == crypto_generichash_blake2b_SALTBYTES);

// Personalisation string: domain-separates token hashes from any other
// BLAKE2b use of the same key (16 bytes, as BLAKE2b requires).
constexpr unsigned char kPersonal[crypto_generichash_blake2b_PERSONALBYTES] = {
    'e', 's', 'c', 'n', 'a', 't', 'i', 'v', 'e', '-', 't', 'o', 'k', 'e', 'n', '1'};

constexpr size_t kHashBytes = 32;

bool IsLowerHex(absl::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

GeneratedAccessToken GenerateAccessToken() {
  EnsureSodiumInitialized();
  GeneratedAccessToken out;
  out.id = RandomHex(kAccessTokenIdHexChars / 2);
  SecretBytes raw = RandomSecret(kAccessTokenSecretBytes);
  const size_t b64_len =
      sodium_base64_ENCODED_LEN(kAccessTokenSecretBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  SecretBytes b64(b64_len);
  sodium_bin2base64(reinterpret_cast<char*>(b64.MutableData()), b64_len, raw.MutableData(),
                    raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  const absl::string_view secret = b64.Reveal().substr(0, b64_len - 1);
  const size_t total = kAccessTokenPrefix.size() + out.id.size() + 1 + secret.size();
  out.value = SecretBytes(total);
  char* p = reinterpret_cast<char*>(out.value.MutableData());
  p = std::copy(kAccessTokenPrefix.begin(), kAccessTokenPrefix.end(), p);
  p = std::copy(out.id.begin(), out.id.end(), p);
  *p++ = '_';
  std::copy(secret.begin(), secret.end(), p);
  return out;
}

absl::StatusOr<std::string> AccessTokenIdFromValue(absl::string_view value) {
  const size_t min_len = kAccessTokenPrefix.size() + kAccessTokenIdHexChars + 2;
  if (value.size() < min_len || value.substr(0, kAccessTokenPrefix.size()) != kAccessTokenPrefix) {
    return absl::InvalidArgumentError("malformed access token");
  }
  absl::string_view id = value.substr(kAccessTokenPrefix.size(), kAccessTokenIdHexChars);
  if (!IsLowerHex(id) || value[kAccessTokenPrefix.size() + kAccessTokenIdHexChars] != '_') {
    return absl::InvalidArgumentError("malformed access token");
  }
  return std::string(id);
}

absl::StatusOr<std::unique_ptr<AccessTokenHasher>> AccessTokenHasher::New(const SecretBytes& key) {
  EnsureSodiumInitialized();
  if (key.size() != crypto_generichash_blake2b_KEYBYTES) {
    return absl::InvalidArgumentError("token hash key must be 32 bytes");
  }
  return std::unique_ptr<AccessTokenHasher>(new AccessTokenHasher(key.Clone()));
}

std::string AccessTokenHasher::NewSalt() { return RandomBytes(kAccessTokenSaltBytes); }

std::string AccessTokenHasher::Hash(absl::string_view value, absl::string_view salt) const {
  // Any salt length other than 16 is a caller bug; hash it into a fixed-size
  // salt so the function stays total rather than reading out of bounds.
  unsigned char salt16[crypto_generichash_blake2b_SALTBYTES] = {0};
  if (salt.size() == sizeof salt16) {
    std::copy(salt.begin(), salt.end(), salt16);
  } else {
    crypto_generichash(salt16, sizeof salt16, reinterpret_cast<const unsigned char*>(salt.data()),
                       salt.size(), nullptr, 0);
  }
  std::string out(kHashBytes, '\0');
  crypto_generichash_blake2b_salt_personal(
      reinterpret_cast<unsigned char*>(out.data()), out.size(),
      reinterpret_cast<const unsigned char*>(value.data()), value.size(),
      reinterpret_cast<const unsigned char*>(key_.Reveal().data()), key_.size(), salt16, kPersonal);
  return out;
}

bool AccessTokenHasher::Verify(absl::string_view value, absl::string_view salt,
                               absl::string_view expected) const {
  return ConstantTimeEquals(Hash(value, salt), expected);
}

}  // namespace escnative::crypto
