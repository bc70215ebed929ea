// esc:index:AccessToken — a token that can read or manage environments. The
// value is returned once by the backend and kept only as a secret output.
// `rotateBefore` makes Diff ask for a replacement (create before delete, so
// no gap) once the token is that close to expiry. ID = tokenId.
#ifndef PROVIDER_RESOURCES_ACCESS_TOKEN_H_
#define PROVIDER_RESOURCES_ACCESS_TOKEN_H_

#include <memory>

#include "provider/resources/provider_context.h"
#include "provider/resources/resource.h"
#include "provider/store/clock.h"

namespace escnative::resources {

// Expiry, `expiresIn` and the rotation window are read from `clock` (tests
// pass a fake one); it must outlive the resource.
std::unique_ptr<CustomResource> NewAccessTokenResource(
    const ProviderContext* ctx, const store::Clock* clock = store::Clock::Real());

}  // namespace escnative::resources

#endif  // PROVIDER_RESOURCES_ACCESS_TOKEN_H_
