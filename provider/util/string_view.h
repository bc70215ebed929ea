// Conversions between std::string_view and absl::string_view. Debian's Abseil
// is built with its own absl::string_view (not an alias of std::string_view),
// so code that mixes std and absl string functions converts explicitly.
#ifndef PROVIDER_UTIL_STRING_VIEW_H_
#define PROVIDER_UTIL_STRING_VIEW_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace escnative::util {

inline absl::string_view ToAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }
inline std::string_view ToStd(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace escnative::util

#endif  // PROVIDER_UTIL_STRING_VIEW_H_
