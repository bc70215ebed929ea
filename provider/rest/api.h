// The ESC REST API served over a Backend: routes that turn HTTP requests into
// Backend calls and Backend results into the wire shapes of wire.h. No ESC
// logic lives here; the Backend decides and enforces (scopes, validation).
//
//   rest::Api api(authenticate, {.organization = "myorg"});
//   ASSIGN_OR_RETURN(auto server, http::Server::Create(options, api.Routes()));
//
// Every route needs `Authorization: token <value>`; `authenticate` turns the
// value into a Backend acting as that token (401 when it is not a live token).
#ifndef PROVIDER_REST_API_H_
#define PROVIDER_REST_API_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "provider/backend/backend.h"
#include "provider/http/message.h"
#include "provider/rest/open_sessions.h"

namespace escnative::rest {

struct Caller {
  std::unique_ptr<backend::Backend> backend;
  std::string id;  // token id: audit actor, owner of open sessions
};

using Authenticator = std::function<absl::StatusOr<Caller>(absl::string_view token_value)>;

struct ApiOptions {
  std::string organization = "organization";  // the caller's default organization
  int max_page = 500;                         // list pages at most this long
  size_t max_open_sessions = 4096;
  // Server-side log (internal errors); never given a secret or token.
  std::function<void(const std::string&)> log;
};

class Api {
 public:
  Api(Authenticator authenticate, ApiOptions options);

  std::vector<http::Route> Routes();

  // The JSON error response for `status` and a message (also for errors the
  // HTTP server answers itself: 404 no route, 413, ...).
  static http::Response Error(int status, absl::string_view message);

 private:
  struct Call {
    const http::Request& req;
    Caller& caller;
  };
  using Body = std::function<absl::StatusOr<http::Response>(Call&)>;

  // Authenticates, runs `body`, maps a failure to its JSON error.
  http::Handler Authed(Body body);
  http::Response ErrorFor(const absl::Status& status) const;

  void EnvironmentRoutes(std::vector<http::Route>* routes);
  void TagRoutes(std::vector<http::Route>* routes);
  void TokenRoutes(std::vector<http::Route>* routes);
  void AuditRoutes(std::vector<http::Route>* routes);

  const Authenticator authenticate_;
  const ApiOptions options_;
  OpenSessions sessions_;
};

// --- helpers shared by the route files ------------------------------------------
http::Response Json(int status, const nlohmann::json& body);
http::Response NoContent();
// org/project/env from the route's first three captures, validated.
absl::StatusOr<api::EnvironmentRef> RefFrom(const http::Request& req);

}  // namespace escnative::rest

#endif  // PROVIDER_REST_API_H_
