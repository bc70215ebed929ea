// Reading a passphrase or token from a file, bounded and typed: the file must
// be a regular file (not a directory, FIFO or /dev/zero) of at most
// kMaxCredentialFileBytes, and its first line is the credential.
#ifndef PROVIDER_CRYPTO_CREDENTIAL_FILE_H_
#define PROVIDER_CRYPTO_CREDENTIAL_FILE_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "provider/crypto/secret_bytes.h"

namespace escnative::crypto {

inline constexpr size_t kMaxCredentialFileBytes = 64 * 1024;

// The first line of `path` (without "\n" or "\r\n"). `what` names the
// credential in errors ("passphrase", "token"); errors name the path and what
// was wrong, never the contents. An empty first line is an error.
absl::StatusOr<SecretBytes> ReadCredentialFile(const std::string& path, absl::string_view what);

}  // namespace escnative::crypto

#endif  // PROVIDER_CRYPTO_CREDENTIAL_FILE_H_
