#include "provider/resources/backend_factory.h"

#include "provider/backend/local_backend.h"
#include "provider/crypto/keyring.h"
#include "provider/crypto/secret_bytes.h"

namespace escnative::resources {

absl::StatusOr<std::unique_ptr<backend::Backend>> OpenBackend(const ProviderConfig& config) {
  if (config.backend == ProviderConfig::Backend::kCloud) {
    // Not in this build yet: Configure succeeds and resource calls say so.
    return std::unique_ptr<backend::Backend>();
  }
  backend::LocalBackendOptions options;
  options.path = config.local_path;
  options.credential = crypto::Credential::Passphrase(crypto::SecretBytes::CopyFrom(config.passphrase));
  options.organization = config.organization;
  options.project = config.project;
  options.actor = "pulumi";
  auto opened = backend::LocalBackend::Open(std::move(options));
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<backend::Backend>(*std::move(opened));
}

}  // namespace escnative::resources
