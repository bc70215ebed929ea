// Environment references as resources take them: `name`, `project/name`,
// `org/project/name` (or an esc:index:Environment id), resolved against the
// provider's defaults through the backend.
#ifndef PROVIDER_RESOURCES_ENV_REF_H_
#define PROVIDER_RESOURCES_ENV_REF_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "provider/backend/backend.h"
#include "provider/resources/resource.h"

namespace escnative::resources {

// Canonicalises the string input `key` of `inputs` in place to
// "org/project/name"; adds a CheckFailure when it is malformed or carries a
// version (resources write the latest revision). Unknown values pass.
void CanonicalizeEnvironmentInput(backend::Backend* b, const char* key, CheckResult* r);

// Parses a canonical "org/project/name" (no version) or fails naming `what`.
absl::StatusOr<backend::EnvironmentRef> ParseCanonicalRef(backend::Backend* b,
                                                          absl::string_view text,
                                                          absl::string_view what);

// NotFound for a missing environment, phrased with the fix.
absl::Status MissingEnvironmentError(const backend::EnvironmentRef& ref);

}  // namespace escnative::resources

#endif  // PROVIDER_RESOURCES_ENV_REF_H_
