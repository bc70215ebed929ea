// Opened environments awaiting their reads (POST .../open returns an id,
// GET .../open/{id} reads it). Each session belongs to the token that opened
// it and to one environment; it expires after its duration. Bounded: when
// full, expired sessions go first, then the ones closest to expiry.
#ifndef PROVIDER_REST_OPEN_SESSIONS_H_
#define PROVIDER_REST_OPEN_SESSIONS_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "provider/esc/value.h"
#include "provider/api/types.h"

namespace escnative::rest {

class OpenSessions {
 public:
  explicit OpenSessions(size_t max_sessions) : max_(max_sessions == 0 ? 1 : max_sessions) {}

  // Returns the new session id (random, unguessable).
  std::string Add(const std::string& owner, const api::EnvironmentRef& ref, esc::ValuePtr root,
                  absl::Duration ttl);
  // The values, if `id` exists, has not expired, and was opened by `owner`
  // for `ref`. NotFound otherwise (one message: no oracle for other ids).
  absl::StatusOr<esc::ValuePtr> Get(const std::string& id, const std::string& owner,
                                    const api::EnvironmentRef& ref);

 private:
  struct Session {
    std::string owner;
    std::string ref;
    esc::ValuePtr root;
    absl::Time expires;
  };
  void EvictLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t max_;
  absl::Mutex mu_;
  std::map<std::string, Session> sessions_ ABSL_GUARDED_BY(mu_);
};

}  // namespace escnative::rest

#endif  // PROVIDER_REST_OPEN_SESSIONS_H_
