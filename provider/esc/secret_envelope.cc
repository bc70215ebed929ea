#include "provider/esc/secret_envelope.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace escnative::esc {
namespace {

constexpr char kMagic[] = "escx";
constexpr uint32_t kVersion = 1;
constexpr size_t kMinEnvelope = 16;  // as ESC (eval/crypt.go)

void PutU32(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out->push_back(static_cast<char>((v >> shift) & 0xFF));
}

uint32_t GetU32(std::string_view s) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

uint32_t Crc32(std::string_view bytes) {
  static const std::array<uint32_t, 256> kTable = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char b : bytes) crc = kTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

std::string WrapEnvelope(std::string_view inner) {
  std::string out = kMagic;
  PutU32(&out, kVersion);
  out.append(inner);
  PutU32(&out, Crc32(out));
  return out;
}

absl::StatusOr<std::string> UnwrapEnvelope(std::string_view env) {
  if (env.size() < kMinEnvelope) return absl::InvalidArgumentError("EOF");
  if (env.substr(0, 4) != kMagic) return absl::InvalidArgumentError("invalid header");
  std::string_view body = env.substr(0, env.size() - 4);
  if (Crc32(body) != GetU32(env.substr(env.size() - 4))) {
    return absl::InvalidArgumentError("invalid checksum");
  }
  if (GetU32(env.substr(4)) != kVersion) return absl::InvalidArgumentError("unsupported version");
  return std::string(body.substr(8));
}

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t n = (static_cast<unsigned char>(bytes[i]) << 16) |
                 (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(n >> s) & 63]);
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

absl::StatusOr<std::string> Base64Decode(std::string_view text) {
  // Each stored secret is decoded at every check of its environment.
  static constexpr std::array<int8_t, 256> kValues = [] {
    std::array<int8_t, 256> t{};
    for (auto& v : t) v = -1;
    for (int i = 0; i < 26; ++i) {
      t['A' + i] = static_cast<int8_t>(i);
      t['a' + i] = static_cast<int8_t>(26 + i);
    }
    for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<int8_t>(52 + i);
    t['+'] = 62;
    t['/'] = 63;
    return t;
  }();
  auto value = [](char c) -> int { return kValues[static_cast<unsigned char>(c)]; };
  auto illegal = [](size_t at) {
    return absl::InvalidArgumentError(absl::StrCat("illegal base64 data at input byte ", at));
  };
  std::string out;
  // Go skips \r and \n; keep positions relative to the original input. The
  // usual text (one stored ciphertext) has none: then it is used in place.
  std::string stripped;
  std::vector<size_t> offsets;
  // Two scans, not find_first_of (which searches the set once per byte).
  const bool has_breaks =
      text.find('\n') != std::string_view::npos || text.find('\r') != std::string_view::npos;
  if (has_breaks) {
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\r' || text[i] == '\n') continue;
      stripped.push_back(text[i]);
      offsets.push_back(i);
    }
  }
  const std::string_view clean = has_breaks ? std::string_view(stripped) : text;
  auto where = [&](size_t j) { return has_breaks ? offsets[j] : j; };
  size_t n = clean.size();
  out.reserve(n / 4 * 3);
  // Whole quanta of four valid characters, written straight into `out`; the
  // loop below takes over at the first padding, bad byte or short tail.
  size_t i = 0;
  {
    out.resize(n / 4 * 3);
    char* dst = out.data();
    const unsigned char* src = reinterpret_cast<const unsigned char*>(clean.data());
    for (; i + 4 <= n; i += 4, dst += 3) {
      const int a = kValues[src[i]], b = kValues[src[i + 1]], c = kValues[src[i + 2]],
                d = kValues[src[i + 3]];
      if ((a | b | c | d) < 0) break;
      const uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
      dst[0] = static_cast<char>(v >> 16);
      dst[1] = static_cast<char>((v >> 8) & 0xFF);
      dst[2] = static_cast<char>(v & 0xFF);
    }
    out.resize(i / 4 * 3);
  }
  for (; i < n; i += 4) {
    int vals[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      if (i + k >= n) {
        if (k == 0) return out;
        return illegal(k == 1 ? where(i) : where(i + k - 1) + 1 - (k == 1));
      }
      char c = clean[i + k];
      if (c == '=') {
        if (k < 2) return illegal(where(i + k));
        // Padding must complete the quantum and end the input.
        if (k == 2) {
          if (i + 3 >= n || clean[i + 3] != '=') return illegal(where(std::min(i + 3, n - 1)));
          pad = 2;
        } else {
          pad = 1;
        }
        if (i + 4 < n) return illegal(where(i + 4));
        break;
      }
      vals[k] = value(c);
      if (vals[k] < 0) return illegal(where(i + k));
    }
    uint32_t v = (vals[0] << 18) | (vals[1] << 12);
    if (pad < 2) v |= vals[2] << 6;
    if (pad < 1) v |= vals[3];
    out.push_back(static_cast<char>((v >> 16) & 0xFF));
    if (pad < 2) out.push_back(static_cast<char>((v >> 8) & 0xFF));
    if (pad < 1) out.push_back(static_cast<char>(v & 0xFF));
    if (pad > 0) break;
  }
  return out;
}

std::string EncodeSecretEnvelope(std::string_view inner) {
  return Base64Encode(WrapEnvelope(inner));
}

absl::StatusOr<std::string> DecodeSecretEnvelope(std::string_view base64) {
  absl::StatusOr<std::string> raw = Base64Decode(base64);
  if (!raw.ok()) return raw.status();
  return UnwrapEnvelope(*raw);
}

}  // namespace escnative::esc
