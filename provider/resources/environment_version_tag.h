// esc:index:EnvironmentVersionTag — a named pointer to one revision of an
// environment (`stable`). Moving it is an in-place update.
// ID = "<org/project/name>@<tagName>".
#ifndef PROVIDER_RESOURCES_ENVIRONMENT_VERSION_TAG_H_
#define PROVIDER_RESOURCES_ENVIRONMENT_VERSION_TAG_H_

#include <memory>

#include "provider/resources/provider_context.h"
#include "provider/resources/resource.h"

namespace escnative::resources {

std::unique_ptr<CustomResource> NewEnvironmentVersionTagResource(const ProviderContext* ctx);

}  // namespace escnative::resources

#endif  // PROVIDER_RESOURCES_ENVIRONMENT_VERSION_TAG_H_
