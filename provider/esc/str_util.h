// Small std::string_view helpers. Debian's Abseil is built with its own
// absl::string_view (not an alias of std::string_view), so absl string
// functions are not used on std::string_view arguments.
#ifndef PROVIDER_ESC_STR_UTIL_H_
#define PROVIDER_ESC_STR_UTIL_H_

#include <string>
#include <string_view>

#include "provider/util/string_view.h"
#include "provider/util/utf8.h"

namespace escnative::esc {

inline bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

using util::IsValidUtf8;
using util::Utf8SequenceLength;

}  // namespace escnative::esc

#endif  // PROVIDER_ESC_STR_UTIL_H_
