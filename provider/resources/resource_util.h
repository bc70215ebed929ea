// Helpers shared by the resource implementations: reading typed inputs,
// status messages that tell the user what to do, and preview outputs.
#ifndef PROVIDER_RESOURCES_RESOURCE_UTIL_H_
#define PROVIDER_RESOURCES_RESOURCE_UTIL_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "provider/backend/backend.h"
#include "provider/value/property_value.h"

namespace escnative::resources {

// A known string input (looking through a secret), or nullopt.
std::optional<std::string> StringInput(const PropertyMap& m, absl::string_view key);
std::optional<bool> BoolInput(const PropertyMap& m, absl::string_view key);
std::optional<double> NumberInput(const PropertyMap& m, absl::string_view key);
// True if the key is present and (somewhere inside) unknown.
bool IsUnknownInput(const PropertyMap& m, absl::string_view key);

// The resource name part of a URN (for `pulumi import` hints).
std::string NameFromUrn(absl::string_view urn);

// "org/project/name".
std::string RefString(const backend::EnvironmentRef& ref);

// Prefixes a backend error with what was being done, keeping its code and
// payloads, and turns diagnostics into readable lines ("values.x: summary").
absl::Status Annotate(const absl::Status& status, absl::string_view what);

}  // namespace escnative::resources

#endif  // PROVIDER_RESOURCES_RESOURCE_UTIL_H_
