// One-time libsodium initialisation for the crypto layer.
#ifndef PROVIDER_CRYPTO_SODIUM_INIT_H_
#define PROVIDER_CRYPTO_SODIUM_INIT_H_

namespace escnative::crypto {

// Initialises libsodium exactly once per process (thread-safe). Every entry
// point of the crypto layer calls this, so callers never need to. A failure
// means the process has no usable randomness: it prints a message and aborts,
// because continuing would mean producing predictable keys and nonces.
void EnsureSodiumInitialized();

}  // namespace escnative::crypto

#endif  // PROVIDER_CRYPTO_SODIUM_INIT_H_
