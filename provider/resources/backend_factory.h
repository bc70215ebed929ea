// Opens the backend a provider configuration selects.
#ifndef PROVIDER_RESOURCES_BACKEND_FACTORY_H_
#define PROVIDER_RESOURCES_BACKEND_FACTORY_H_

#include <memory>

#include "absl/status/statusor.h"
#include "provider/backend/backend.h"
#include "provider/resources/provider_config.h"

namespace escnative::resources {

// local: the encrypted store at config.local_path (created on first use);
// a wrong passphrase or a damaged file is an error here, before any resource
// call. cloud: the ESC REST API at config.backend_url (CloudBackend); no
// request is made until a resource or function needs one.
absl::StatusOr<std::unique_ptr<backend::Backend>> OpenBackend(const ProviderConfig& config);

// Fills config->organization when it is empty (cloud without esc:organization)
// with the backend's default for short references: on the cloud backend the
// access token's default organization (one request, at Configure).
absl::Status ResolveDefaultOrganization(ProviderConfig* config, backend::Backend* backend);

}  // namespace escnative::resources

#endif  // PROVIDER_RESOURCES_BACKEND_FACTORY_H_
