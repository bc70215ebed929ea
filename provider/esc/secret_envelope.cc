#include "provider/store/secret_envelope.h"

#include <array>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace escnative::store {
namespace {

constexpr absl::string_view kMagic = "escx";
constexpr uint32_t kVersion = 1;
constexpr size_t kMinEnvelope = 16;  // as ESC: magic + version + ... + CRC

std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}

void PutBe32(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

uint32_t GetBe32(absl::string_view s) {
  return (uint32_t{static_cast<unsigned char>(s[0])} << 24) |
         (uint32_t{static_cast<unsigned char>(s[1])} << 16) |
         (uint32_t{static_cast<unsigned char>(s[2])} << 8) |
         uint32_t{static_cast<unsigned char>(s[3])};
}

}  // namespace

uint32_t Crc32Ieee(absl::string_view data) {
  static const std::array<uint32_t, 256> kTable = MakeCrcTable();
  uint32_t c = 0xFFFFFFFFu;
  for (char ch : data) c = kTable[(c ^ static_cast<unsigned char>(ch)) & 0xff] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::string EncodeSecretEnvelope(absl::string_view inner) {
  std::string raw(kMagic);
  PutBe32(&raw, kVersion);
  raw.append(inner.data(), inner.size());
  PutBe32(&raw, Crc32Ieee(raw));
  return absl::Base64Escape(raw);
}

absl::StatusOr<std::string> DecodeSecretEnvelope(absl::string_view base64) {
  std::string raw;
  if (!absl::Base64Unescape(base64, &raw)) {
    return absl::InvalidArgumentError("invalid ciphertext envelope: invalid base64");
  }
  if (raw.size() < kMinEnvelope) {
    return absl::InvalidArgumentError("invalid ciphertext envelope: EOF");
  }
  if (absl::string_view(raw).substr(0, kMagic.size()) != kMagic) {
    return absl::InvalidArgumentError("invalid ciphertext envelope: invalid header");
  }
  const absl::string_view body = absl::string_view(raw).substr(0, raw.size() - 4);
  if (Crc32Ieee(body) != GetBe32(absl::string_view(raw).substr(raw.size() - 4))) {
    return absl::InvalidArgumentError("invalid ciphertext envelope: invalid checksum");
  }
  if (GetBe32(body.substr(kMagic.size(), 4)) != kVersion) {
    return absl::InvalidArgumentError("invalid ciphertext envelope: unsupported version");
  }
  return std::string(body.substr(kMagic.size() + 4));
}

}  // namespace escnative::store
