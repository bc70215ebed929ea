// esc:index:Secret — one value at a path inside an environment, the
// declarative `esc env set <env> <path> <value> --secret`. It owns that path
// only; the value is never echoed in outputs. ID = "<org/project/name>#<path>".
#ifndef PROVIDER_RESOURCES_SECRET_H_
#define PROVIDER_RESOURCES_SECRET_H_

#include <memory>

#include "provider/resources/provider_context.h"
#include "provider/resources/resource.h"

namespace escnative::resources {

std::unique_ptr<CustomResource> NewSecretResource(const ProviderContext* ctx);

}  // namespace escnative::resources

#endif  // PROVIDER_RESOURCES_SECRET_H_
