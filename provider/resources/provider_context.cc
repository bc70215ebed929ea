#include "provider/resources/provider_context.h"

#include "absl/status/status.h"

namespace escnative::resources {

void ProviderContext::Configure(ProviderConfig config, std::unique_ptr<backend::Backend> backend) {
  absl::MutexLock lock(&mu_);
  config_ = std::move(config);
  current_ = backend.get();
  backends_.push_back(std::move(backend));
}

absl::StatusOr<backend::Backend*> ProviderContext::backend() const {
  absl::MutexLock lock(&mu_);
  if (!config_.has_value()) {
    return absl::FailedPreconditionError(
        "the esc provider is not configured yet (Configure has not succeeded)");
  }
  if (current_ == nullptr) {
    return absl::UnimplementedError(
        "the configured backend is not available in this build of the esc provider");
  }
  return current_;
}

absl::Mutex& ProviderContext::WriteLock(const std::string& environment) const {
  absl::MutexLock lock(&mu_);
  auto& m = write_locks_[environment];
  if (m == nullptr) m = std::make_unique<absl::Mutex>();
  return *m;
}

std::optional<ProviderConfig> ProviderContext::config() const {
  absl::MutexLock lock(&mu_);
  return config_;
}

}  // namespace escnative::resources
