// libFuzzer target for the property-path parsers behind their public
// headers: PropertyPath::Parse (provider/value, Pulumi's paths in diffs and
// ignoreChanges) and esc::ParsePropertyPath (provider/esc, `escctl env
// set/get/rm` and import targets).
//
// Invariants: parsing never crashes; a parsed path prints to text that
// parses back to the same elements (print . parse is the identity on what
// parse accepts).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "provider/esc/property_path.h"
#include "provider/value/property_path.h"

namespace {

bool SameElements(const std::vector<escnative::esc::PathElement>& a,
                  const std::vector<escnative::esc::PathElement>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].is_index != b[i].is_index) return false;
    if (a[i].is_index ? a[i].index != b[i].index : a[i].key != b[i].key) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);

  auto value_path = escnative::PropertyPath::Parse(text);
  if (value_path.ok()) {
    auto reparsed = escnative::PropertyPath::Parse(value_path->ToString());
    if (!reparsed.ok() || !(*reparsed == *value_path)) __builtin_trap();
  }

  auto esc_path = escnative::esc::ParsePropertyPath(std::string_view(text));
  // Known, shared with Pulumi's Go parser: inside ["..."] only \" is an
  // escape, so a key that ends in a backslash has no quoted form (it prints
  // as ["a\"], which reads the closing quote as escaped). docs/fuzzing.md.
  bool has_unquotable_key = false;
  if (esc_path.ok()) {
    for (const auto& e : *esc_path) {
      has_unquotable_key |= !e.is_index && !e.key.empty() && e.key.back() == '\\';
    }
  }
  if (esc_path.ok() && !has_unquotable_key) {
    auto reparsed =
        escnative::esc::ParsePropertyPath(escnative::esc::FormatPropertyPath(*esc_path));
    if (!reparsed.ok() || !SameElements(*reparsed, *esc_path)) __builtin_trap();
  }
  return 0;
}
