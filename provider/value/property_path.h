// Property paths in Pulumi's syntax (esc.md §5.3): `a.b[0]`, `a["x.y"]`,
// `pulumiConfig.aws:region` (a name runs to the next `.` or `[`).
//
// The one parser for every path the project reads: CheckFailure.property,
// detailedDiff keys and ignoreChanges, `escctl env get/set/rm` paths, REST
// `?property=` and definition edits. `\"` is the only escape inside ["..."];
// indexes are decimal, below 10^9. Keys that are plain identifiers print
// bare; anything else prints as ["..."] with `"` escaped.
#ifndef PROVIDER_VALUE_PROPERTY_PATH_H_
#define PROVIDER_VALUE_PROPERTY_PATH_H_

#include <cstddef>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "provider/value/property_value.h"

namespace escnative {

class PropertyPath {
 public:
  using Element = std::variant<std::string, size_t>;  // key or index

  PropertyPath() = default;
  explicit PropertyPath(std::vector<Element> elements) : elements_(std::move(elements)) {}

  // Parses `a.b[0]["c d"]`. Errors name the offending position.
  static absl::StatusOr<PropertyPath> Parse(absl::string_view text);

  const std::vector<Element>& elements() const { return elements_; }
  bool empty() const { return elements_.empty(); }
  size_t size() const { return elements_.size(); }

  PropertyPath Key(absl::string_view key) const;
  PropertyPath Index(size_t index) const;
  // True if this path equals `other` or lies beneath it.
  bool HasPrefix(const PropertyPath& other) const;

  std::string ToString() const;

  bool operator==(const PropertyPath& o) const { return elements_ == o.elements_; }
  bool operator<(const PropertyPath& o) const { return elements_ < o.elements_; }

 private:
  std::vector<Element> elements_;
};

// Result of walking a path: the value found and whether the walk passed
// through (or ended on) a secret, so callers keep the value secret.
struct PathLookup {
  const PropertyValue* value = nullptr;  // nullptr: not present
  bool secret = false;
  bool unknown = false;  // the walk hit an unknown before the end
};

// Walks `path` from the object `root`, looking through secret and output
// wrappers.
PathLookup Lookup(const PropertyMap& root, const PropertyPath& path);

// Sets `value` at `path`, creating intermediate objects (and padding arrays
// with nulls). Fails if an intermediate value is neither object nor array of
// the right kind, or is a secret or unknown.
absl::Status SetPath(PropertyMap& root, const PropertyPath& path, PropertyValue value);

// Removes the value at `path`. Returns false if it was not present.
bool ErasePath(PropertyMap& root, const PropertyPath& path);

}  // namespace escnative

#endif  // PROVIDER_VALUE_PROPERTY_PATH_H_
