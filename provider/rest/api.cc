#include "provider/rest/api.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "provider/api/names.h"
#include "provider/backend/ref.h"
#include "provider/rest/wire.h"
#include "provider/util/status_macros.h"

namespace escnative::rest {
namespace {

// "token <value>" (scheme case-insensitive). Never echoed: it is a credential.
absl::StatusOr<std::string> TokenFromHeader(const std::string& header) {
  if (header.empty()) {
    return absl::UnauthenticatedError(
        "missing Authorization header: expected \"token <access token>\"");
  }
  absl::string_view h = absl::StripAsciiWhitespace(header);
  if (h.size() < 7 || !absl::EqualsIgnoreCase(h.substr(0, 5), "token") ||
      !absl::ascii_isspace(static_cast<unsigned char>(h[5]))) {
    return absl::UnauthenticatedError(
        "malformed Authorization header: expected \"token <access token>\"");
  }
  return std::string(absl::StripAsciiWhitespace(h.substr(6)));
}

}  // namespace

http::Response Json(int status, const nlohmann::json& body) {
  http::Response r;
  r.status = status;
  r.content_type = "application/json";
  // Replace invalid UTF-8 rather than throw: bodies quote stored names.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

http::Response NoContent() {
  http::Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

absl::StatusOr<api::EnvironmentRef> RefFrom(const http::Request& req) {
  if (req.captures.size() < 3) return absl::InternalError("route has no environment");
  api::EnvironmentRef ref{req.captures[0], req.captures[1], req.captures[2]};
  RETURN_IF_ERROR(api::ValidateOrganizationName(ref.organization, "the request path"));
  RETURN_IF_ERROR(api::ValidateProjectName(ref.project, "the request path"));
  RETURN_IF_ERROR(api::ValidateEnvironmentName(ref.name, "the request path"));
  return ref;
}

Api::Api(Authenticator authenticate, ApiOptions options)
    : authenticate_(std::move(authenticate)),
      options_(std::move(options)),
      sessions_(options_.max_open_sessions) {}

http::Response Api::Error(int status, absl::string_view message) {
  return Json(status, ErrorJson(status, message));
}

http::Response Api::ErrorFor(const absl::Status& status) const {
  int code = HttpStatusFor(status);
  if (code == 500 && options_.log) {
    options_.log(absl::StrCat("internal error: ", status.ToString()));
  }
  return Json(code, ErrorJson(status));
}

http::Handler Api::Authed(Body body) {
  return [this, body = std::move(body)](const http::Request& req) -> http::Response {
    absl::StatusOr<std::string> token = TokenFromHeader(req.Header("Authorization"));
    if (!token.ok()) return ErrorFor(token.status());
    absl::StatusOr<Caller> caller = authenticate_(*token);
    if (!caller.ok()) return ErrorFor(caller.status());
    Call call{req, *caller};
    absl::StatusOr<http::Response> res = body(call);
    if (!res.ok()) return ErrorFor(res.status());
    return *std::move(res);
  };
}

std::vector<http::Route> Api::Routes() {
  std::vector<http::Route> routes;
  routes.push_back({"GET", "/api/user", Authed([this](Call& c) -> absl::StatusOr<http::Response> {
                      nlohmann::json org = {{"githubLogin", options_.organization},
                                            {"name", options_.organization}};
                      std::string login = absl::StrCat("token:", c.caller.id);
                      return Json(200, {{"name", login},
                                        {"githubLogin", login},
                                        {"avatarUrl", ""},
                                        {"organizations", nlohmann::json::array({org})}});
                    })});
  routes.push_back({"GET", "/api/user/organizations/default",
                    Authed([this](Call&) -> absl::StatusOr<http::Response> {
                      return Json(200, {{"gitHubLogin", options_.organization},
                                        {"messages", nlohmann::json::array()}});
                    })});
  TagRoutes(&routes);  // first: see the at-version route
  EnvironmentRoutes(&routes);
  TokenRoutes(&routes);
  AuditRoutes(&routes);
  return routes;
}

}  // namespace escnative::rest
