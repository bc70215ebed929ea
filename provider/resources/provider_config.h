// Provider configuration: CheckConfig coercion and validation, DiffConfig, and
// the resolved settings Configure hands to the backend.
//
// Config values may arrive as JSON-encoded strings ("true", "42", "{...}") from
// stack config and the generated SDKs (pulumi-protocol.md §5.7); CheckConfig
// coerces them to the schema's types and keeps secret wrappers and unknowns.
#ifndef PROVIDER_RESOURCES_PROVIDER_CONFIG_H_
#define PROVIDER_RESOURCES_PROVIDER_CONFIG_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "provider/resources/package_schema.h"
#include "provider/resources/resource.h"
#include "provider/util/env_lookup.h"
#include "provider/value/property_value.h"

namespace escnative::resources {

struct ProviderConfig {
  enum class Backend { kLocal, kCloud };
  Backend backend = Backend::kLocal;
  std::string organization;  // may be empty on cloud (resolved from the token later)
  std::string project = "default";
  std::string backend_url;
  std::string local_path;
  double http_timeout_seconds = 60;
  int http_retries = 3;
  bool allow_insecure_http = false;
  std::string ca_file;  // PEM bundle trusted for backendUrl ("" = SSL_CERT_FILE or the system's)
  // Credentials. Never logged, never echoed in errors.
  std::string access_token;
  std::string passphrase;

  // One line for the engine log: backend and location, no credentials.
  std::string Describe() const;
};

using util::EnvLookup;
// The process environment; an empty variable counts as unset.
EnvLookup ProcessEnv();

// A required key that is missing, as the engine's ConfigureErrorMissingKeys
// reports it.
struct MissingConfigKey {
  std::string name;  // Pulumi config name, e.g. "esc:passphrase"
  std::string description;
};

// Status payload URL under which Configure errors carry missing keys; the
// server turns it into a ConfigureErrorMissingKeys detail.
inline constexpr char kMissingKeysPayloadUrl[] = "type.escnative/missing-config-keys";
absl::Status MissingKeysError(const std::vector<MissingConfigKey>& keys);
std::vector<MissingConfigKey> MissingKeysFromStatus(const absl::Status& status);

// CheckConfig: coerce, validate, mark secret keys. The engine's `version` key
// (and pre-v3.128 `pluginDownloadURL`/`pluginChecksums`) pass through untouched.
CheckResult CheckProviderConfig(const PropertyMap& news);

// The coercion step alone, against any object spec (exposed for tests).
PropertyMap CoerceConfig(const ObjectSpec& spec, const PropertyMap& news,
                         std::vector<CheckFailure>* failures);

// DiffConfig: changing where resources live (backend, backendUrl, localPath)
// replaces the provider; credentials and defaults update in place.
DiffResult DiffProviderConfig(const PropertyMap& olds, const PropertyMap& news);

// Configure: resolves settings from typed args, then the environment
// (PULUMI_ACCESS_TOKEN, PULUMI_BACKEND_URL, ESC_LOCAL_PATH, ESC_PASSPHRASE,
// ESC_PASSPHRASE_FILE, PULUMI_CONFIG_PASSPHRASE, PULUMI_CONFIG_PASSPHRASE_FILE).
// Missing credentials give MissingKeysError; invalid values InvalidArgument
// naming the key.
absl::StatusOr<ProviderConfig> ResolveProviderConfig(const PropertyMap& args,
                                                     const EnvLookup& env);

// Builds typed args from the deprecated `variables` map
// ("esc:config:<key>" -> string), for engines that send no `args`.
PropertyMap ArgsFromVariables(const std::vector<std::pair<std::string, std::string>>& variables);

}  // namespace escnative::resources

#endif  // PROVIDER_RESOURCES_PROVIDER_CONFIG_H_
