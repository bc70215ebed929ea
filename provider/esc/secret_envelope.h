// The ESC ciphertext envelope used in `fn::secret: {ciphertext: <B>}`
// (reference/esc.md §1.12):
//   B = standard padded base64 of
//       "escx" || uint32 BE version (1) || inner ciphertext || uint32 BE CRC-32
//   where the CRC-32 (IEEE) covers all preceding bytes.
// The inner ciphertext is Store::SecretsAead() output in the local store.
#ifndef PROVIDER_STORE_SECRET_ENVELOPE_H_
#define PROVIDER_STORE_SECRET_ENVELOPE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace escnative::store {

// Wraps `inner` (already encrypted) and base64-encodes it.
std::string EncodeSecretEnvelope(absl::string_view inner);

// The inner ciphertext of a base64 envelope. InvalidArgument with one of ESC's
// reasons ("EOF", "invalid header", "invalid checksum", "unsupported
// version", or "invalid base64"); the input is never echoed.
absl::StatusOr<std::string> DecodeSecretEnvelope(absl::string_view base64);

// CRC-32 (IEEE 802.3, as Go's crc32.ChecksumIEEE).
uint32_t Crc32Ieee(absl::string_view data);

}  // namespace escnative::store

#endif  // PROVIDER_STORE_SECRET_ENVELOPE_H_
