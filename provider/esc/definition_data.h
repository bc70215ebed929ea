// A definition's YAML document as JSON data, in document order, for callers
// that compare or rebuild whole definitions (the provider's Environment
// resource). `fn::secret` nodes stay as they are written
// ({"fn::secret": "plaintext"} or {"fn::secret": {"ciphertext": "..."}}).
#ifndef PROVIDER_ESC_DEFINITION_DATA_H_
#define PROVIDER_ESC_DEFINITION_DATA_H_

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace escnative::esc {

// An empty document is an empty object. InvalidArgument for YAML that does
// not parse or whose root is not an object (messages carry no values).
absl::StatusOr<nlohmann::ordered_json> DefinitionToJson(std::string_view yaml);

// The inverse: JSON data as a block-style YAML definition (2-space indent,
// key order kept), the form definitions are stored in.
std::string DefinitionToYaml(const nlohmann::ordered_json& definition);

}  // namespace escnative::esc

#endif  // PROVIDER_ESC_DEFINITION_DATA_H_
