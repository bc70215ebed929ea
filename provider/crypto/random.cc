#include "provider/crypto/random.h"

#include <sodium.h>

#include "provider/crypto/sodium_init.h"

namespace escnative::crypto {

SecretBytes RandomSecret(size_t size) {
  EnsureSodiumInitialized();
  SecretBytes out(size);
  if (size > 0) randombytes_buf(out.MutableData(), size);
  return out;
}

std::string RandomBytes(size_t size) {
  EnsureSodiumInitialized();
  std::string out(size, '\0');
  if (size > 0) randombytes_buf(out.data(), size);
  return out;
}

std::string RandomHex(size_t size) { return HexEncode(RandomBytes(size)); }

uint32_t RandomUniform(uint32_t upper_bound) {
  EnsureSodiumInitialized();
  return randombytes_uniform(upper_bound);
}

std::string HexEncode(absl::string_view bytes) {
  EnsureSodiumInitialized();
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                 bytes.size());
  out.pop_back();  // the terminating NUL
  return out;
}

}  // namespace escnative::crypto
