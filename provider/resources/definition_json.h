// Small helpers over definition JSON (nlohmann::ordered_json) addressed by
// property paths: read, write and erase one node, and list the leaves a
// `values` input declares. Shared by the resources that edit definitions.
#ifndef PROVIDER_RESOURCES_DEFINITION_JSON_H_
#define PROVIDER_RESOURCES_DEFINITION_JSON_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "provider/value/property_path.h"
#include "provider/value/property_value.h"

namespace escnative::resources {

// nullptr when absent.
const nlohmann::ordered_json* JsonAt(const nlohmann::ordered_json& root, const PropertyPath& path);

// Creates intermediate objects; fails if an intermediate is not an object,
// and then changes nothing.
absl::Status JsonSet(nlohmann::ordered_json& root, const PropertyPath& path,
                     nlohmann::ordered_json value);

// Erases the node and then any parent objects left empty by it (up to, not
// including, the root). Returns false if it was absent.
bool JsonErase(nlohmann::ordered_json& root, const PropertyPath& path);

// The paths of the leaves of an input object: every value that is not a
// plain (non-secret) object, plus empty objects. Secrets are leaves.
std::vector<PropertyPath> LeafPaths(const PropertyMap& values);

// True if a `fn::secret` key occurs anywhere in `j`.
bool ContainsFnSecret(const nlohmann::ordered_json& j);

}  // namespace escnative::resources

#endif  // PROVIDER_RESOURCES_DEFINITION_JSON_H_
