// The `${…}` grammar inside ESC strings (esc.md §1.4, §1.5).
#ifndef PROVIDER_ESC_PROPERTY_ACCESS_H_
#define PROVIDER_ESC_PROPERTY_ACCESS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace escnative::esc {

// One accessor; offsets are byte offsets into the decoded string.
struct RawAccessor {
  bool is_index = false;
  std::string key;
  int64_t index = 0;
  int begin = 0;
  int end = 0;
};

// Literal text followed by an optional `${…}` access. A trailing part has no
// access; `${a}` alone is one part with empty text.
struct RawPart {
  std::string text;
  bool has_access = false;
  std::vector<RawAccessor> accessors;
  int begin = 0;  // offset of "${"
  int end = 0;    // offset after "}" (or end of string)
};

struct AccessError {
  std::string summary;
  int begin = 0;
  int end = 0;
};

// Splits s into literal text (with `$$` unescaped) and property accesses.
// Syntax errors are appended to `errors`; the accesses parsed so far are kept.
std::vector<RawPart> ParseInterpolation(std::string_view s, std::vector<AccessError>* errors);

}  // namespace escnative::esc

#endif  // PROVIDER_ESC_PROPERTY_ACCESS_H_
