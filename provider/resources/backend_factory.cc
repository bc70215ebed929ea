#include "provider/resources/backend_factory.h"

#include <cmath>

#include "provider/backend/cloud/cloud_backend.h"
#include "provider/backend/local_backend.h"
#include "provider/crypto/keyring.h"
#include "provider/crypto/secret_bytes.h"

namespace escnative::resources {

absl::StatusOr<std::unique_ptr<backend::Backend>> OpenBackend(const ProviderConfig& config) {
  if (config.backend == ProviderConfig::Backend::kCloud) {
    // No request here: the default organization is asked for when first
    // needed, so Configure works offline.
    backend::CloudBackendOptions options;
    options.url = config.backend_url;
    options.token = config.access_token;
    options.organization = config.organization;
    options.project = config.project;
    options.http.timeout = absl::Milliseconds(std::llround(config.http_timeout_seconds * 1000));
    options.http.retries = config.http_retries;
    options.http.allow_insecure_http = config.allow_insecure_http;
    options.http.ca_file = config.ca_file;
    auto opened = backend::CloudBackend::Create(std::move(options));
    if (!opened.ok()) return opened.status();
    return std::unique_ptr<backend::Backend>(*std::move(opened));
  }
  backend::LocalBackendOptions options;
  options.path = config.local_path;
  options.credential =
      crypto::Credential::Passphrase(crypto::SecretBytes::CopyFrom(config.passphrase));
  options.organization = config.organization;
  options.project = config.project;
  options.actor = "pulumi";
  auto opened = backend::LocalBackend::Open(std::move(options));
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<backend::Backend>(*std::move(opened));
}

absl::Status ResolveDefaultOrganization(ProviderConfig* config, backend::Backend* backend) {
  if (!config->organization.empty() || backend == nullptr) return absl::OkStatus();
  // A one-part reference takes the backend's default organization.
  auto parsed = backend->ParseRef("default");
  if (!parsed.ok()) return parsed.status();
  config->organization = parsed->first.organization;
  return absl::OkStatus();
}

}  // namespace escnative::resources
