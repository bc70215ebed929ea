// libFuzzer target for the one property-path parser (provider/value:
// PropertyPath::Parse), which reads Pulumi's paths in diffs and
// ignoreChanges, `escctl env set/get/rm` paths, REST `?property=` and
// definition edits.
//
// Invariants: parsing never crashes; a parsed path prints to text that
// parses back to the same elements (print . parse is the identity on what
// parse accepts).
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "provider/value/property_path.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto path = escnative::PropertyPath::Parse(text);
  if (!path.ok()) return 0;
  // Known, shared with Pulumi's Go parser: inside ["..."] only \" is an
  // escape, so a key that ends in a backslash has no quoted form (it prints
  // as ["a\"], which reads the closing quote as escaped). docs/fuzzing.md.
  for (const auto& e : path->elements()) {
    const std::string* key = std::get_if<std::string>(&e);
    if (key != nullptr && !key->empty() && key->back() == '\\') return 0;
  }
  auto reparsed = escnative::PropertyPath::Parse(path->ToString());
  if (!reparsed.ok() || !(*reparsed == *path)) __builtin_trap();
  return 0;
}
