// Writes to one environment's definition from many concurrent resource calls,
// batched: while one write is in flight, later edits queue, and the next
// write applies all of them in one revision (group commit). The engine runs
// many resources at once, and each write re-parses, validates and stores the
// whole definition, so one write per edit would make N edits cost O(N^2).
//
// An edit is a function on the definition JSON (secrets as ciphertext, except
// values the edit itself adds as plaintext `fn::secret`). It may fail alone
// (e.g. "already has a value"); that edit is skipped and reports its error.
// A stale etag (someone outside wrote) re-reads and re-applies every edit.
// If the backend rejects a batched definition, each edit is retried alone so
// one bad value does not fail the others.
#ifndef PROVIDER_RESOURCES_ENV_WRITER_H_
#define PROVIDER_RESOURCES_ENV_WRITER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "provider/backend/backend.h"

namespace escnative::resources {

class EnvironmentWriter {
 public:
  // Returns NotFound (no change) from an edit to mean "nothing to do". An
  // edit that returns any error must leave `definition` as it was: edits of
  // one batch are applied to one document in turn, without a copy each.
  using Edit = std::function<absl::Status(nlohmann::ordered_json& definition)>;

  EnvironmentWriter() = default;
  EnvironmentWriter(const EnvironmentWriter&) = delete;
  EnvironmentWriter& operator=(const EnvironmentWriter&) = delete;

  // Applies `edit` to the latest definition of `ref` and stores it. Returns
  // the revision that holds the edit (or the current one if the edit changed
  // nothing). Thread-safe; blocks until the edit is written or failed.
  absl::StatusOr<int64_t> Apply(backend::Backend* backend, const backend::EnvironmentRef& ref,
                                Edit edit);

 private:
  struct Pending;
  struct Queue;

  // Writes `batch` (all for one environment) and fills in each result.
  static void WriteBatch(backend::Backend* backend, const backend::EnvironmentRef& ref,
                         const std::vector<std::shared_ptr<Pending>>& batch);

  absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<Queue>> queues_ ABSL_GUARDED_BY(mu_);
};

}  // namespace escnative::resources

#endif  // PROVIDER_RESOURCES_ENV_WRITER_H_
