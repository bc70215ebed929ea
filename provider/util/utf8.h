// Strict UTF-8 validation, shared by every YAML front end: libfyaml 0.7.12
// can loop forever on invalid UTF-8, so text is checked before it parses.
#ifndef PROVIDER_UTIL_UTF8_H_
#define PROVIDER_UTIL_UTF8_H_

#include <cstddef>
#include <string_view>

namespace escnative::util {

// Length of the valid UTF-8 sequence at s[i] (rejecting overlong forms,
// surrogates and code points above U+10FFFF), or 0; the code point goes to
// `*rune`.
inline int DecodeUtf8(std::string_view s, size_t i, char32_t* rune) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    *rune = c;
    return 1;
  }
  int len = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  char32_t r = len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    r = (r << 6) | (cc & 0x3F);
  }
  if ((len == 2 && r < 0x80) || (len == 3 && r < 0x800) || (len == 4 && r < 0x10000) ||
      (r >= 0xD800 && r <= 0xDFFF) || r > 0x10FFFF) {
    return 0;
  }
  *rune = r;
  return len;
}

inline int Utf8SequenceLength(std::string_view s, size_t i) {
  char32_t rune;
  return DecodeUtf8(s, i, &rune);
}

inline bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    int len = Utf8SequenceLength(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

}  // namespace escnative::util

#endif  // PROVIDER_UTIL_UTF8_H_
