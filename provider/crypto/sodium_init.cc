#include "provider/crypto/sodium_init.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace escnative::crypto {

void EnsureSodiumInitialized() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) {
      std::fputs(
          "escnative: fatal: libsodium failed to initialise (no usable "
          "randomness source); refusing to continue\n",
          stderr);
      std::abort();
    }
  });
}

}  // namespace escnative::crypto
