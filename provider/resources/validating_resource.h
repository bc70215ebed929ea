// Create and Update run the resource's own Check first. The engine skips
// Check for some steps (imports, `pulumi up --target` replays, state edited
// by hand), and the write paths must not trust input types they never
// validated: an `AccessToken` with `kind: 42` or `expiresIn: 42` is refused
// here with the same CheckFailures Check would report.
#ifndef PROVIDER_RESOURCES_VALIDATING_RESOURCE_H_
#define PROVIDER_RESOURCES_VALIDATING_RESOURCE_H_

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "provider/resources/resource.h"

namespace escnative::resources {

// Wraps `inner` so Create and Update fail with InvalidArgument (naming every
// failing property) when `inner->Check` reports failures for their inputs.
std::unique_ptr<CustomResource> WithInputValidation(std::unique_ptr<CustomResource> inner);

// InvalidArgument listing `failures` ("path: reason; ..."), or OK if none.
absl::Status FailuresToStatus(const std::vector<CheckFailure>& failures);

}  // namespace escnative::resources

#endif  // PROVIDER_RESOURCES_VALIDATING_RESOURCE_H_
