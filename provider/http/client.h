// An HTTP/1.1 client (libcurl) for REST calls: connection reuse, timeouts,
// TLS verification always on, and retries with exponential backoff and
// jitter for requests that are safe to repeat.
//
//   ClientOptions o;  o.timeout = absl::Seconds(30);
//   ASSIGN_OR_RETURN(auto client, Client::Create("https://api.pulumi.com", o));
//   ASSIGN_OR_RETURN(ClientResponse r, client->Send({.method = "GET", .path = "/api/user"}));
//
// libcurl is loaded with dlopen the first time a Client is created, so a
// process that never talks HTTP (the plugin on the local backend) neither
// loads it nor pays for it at start-up.
//
// Retries: on 429, 502, 503, 504, timeouts and connection failures, at most
// `retries` more attempts, waiting base * 2^n with full jitter, or what a
// Retry-After header asks (capped at max_backoff). Only for requests safe to
// repeat (ClientRequest::repeatable); a request that could not even connect
// is retried whatever its method (nothing reached the server).
//
// Errors name the method and path, never a header value (tokens):
//   Unavailable        could not connect, connection reset, TLS failure
//   DeadlineExceeded   the request took longer than `timeout`
//   InvalidArgument    a bad base URL, or http:// to a host that is not
//                      loopback without allow_insecure_http
// Any HTTP status is a successful Send; callers map statuses.
#ifndef PROVIDER_HTTP_CLIENT_H_
#define PROVIDER_HTTP_CLIENT_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace escnative::http {

struct ClientOptions {
  absl::Duration timeout = absl::Seconds(60);  // per attempt, whole exchange
  absl::Duration connect_timeout = absl::Seconds(15);
  int retries = 3;  // extra attempts after the first
  absl::Duration base_backoff = absl::Milliseconds(250);
  absl::Duration max_backoff = absl::Seconds(30);
  // Plain http:// to a host that is not loopback (127.0.0.0/8, ::1,
  // localhost) is refused unless this is set.
  bool allow_insecure_http = false;
  // PEM CA bundle to trust instead of the system's. Empty: $SSL_CERT_FILE
  // when set, else the system bundle.
  std::string ca_file;
  std::string user_agent;
  size_t max_response_bytes = 64 << 20;
  // Waits between attempts; tests inject one that records instead.
  std::function<void(absl::Duration)> sleep;
};

struct ClientRequest {
  std::string method = "GET";
  std::string path;  // with query, already escaped; appended to the base URL
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Safe to send again after a failure (GET/HEAD/DELETE, a conditional write).
  bool repeatable = false;
};

struct ClientResponse {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  int attempts = 0;

  // Case-insensitive; the last value or "".
  std::string Header(absl::string_view name) const;
};

class Client {
 public:
  // `base_url`: scheme://host[:port] with an optional path prefix.
  static absl::StatusOr<std::unique_ptr<Client>> Create(std::string base_url,
                                                        ClientOptions options);
  virtual ~Client() = default;

  virtual absl::StatusOr<ClientResponse> Send(const ClientRequest& request) = 0;
  virtual const std::string& base_url() const = 0;
};

// True for "localhost", 127.0.0.0/8 and ::1 (with or without brackets).
bool IsLoopbackHost(absl::string_view host);

// The wait a Retry-After value asks for (delta seconds or an HTTP date,
// relative to `now`); nullopt-like negative duration when unparsable.
absl::Duration ParseRetryAfter(absl::string_view value, absl::Time now);

}  // namespace escnative::http

#endif  // PROVIDER_HTTP_CLIENT_H_
