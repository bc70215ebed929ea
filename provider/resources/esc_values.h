// Conversions between evaluated ESC values, definition JSON and Pulumi
// property values. Secrets stay secrets at the exact nesting level.
#ifndef PROVIDER_RESOURCES_ESC_VALUES_H_
#define PROVIDER_RESOURCES_ESC_VALUES_H_

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "provider/esc/value.h"
#include "provider/value/property_value.h"

namespace escnative::resources {

// An evaluated value as a PropertyValue: secret nodes wrapped as Pulumi
// secrets, unknown nodes as unknowns, numbers as doubles.
PropertyValue FromEscValue(const esc::Value& v);

// Plain JSON data (no secrets or unknowns inside) as a PropertyValue.
PropertyValue FromJson(const nlohmann::ordered_json& j);

// A PropertyValue as definition JSON: secret leaves become
// {"fn::secret": "<text>"} (numbers and booleans stringified; a secret array
// or object is InvalidArgument naming `path`). Unknowns, assets, archives
// and resource references are InvalidArgument too.
absl::StatusOr<nlohmann::ordered_json> ToDefinitionJson(const PropertyValue& v,
                                                        const std::string& path);

}  // namespace escnative::resources

#endif  // PROVIDER_RESOURCES_ESC_VALUES_H_
