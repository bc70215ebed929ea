// Access tokens under /api/orgs/{org}/tokens (esc-rest.md §8), with our
// `scopes` extension: [{environment: "org/project/name" (parts may be *),
// permission: read|open|write|admin}]. The value is returned once, by create.
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "provider/api/names.h"
#include "provider/backend/ref.h"
#include "provider/rest/api.h"
#include "provider/rest/wire.h"
#include "provider/util/echo.h"
#include "provider/util/status_macros.h"

namespace escnative::rest {
namespace {

constexpr char kTokens[] = "/api/orgs/([^/]+)/tokens";

bool InOrganization(const api::TokenScope& scope, const std::string& org) {
  return absl::StartsWith(scope.environment, absl::StrCat(org, "/"));
}

absl::StatusOr<api::AccessTokenSpec> SpecFrom(const nlohmann::json& body,
                                                const std::string& org) {
  constexpr absl::string_view kWhat = "create token";
  api::AccessTokenSpec spec;
  spec.kind = "environment";
  if (body.contains("name")) {
    ASSIGN_OR_RETURN(spec.name, StringField(body, "name", kWhat));
  }
  if (body.contains("description")) {
    if (!body["description"].is_string()) {
      return absl::InvalidArgumentError("create token: field \"description\" must be a string");
    }
    spec.description = body["description"].get<std::string>();
  }
  if (body.contains("expires")) {
    if (!body["expires"].is_number_integer() || body["expires"].get<int64_t>() < 0) {
      return absl::InvalidArgumentError(
          "create token: field \"expires\" must be a unix time in seconds (0 = never)");
    }
    int64_t at = body["expires"].get<int64_t>();
    if (at > 0) {
      if (absl::FromUnixSeconds(at) <= absl::Now()) {
        return absl::InvalidArgumentError("create token: field \"expires\" is in the past");
      }
      spec.expires_at = absl::FromUnixSeconds(at);
    }
  }
  ASSIGN_OR_RETURN(bool admin, BoolField(body, "admin", false, kWhat));
  if (body.contains("scopes")) {
    if (!body["scopes"].is_array() || body["scopes"].empty()) {
      return absl::InvalidArgumentError(
          "create token: field \"scopes\" must be a non-empty array of {environment, permission}");
    }
    for (size_t i = 0; i < body["scopes"].size(); ++i) {
      const nlohmann::json& s = body["scopes"][i];
      std::string where = absl::StrCat("create token: scopes[", i, "]");
      if (!s.is_object())
        return absl::InvalidArgumentError(absl::StrCat(where, " must be an object"));
      api::TokenScope scope;
      ASSIGN_OR_RETURN(scope.environment, StringField(s, "environment", where));
      ASSIGN_OR_RETURN(std::string perm, StringField(s, "permission", where));
      absl::StatusOr<api::Permission> p = api::ParsePermission(perm);
      if (!p.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": permission \"",
                                                       util::Echo(perm, 40),
                                                       "\" is not read, open, write or admin"));
      }
      scope.permission = *p;
      if (!InOrganization(scope, org)) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": environment \"", util::Echo(scope.environment), "\" is not in organization ",
            org, " (expected ", org, "/PROJECT/NAME, parts may be *)"));
      }
      spec.scopes.push_back(std::move(scope));
    }
  } else if (admin) {
    spec.scopes.push_back({absl::StrCat(org, "/*/*"), api::Permission::kAdmin});
  } else {
    return absl::InvalidArgumentError(
        "create token: give \"scopes\" [{environment, permission}] or \"admin\": true");
  }
  return spec;
}

}  // namespace

void Api::TokenRoutes(std::vector<http::Route>* routes) {
  routes->push_back(
      {"POST", kTokens, Authed([](Call& c) -> absl::StatusOr<http::Response> {
         const std::string& org = c.req.captures[0];
         RETURN_IF_ERROR(api::ValidateOrganizationName(org, "the request path"));
         ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(c.req.body, "create token"));
         ASSIGN_OR_RETURN(api::AccessTokenSpec spec, SpecFrom(body, org));
         // The backend refuses scopes the caller is not admin of.
         ASSIGN_OR_RETURN(backend::CreatedAccessToken created, c.caller.backend->CreateAccessToken(spec));
         return Json(
             200, {{"id", created.token.id}, {"tokenValue", std::string(created.value.Reveal())}});
       })});
  routes->push_back({"GET", kTokens, Authed([](Call& c) -> absl::StatusOr<http::Response> {
                       const std::string& org = c.req.captures[0];
                       RETURN_IF_ERROR(api::ValidateOrganizationName(org, "the request path"));
                       bool all = c.req.Query("show_expired").value_or("") == "true";
                       ASSIGN_OR_RETURN(std::vector<api::AccessToken> tokens,
                                        c.caller.backend->ListAccessTokens(all));
                       nlohmann::json list = nlohmann::json::array();
                       for (const auto& t : tokens) {
                         bool in_org = false;
                         for (const auto& s : t.scopes) in_org |= InOrganization(s, org);
                         if (in_org) list.push_back(AccessTokenJson(t));
                       }
                       return Json(200, {{"tokens", std::move(list)}});
                     })});
  routes->push_back(
      {"DELETE", absl::StrCat(kTokens, "/([^/]+)"),
       Authed([](Call& c) -> absl::StatusOr<http::Response> {
         RETURN_IF_ERROR(api::ValidateOrganizationName(c.req.captures[0], "the request path"));
         RETURN_IF_ERROR(c.caller.backend->RevokeAccessToken(c.req.captures[1]));
         return NoContent();
       })});
}

}  // namespace escnative::rest
