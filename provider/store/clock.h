// Time source for the store, injectable so tests can control expiry.
#ifndef PROVIDER_STORE_CLOCK_H_
#define PROVIDER_STORE_CLOCK_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace escnative::store {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;

  // The process-wide wall clock. Never null; lives forever.
  static const Clock* Real();
};

}  // namespace escnative::store

#endif  // PROVIDER_STORE_CLOCK_H_
