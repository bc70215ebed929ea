#include "provider/esc/property_path.h"

#include <cctype>

#include "absl/strings/str_cat.h"
#include "provider/esc/diagnostic.h"
#include "provider/esc/json_encoding.h"
#include "provider/esc/str_util.h"
#include "provider/util/echo.h"

namespace escnative::esc {

absl::StatusOr<std::vector<PathElement>> ParsePropertyPath(std::string_view path) {
  std::vector<PathElement> out;
  auto fail = [&](size_t at, std::string_view expected) {
    return absl::InvalidArgumentError(absl::StrCat("invalid property path ",
                                                   util::Echo(GoJsonString(path, false)),
                                                   ": expected ", AV(expected), " at offset ", at));
  };
  if (path.empty()) return fail(0, "a property name");
  size_t i = 0;
  while (i < path.size()) {
    char c = path[i];
    if (c == '[') {
      size_t j = i + 1;
      PathElement e;
      if (j < path.size() && path[j] == '"') {
        ++j;
        bool closed = false;
        while (j < path.size()) {
          if (path[j] == '\\' && j + 1 < path.size() && path[j + 1] == '"') {
            e.key += '"';
            j += 2;
            continue;
          }
          if (path[j] == '"') {
            closed = true;
            break;
          }
          e.key += path[j++];
        }
        if (!closed) return fail(j, "a closing '\"'");
        ++j;
      } else {
        size_t start = j;
        while (j < path.size() && std::isdigit(static_cast<unsigned char>(path[j]))) ++j;
        if (j == start || j - start > 18) return fail(start, "an array index or a quoted key");
        e.is_index = true;
        e.index = std::stoll(std::string(path.substr(start, j - start)));
      }
      if (j >= path.size() || path[j] != ']') return fail(j, "']'");
      out.push_back(std::move(e));
      i = j + 1;
      continue;
    }
    if (c == '.') {
      if (out.empty()) return fail(i, "a property name, not '.'");
      ++i;
    }
    size_t start = i;
    while (i < path.size() && path[i] != '.' && path[i] != '[') ++i;
    if (i == start) return fail(start, "a property name");
    PathElement e;
    e.key = std::string(path.substr(start, i - start));
    out.push_back(std::move(e));
  }
  return out;
}

std::string FormatPropertyPath(const std::vector<PathElement>& path) {
  std::string out;
  for (const PathElement& e : path) {
    out = e.is_index ? JoinIndex(out, static_cast<size_t>(e.index)) : JoinKey(out, e.key);
  }
  return out;
}

}  // namespace escnative::esc
