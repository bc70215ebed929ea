// What resources need from the configured provider: its settings and the
// backend Configure opened. Shared by every resource; thread-safe.
#ifndef PROVIDER_RESOURCES_PROVIDER_CONTEXT_H_
#define PROVIDER_RESOURCES_PROVIDER_CONTEXT_H_

#include <map>
#include <memory>
#include <string>
#include <vector>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "provider/backend/backend.h"
#include "provider/resources/env_writer.h"
#include "provider/resources/provider_config.h"

namespace escnative::resources {

class ProviderContext {
 public:
  ProviderContext() = default;
  ProviderContext(const ProviderContext&) = delete;
  ProviderContext& operator=(const ProviderContext&) = delete;

  // Installs the configuration and its backend (Configure; may be called
  // again in attach mode, replacing both). A null backend means the build
  // cannot serve this configuration; backend() then says so.
  void Configure(ProviderConfig config, std::unique_ptr<backend::Backend> backend);

  // FailedPrecondition until Configure succeeded. The pointer stays valid for
  // the process lifetime (replaced backends are kept alive).
  absl::StatusOr<backend::Backend*> backend() const;
  std::optional<ProviderConfig> config() const;

  // One mutex per environment ("org/project/name"): read-modify-write
  // sequences from this process to the same environment take turns, so
  // concurrent resources (the engine runs many at once) do not race on its
  // etag. Other writers are still handled by etag retries.
  absl::Mutex& WriteLock(const std::string& environment) const;

  // Batched single-key edits (the Secret resource's writes).
  EnvironmentWriter& writer() const { return writer_; }

 private:
  mutable absl::Mutex mu_;
  std::optional<ProviderConfig> config_ ABSL_GUARDED_BY(mu_);
  backend::Backend* current_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::vector<std::unique_ptr<backend::Backend>> backends_ ABSL_GUARDED_BY(mu_);
  mutable std::map<std::string, std::unique_ptr<absl::Mutex>> write_locks_ ABSL_GUARDED_BY(mu_);
  mutable EnvironmentWriter writer_;
};

}  // namespace escnative::resources

#endif  // PROVIDER_RESOURCES_PROVIDER_CONTEXT_H_
