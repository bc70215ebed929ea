// pulumirpc.ResourceProvider over gRPC: decodes requests into PropertyValue,
// dispatches by type token to the registry, encodes responses. No resource
// logic lives here.
#ifndef PROVIDER_SERVER_PROVIDER_SERVICE_H_
#define PROVIDER_SERVER_PROVIDER_SERVICE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "provider/resources/provider_config.h"
#include "provider/resources/provider_context.h"
#include "provider/resources/registry.h"
#include "provider/server/engine_logger.h"
#include "pulumi/provider.grpc.pb.h"

namespace escnative::server {

class ProviderService final : public pulumirpc::ResourceProvider::Service {
 public:
  // Opens the backend a configuration selects (the local store or the cloud).
  using BackendFactory = std::function<absl::StatusOr<std::unique_ptr<backend::Backend>>(
      const resources::ProviderConfig&)>;

  // `logger` must outlive the service.
  ProviderService(EngineLogger* logger, resources::EnvLookup env, BackendFactory open_backend);

  // True once Cancel was called; in-flight calls see it through CallContext.
  bool cancelled() const { return cancelled_.load(); }

  grpc::Status Handshake(grpc::ServerContext*, const pulumirpc::ProviderHandshakeRequest*,
                         pulumirpc::ProviderHandshakeResponse*) override;
  grpc::Status GetPluginInfo(grpc::ServerContext*, const google::protobuf::Empty*,
                             pulumirpc::PluginInfo*) override;
  grpc::Status Attach(grpc::ServerContext*, const pulumirpc::PluginAttach*,
                      google::protobuf::Empty*) override;
  grpc::Status Cancel(grpc::ServerContext*, const google::protobuf::Empty*,
                      google::protobuf::Empty*) override;
  grpc::Status GetSchema(grpc::ServerContext*, const pulumirpc::GetSchemaRequest*,
                         pulumirpc::GetSchemaResponse*) override;
  grpc::Status CheckConfig(grpc::ServerContext*, const pulumirpc::CheckRequest*,
                           pulumirpc::CheckResponse*) override;
  grpc::Status DiffConfig(grpc::ServerContext*, const pulumirpc::DiffRequest*,
                          pulumirpc::DiffResponse*) override;
  grpc::Status Configure(grpc::ServerContext*, const pulumirpc::ConfigureRequest*,
                         pulumirpc::ConfigureResponse*) override;
  grpc::Status Invoke(grpc::ServerContext*, const pulumirpc::InvokeRequest*,
                      pulumirpc::InvokeResponse*) override;
  grpc::Status Check(grpc::ServerContext*, const pulumirpc::CheckRequest*,
                     pulumirpc::CheckResponse*) override;
  grpc::Status Diff(grpc::ServerContext*, const pulumirpc::DiffRequest*,
                    pulumirpc::DiffResponse*) override;
  grpc::Status Create(grpc::ServerContext*, const pulumirpc::CreateRequest*,
                      pulumirpc::CreateResponse*) override;
  grpc::Status Read(grpc::ServerContext*, const pulumirpc::ReadRequest*,
                    pulumirpc::ReadResponse*) override;
  grpc::Status Update(grpc::ServerContext*, const pulumirpc::UpdateRequest*,
                      pulumirpc::UpdateResponse*) override;
  grpc::Status Delete(grpc::ServerContext*, const pulumirpc::DeleteRequest*,
                      google::protobuf::Empty*) override;

 private:
  // Runs an RPC body; a C++ exception becomes INTERNAL and an error log.
  template <typename Body>
  grpc::Status Guarded(const char* method, Body&& body);
  resources::CallContext Context() { return {logger_, &cancelled_}; }
  absl::StatusOr<resources::CustomResource*> ResourceFor(const std::string& type,
                                                         const std::string& urn) const;

  EngineLogger* const logger_;
  const resources::EnvLookup env_;
  const BackendFactory open_backend_;
  resources::ProviderContext context_;
  const std::unique_ptr<resources::Registry> registry_;  // uses context_
  std::atomic<bool> cancelled_{false};
};

}  // namespace escnative::server

#endif  // PROVIDER_SERVER_PROVIDER_SERVICE_H_
