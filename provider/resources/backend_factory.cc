#include "provider/resources/backend_factory.h"

namespace escnative::resources {

absl::StatusOr<std::unique_ptr<backend::Backend>> OpenBackend(const ProviderConfig& config) {
  // The local backend lands with the LocalBackend change; until then no
  // backend is opened and resource calls report that.
  (void)config;
  return std::unique_ptr<backend::Backend>();
}

}  // namespace escnative::resources
