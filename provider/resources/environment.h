// esc:index:Environment — one ESC environment (DESIGN.md §3).
//
// Two ownership modes:
//  * `yaml`: the resource owns the whole definition. Updates send the etag
//    from state; a change made behind its back is a conflict that asks for
//    `pulumi refresh`.
//  * `imports` + `values`: the resource owns only the keys it declares. An
//    update reads the current definition and etag, writes its keys, removes
//    keys it declared before and no longer does, leaves every other key alone
//    (so esc:index:Secret resources and CLI users coexist), and retries when
//    someone else wrote in between.
// Refresh compares decrypted values, so an unchanged environment is quiet.
#ifndef PROVIDER_RESOURCES_ENVIRONMENT_H_
#define PROVIDER_RESOURCES_ENVIRONMENT_H_

#include <memory>

#include "provider/resources/provider_context.h"
#include "provider/resources/resource.h"

namespace escnative::resources {

std::unique_ptr<CustomResource> NewEnvironmentResource(const ProviderContext* ctx);

}  // namespace escnative::resources

#endif  // PROVIDER_RESOURCES_ENVIRONMENT_H_
