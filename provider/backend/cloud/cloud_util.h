// Helpers of the cloud backend: reading responses and mapping HTTP errors to
// the Backend's status codes (backend.h).
#ifndef PROVIDER_BACKEND_CLOUD_CLOUD_UTIL_H_
#define PROVIDER_BACKEND_CLOUD_CLOUD_UTIL_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "provider/http/client.h"

namespace escnative::backend::cloud {

// The error for a non-2xx response to `what`: the server's message (never a
// request header), and for 400 its diagnostics as the Backend's payload.
// 409 becomes `conflict`.
absl::Status ErrorFor(const http::ClientResponse& res, absl::string_view what,
                      absl::StatusCode conflict);
// The body as JSON; Internal naming `what` when it is not JSON (the body is
// not quoted: it may hold secrets).
absl::StatusOr<nlohmann::json> JsonBody(const http::ClientResponse& res, absl::string_view what);
// Internal: "<what>: the server's answer is not <expected>".
absl::Status Unexpected(absl::string_view what, absl::string_view expected);
// Pulumi-ESC-Revision as a number (Internal when missing or not a number).
absl::StatusOr<int64_t> RevisionHeader(const http::ClientResponse& res, absl::string_view what);
// "?k=v&..." with escaped values; empty values left out ("" when none).
std::string Query(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace escnative::backend::cloud

#endif  // PROVIDER_BACKEND_CLOUD_CLOUD_UTIL_H_
