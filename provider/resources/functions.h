// The package's functions (invokes). Their results go to the program, never
// into state by the provider; every secret leaf comes back as a Pulumi secret.
//   esc:index:openEnvironment(environment, version?) -> values,
//       environmentVariables, files, pulumiConfig
//   esc:index:getSecret(environment, path, version?) -> value [secret]
//   esc:index:getEnvironment(environment) -> metadata, definition (secrets as
//       ciphertext), revisions
#ifndef PROVIDER_RESOURCES_FUNCTIONS_H_
#define PROVIDER_RESOURCES_FUNCTIONS_H_

#include <memory>

#include "provider/resources/provider_context.h"
#include "provider/resources/resource.h"

namespace escnative::resources {

std::unique_ptr<Function> NewOpenEnvironmentFunction(const ProviderContext* ctx);
std::unique_ptr<Function> NewGetSecretFunction(const ProviderContext* ctx);
std::unique_ptr<Function> NewGetEnvironmentFunction(const ProviderContext* ctx);

}  // namespace escnative::resources

#endif  // PROVIDER_RESOURCES_FUNCTIONS_H_
