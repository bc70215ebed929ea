#include "provider/server/status_convert.h"

#include <string>

#include "google/rpc/status.pb.h"
#include "provider/resources/provider_config.h"
#include "pulumi/provider.pb.h"

namespace escnative::server {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());  // same numbering
  const std::string message(status.message());
  auto missing = resources::MissingKeysFromStatus(status);
  if (missing.empty()) return grpc::Status(code, message);

  pulumirpc::ConfigureErrorMissingKeys detail;
  for (const auto& k : missing) {
    auto* key = detail.add_missingkeys();
    key->set_name(k.name);
    key->set_description(k.description);
  }
  google::rpc::Status rpc_status;
  rpc_status.set_code(static_cast<int>(code));
  rpc_status.set_message(message);
  rpc_status.add_details()->PackFrom(detail);
  return grpc::Status(code, message, rpc_status.SerializeAsString());
}

}  // namespace escnative::server
