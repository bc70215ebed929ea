// The ESC ciphertext envelope in `fn::secret: {ciphertext: <B>}` (esc.md
// §1.12), the one encoder and decoder for the evaluator, the local backend
// and the store's plaintext check:
//   B = standard padded base64 of
//       "escx" || uint32 BE version (1) || inner ciphertext || uint32 BE CRC-32
//   where the CRC-32 (IEEE) covers all preceding bytes.
// The inner ciphertext is opaque here (Store::SecretsAead() output in the
// local store). A small library of its own, so the store needs no evaluator.
#ifndef PROVIDER_ESC_SECRET_ENVELOPE_H_
#define PROVIDER_ESC_SECRET_ENVELOPE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace escnative::esc {

// "escx" ‖ u32be version (1) ‖ inner ‖ u32be CRC-32 of the preceding bytes.
std::string WrapEnvelope(std::string_view inner);
// The inner ciphertext. At least 16 bytes are required, as in ESC. Errors
// carry ESC's reasons: "EOF", "invalid header", "invalid checksum",
// "unsupported version"; the input is never echoed.
absl::StatusOr<std::string> UnwrapEnvelope(std::string_view envelope);

// base64(WrapEnvelope(inner)) and its inverse (base64 errors in Go's wording,
// "illegal base64 data at input byte N").
std::string EncodeSecretEnvelope(std::string_view inner);
absl::StatusOr<std::string> DecodeSecretEnvelope(std::string_view base64);

// Standard base64 with padding.
std::string Base64Encode(std::string_view bytes);
// Padding required; \r and \n skipped, as Go's decoder does.
absl::StatusOr<std::string> Base64Decode(std::string_view text);

// CRC-32 (IEEE 802.3, as Go's crc32.ChecksumIEEE).
uint32_t Crc32(std::string_view bytes);

}  // namespace escnative::esc

#endif  // PROVIDER_ESC_SECRET_ENVELOPE_H_
