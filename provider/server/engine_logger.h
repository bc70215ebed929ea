// Sends user-visible messages to the engine's Log service. Until the engine
// address is known (argv, Handshake or Attach), or if the engine cannot be
// reached, messages go to stderr, never stdout.
#ifndef PROVIDER_SERVER_ENGINE_LOGGER_H_
#define PROVIDER_SERVER_ENGINE_LOGGER_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "provider/resources/resource.h"
#include "pulumi/engine.grpc.pb.h"

namespace escnative::server {

class EngineLogger final : public resources::Logger {
 public:
  EngineLogger() = default;

  // Sets (or replaces) the engine address; an empty address is ignored.
  void SetEngineAddress(const std::string& address);
  std::string engine_address() const;

  void Log(resources::LogSeverity severity, absl::string_view message,
           absl::string_view urn) override;

 private:
  mutable absl::Mutex mu_;
  std::string address_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<pulumirpc::Engine::Stub> stub_ ABSL_GUARDED_BY(mu_);
};

}  // namespace escnative::server

#endif  // PROVIDER_SERVER_ENGINE_LOGGER_H_
