// Pulumi property paths as used by `esc env set/get/rm` (esc.md §5.3):
// `a.b`, `a["key with ."]`, `a[0]`, `pulumiConfig.aws:region`.
#ifndef PROVIDER_ESC_PROPERTY_PATH_H_
#define PROVIDER_ESC_PROPERTY_PATH_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace escnative::esc {

struct PathElement {
  bool is_index = false;
  std::string key;
  int64_t index = 0;
};

// Errors name the path and what was expected at which offset.
absl::StatusOr<std::vector<PathElement>> ParsePropertyPath(std::string_view path);

// Renders elements back (bare names where possible, else ["key"]).
std::string FormatPropertyPath(const std::vector<PathElement>& path);

}  // namespace escnative::esc

#endif  // PROVIDER_ESC_PROPERTY_PATH_H_
