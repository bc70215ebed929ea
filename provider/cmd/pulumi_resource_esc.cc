// pulumi-resource-esc: the plugin binary the Pulumi engine launches.
#include "absl/synchronization/mutex.h"
#include "provider/server/plugin.h"

int main(int argc, char** argv) {
  // Debian's Abseil is built without NDEBUG, so every Mutex acquisition would
  // feed its deadlock detector's lock graph (~0.6% of a round trip's samples,
  // with a global lock). Unit tests keep it on; the shipped binary does not.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return escnative::server::RunPlugin(argc, argv);
}
