// OpenCache: evaluated opens of the local backend, reused while nothing they
// were evaluated from has changed.
//
// An entry is keyed by what names an open (environment, version, actor) and
// records its import closure: every environment the evaluation loaded, with
// the version asked for and the revision etag it resolved to. It is valid
// only while each of those still resolves to the same etag (etags are random
// per revision, so any write anywhere in the closure, a moved tag, or a
// deleted and re-created environment invalidates it); the caller checks
// that against the store before every use.
//
// Entries hold decrypted secrets, so: they are used for at most `ttl` (an
// expired entry is released at the next Find or Put, or with the cache),
// there are at most `max_entries`, each is the cache's own deep copy (callers
// get copies, never the cached tree), and every string in it is wiped before
// its memory is released (eviction, expiry, invalidation, destruction).
//
// Thread-safe.
#ifndef PROVIDER_BACKEND_OPEN_CACHE_H_
#define PROVIDER_BACKEND_OPEN_CACHE_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "provider/esc/diagnostic.h"
#include "provider/esc/value.h"
#include "provider/store/store.h"

namespace escnative::backend {

class OpenCache {
 public:
  // One environment an open loaded: `version` as asked ("" = latest).
  struct Member {
    store::EnvironmentRef ref;
    std::string version;
    std::string etag;
  };
  struct Entry {
    std::vector<Member> closure;  // the opened environment first
    int64_t revision = 0;         // of the opened environment
    esc::ValuePtr root;           // a copy for the caller
    esc::Diagnostics diagnostics;
  };

  OpenCache(absl::Duration ttl, size_t max_entries) : ttl_(ttl), max_entries_(max_entries) {}
  ~OpenCache() = default;  // wipes every entry
  OpenCache(const OpenCache&) = delete;
  OpenCache& operator=(const OpenCache&) = delete;

  // The entry for `key` if it has not expired; its root is a fresh copy the
  // caller owns. The caller must check the closure before using it, and
  // Forget(key) if it has moved on.
  std::optional<Entry> Find(const std::string& key, absl::Time now);
  // Stores a copy of `entry.root`.
  void Put(const std::string& key, const Entry& entry, absl::Time now);
  void Forget(const std::string& key);

  // Deep copy preserving sharing inside the tree; `base` chains included.
  static esc::ValuePtr Copy(const esc::ValuePtr& root);
  // Overwrites every string of a tree nobody else references.
  static void Wipe(const esc::ValuePtr& root);

 private:
  // Wiped when the last reference goes (a Find may be copying it).
  struct Slot {
    Slot(Entry e, absl::Time t) : entry(std::move(e)), expires(t) {}
    ~Slot() { Wipe(entry.root); }
    Entry entry;
    absl::Time expires;
  };
  void EvictExpired(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const absl::Duration ttl_;
  const size_t max_entries_;
  absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<const Slot>> slots_ ABSL_GUARDED_BY(mu_);
};

}  // namespace escnative::backend

#endif  // PROVIDER_BACKEND_OPEN_CACHE_H_
