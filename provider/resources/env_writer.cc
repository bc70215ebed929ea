#include "provider/resources/env_writer.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "provider/esc/definition_data.h"
#include "provider/resources/resource_util.h"

namespace escnative::resources {

namespace {
constexpr int kConflictRetries = 8;
// How long a leader waits for the previous batch's callers to return; small
// against one write (a validation of the whole definition and an fsync).
constexpr absl::Duration kGatherWait = absl::Milliseconds(5);
}  // namespace

struct EnvironmentWriter::Pending {
  Edit edit;
  bool done = false;
  absl::StatusOr<int64_t> result = absl::UnknownError("not written");
};

struct EnvironmentWriter::Queue {
  absl::Mutex mu;
  absl::CondVar changed;  // a write finished
  absl::CondVar arrived;  // an edit was queued
  bool writing ABSL_GUARDED_BY(mu) = false;
  std::vector<std::shared_ptr<Pending>> pending ABSL_GUARDED_BY(mu);
  // Callers known to be writing: the previous batch (about to come back)
  // plus those that queued while it was written.
  size_t expected ABSL_GUARDED_BY(mu) = 0;
};

absl::StatusOr<int64_t> EnvironmentWriter::Apply(backend::Backend* backend,
                                                 const backend::EnvironmentRef& ref, Edit edit) {
  std::shared_ptr<Queue> queue;
  {
    absl::MutexLock lock(&mu_);
    auto& q = queues_[RefString(ref)];
    if (q == nullptr) q = std::make_shared<Queue>();
    queue = q;
  }
  auto mine = std::make_shared<Pending>();
  mine->edit = std::move(edit);
  queue->mu.Lock();
  queue->pending.push_back(mine);
  queue->arrived.Signal();
  // Leader/follower: whoever finds no write in flight writes everything
  // queued so far; the others wait for their edit to be done.
  while (!mine->done) {
    if (!queue->writing) {
      queue->writing = true;
      // The callers released by the previous write come back one by one: a
      // leader that wrote at once would write alone and leave the rest for
      // the next revision, doubling the revisions (each a whole-definition
      // validation and an fsync). Wait briefly for every caller known to be
      // writing; a lone caller never waits.
      absl::Time deadline = absl::Now() + kGatherWait;
      while (queue->pending.size() < queue->expected &&
             !queue->arrived.WaitWithDeadline(&queue->mu, deadline)) {
      }
      std::vector<std::shared_ptr<Pending>> batch;
      batch.swap(queue->pending);
      queue->mu.Unlock();
      WriteBatch(backend, ref, batch);
      queue->mu.Lock();
      for (auto& p : batch) p->done = true;
      queue->expected = batch.size() + queue->pending.size();
      queue->writing = false;
      queue->changed.SignalAll();
    } else {
      queue->changed.Wait(&queue->mu);
    }
  }
  queue->mu.Unlock();
  return mine->result;
}

void EnvironmentWriter::WriteBatch(backend::Backend* backend, const backend::EnvironmentRef& ref,
                                   const std::vector<std::shared_ptr<Pending>>& batch) {
  for (int attempt = 0;; ++attempt) {
    auto def = backend->GetDefinition(ref, "", /*decrypt=*/false);
    if (!def.ok()) {
      for (auto& p : batch) p->result = def.status();
      return;
    }
    // The backend may have the definition as data already (the revision it
    // wrote for the previous batch): no parse then.
    nlohmann::ordered_json current;
    if (def->data != nullptr) {
      current = *def->data;
    } else {
      auto parsed = esc::DefinitionToJson(def->yaml);
      if (!parsed.ok()) {
        for (auto& p : batch) p->result = parsed.status();
        return;
      }
      current = *std::move(parsed);
    }
    std::vector<Pending*> applied;
    for (auto& p : batch) {
      absl::Status s = p->edit(current);  // leaves `current` alone on error
      if (absl::IsNotFound(s)) {
        p->result = def->revision;  // nothing to change
      } else if (!s.ok()) {
        p->result = s;
      } else {
        applied.push_back(p.get());
      }
    }
    if (applied.empty()) return;
    auto updated = backend->UpdateDefinitionData(ref, current, def->etag);
    if (updated.ok()) {
      for (Pending* p : applied) p->result = updated->revision;
      return;
    }
    if (absl::IsAborted(updated.status()) && attempt + 1 < kConflictRetries) continue;
    if (applied.size() > 1 && absl::IsInvalidArgument(updated.status())) {
      // One edit made the definition invalid: write each alone, so only the
      // bad one fails.
      for (Pending* p : applied) {
        std::shared_ptr<Pending> single = std::make_shared<Pending>();
        single->edit = p->edit;
        WriteBatch(backend, ref, {single});
        p->result = single->result;
      }
      return;
    }
    for (Pending* p : applied) p->result = updated.status();
    return;
  }
}

}  // namespace escnative::resources
