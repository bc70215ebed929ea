// The one place absl::Status becomes grpc::Status. Codes map one to one; a
// missing-config payload becomes a ConfigureErrorMissingKeys detail.
#ifndef PROVIDER_SERVER_STATUS_CONVERT_H_
#define PROVIDER_SERVER_STATUS_CONVERT_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace escnative::server {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace escnative::server

#endif  // PROVIDER_SERVER_STATUS_CONVERT_H_
