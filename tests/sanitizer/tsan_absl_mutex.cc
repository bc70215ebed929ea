// ThreadSanitizer builds only (-DESC_SANITIZE=thread links this into every
// executable). Debian's Abseil is not built with TSan, so absl::Mutex's lock
// and unlock happen in uninstrumented code: TSan sees no ordering between two
// critical sections and reports every access a Mutex guards as a race. These
// definitions interpose the Mutex and CondVar entry points the project uses
// (an executable's symbols win over a shared library's), call Abseil's own
// through dlsym(RTLD_NEXT) and tell TSan about the acquire/release edges.
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>
#include <type_traits>

#include "absl/synchronization/mutex.h"

namespace {

template <typename Fn>
Fn Real(const char* mangled) {
  void* f = ::dlsym(RTLD_NEXT, mangled);
  if (f == nullptr) {
    std::fprintf(stderr, "tsan_absl_mutex: %s not found in Abseil\n", mangled);
    std::abort();
  }
  return reinterpret_cast<Fn>(f);
}

#define ESC_REAL(type, name) static const auto real = Real<type>(name)

// Inside Unlock, Await and Wait, Abseil evaluates waiters' Conditions (our
// instrumented lambdas, reading guarded state) on whichever thread is
// handing the mutex over, after the release edge below. Their reads are
// ignored there; the waiter re-evaluates its Condition once it holds the
// mutex, and that evaluation is seen.
extern "C" void __tsan_ignore_thread_begin();
extern "C" void __tsan_ignore_thread_end();

template <typename Fn, typename... Args>
auto Ignoring(Fn fn, Args... args) {
  __tsan_ignore_thread_begin();
  if constexpr (std::is_void_v<decltype(fn(args...))>) {
    fn(args...);
    __tsan_ignore_thread_end();
  } else {
    auto r = fn(args...);
    __tsan_ignore_thread_end();
    return r;
  }
}

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

void Mutex::Lock() {
  ESC_REAL(void (*)(Mutex*), "_ZN4absl7debian35Mutex4LockEv");
  real(this);
  __tsan_acquire(this);
}

bool Mutex::TryLock() {
  ESC_REAL(bool (*)(Mutex*), "_ZN4absl7debian35Mutex7TryLockEv");
  const bool locked = real(this);
  if (locked) __tsan_acquire(this);
  return locked;
}

void Mutex::Unlock() {
  ESC_REAL(void (*)(Mutex*), "_ZN4absl7debian35Mutex6UnlockEv");
  __tsan_release(this);
  Ignoring(real, this);
}

void Mutex::LockWhen(const Condition& cond) {
  ESC_REAL(void (*)(Mutex*, const Condition*), "_ZN4absl7debian35Mutex8LockWhenERKNS0_9ConditionE");
  Ignoring(real, this, &cond);
  __tsan_acquire(this);
}

// Await and CondVar::Wait release the mutex while waiting and take it again.
void Mutex::Await(const Condition& cond) {
  ESC_REAL(void (*)(Mutex*, const Condition*), "_ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE");
  __tsan_release(this);
  Ignoring(real, this, &cond);
  __tsan_acquire(this);
}

void CondVar::Wait(Mutex* mu) {
  ESC_REAL(void (*)(CondVar*, Mutex*), "_ZN4absl7debian37CondVar4WaitEPNS0_5MutexE");
  __tsan_release(mu);
  Ignoring(real, this, mu);
  __tsan_acquire(mu);
}

// The writer's batch leader waits for callers with a deadline.
bool CondVar::WaitWithDeadline(Mutex* mu, absl::Time deadline) {
  ESC_REAL(bool (*)(CondVar*, Mutex*, absl::Time),
           "_ZN4absl7debian37CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");
  __tsan_release(mu);
  const bool timed_out = Ignoring(real, this, mu, deadline);
  __tsan_acquire(mu);
  return timed_out;
}

bool CondVar::WaitWithTimeout(Mutex* mu, absl::Duration timeout) {
  ESC_REAL(bool (*)(CondVar*, Mutex*, absl::Duration),
           "_ZN4absl7debian37CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE");
  __tsan_release(mu);
  const bool timed_out = Ignoring(real, this, mu, timeout);
  __tsan_acquire(mu);
  return timed_out;
}

ABSL_NAMESPACE_END
}  // namespace absl
