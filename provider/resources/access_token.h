// esc:index:AccessToken — a token that can read or manage environments. The
// value is returned once by the backend and kept only as a secret output.
// `rotateBefore` makes Diff ask for a replacement (create before delete, so
// no gap) once the token is that close to expiry. ID = tokenId.
#ifndef PROVIDER_RESOURCES_ACCESS_TOKEN_H_
#define PROVIDER_RESOURCES_ACCESS_TOKEN_H_

#include <functional>
#include <memory>

#include "absl/time/time.h"
#include "provider/resources/provider_context.h"
#include "provider/resources/resource.h"

namespace escnative::resources {

// `now` is injectable so rotation windows are testable.
std::unique_ptr<CustomResource> NewAccessTokenResource(const ProviderContext* ctx,
                                                       std::function<absl::Time()> now = absl::Now);

}  // namespace escnative::resources

#endif  // PROVIDER_RESOURCES_ACCESS_TOKEN_H_
