// Schema-driven validation of inputs: names, required keys, types and enums,
// reported as CheckFailures with the property path. Unknowns (preview) pass;
// secret wrappers are looked through and kept.
#ifndef PROVIDER_RESOURCES_INPUT_CHECK_H_
#define PROVIDER_RESOURCES_INPUT_CHECK_H_

#include <vector>

#include "provider/resources/resource.h"
#include "provider/resources/package_schema.h"
#include "provider/value/property_value.h"

namespace escnative::resources {

// Appends a failure for every problem in `inputs` against `spec`. Null values
// count as absent.
void ValidateObject(const ObjectSpec& spec, const PropertyMap& inputs,
                    std::vector<CheckFailure>* failures);

// Validates one value against a type; `path` prefixes failure paths.
void ValidateValue(const TypeSpec& type, const PropertyValue& value, const std::string& path,
                   std::vector<CheckFailure>* failures);

// Wraps, at the top level, every property the spec marks secret that is not
// already a secret, so checked inputs never hold those in plaintext.
void MarkSecrets(const ObjectSpec& spec, PropertyMap* inputs);

// "a string", "an integer", "one of \"read\", \"open\"", ... for messages.
std::string Describe(const TypeSpec& type);

}  // namespace escnative::resources

#endif  // PROVIDER_RESOURCES_INPUT_CHECK_H_
