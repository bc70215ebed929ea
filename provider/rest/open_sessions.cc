#include "provider/rest/open_sessions.h"

#include <utility>

#include "provider/crypto/random.h"

namespace escnative::rest {

std::string OpenSessions::Add(const std::string& owner, const api::EnvironmentRef& ref,
                              esc::ValuePtr root, absl::Duration ttl) {
  std::string id = crypto::RandomHex(16);
  absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  EvictLocked(now);
  sessions_[id] = Session{owner, ref.ToString(), std::move(root), now + ttl};
  return id;
}

absl::StatusOr<esc::ValuePtr> OpenSessions::Get(const std::string& id, const std::string& owner,
                                                const api::EnvironmentRef& ref) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second.expires <= absl::Now() || it->second.owner != owner ||
      it->second.ref != ref.ToString()) {
    return absl::NotFoundError(
        "open session not found: it expired, or was opened for another environment or token");
  }
  return it->second.root;
}

void OpenSessions::EvictLocked(absl::Time now) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = it->second.expires <= now ? sessions_.erase(it) : std::next(it);
  }
  while (sessions_.size() >= max_) {
    auto soonest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.expires < soonest->second.expires) soonest = it;
    }
    sessions_.erase(soonest);
  }
}

}  // namespace escnative::rest
