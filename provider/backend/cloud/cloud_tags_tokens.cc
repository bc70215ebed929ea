// CloudBackend: revisions, revision tags, environment tags, access tokens.
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "provider/api/names.h"
#include "provider/backend/cloud/cloud_backend.h"
#include "provider/backend/cloud/cloud_util.h"
#include "provider/backend/ref.h"
#include "provider/rest/wire.h"
#include "provider/util/echo.h"
#include "provider/util/status_macros.h"

namespace escnative::backend {

using cloud::JsonBody;
using cloud::Query;
using cloud::Unexpected;

namespace {

constexpr int kPage = 500;
constexpr int kMaxPages = 10000;

std::string TagPath(const EnvironmentRef& ref, absl::string_view name) {
  return absl::StrCat(rest::EnvironmentPath(ref), "/versions/tags/", rest::PercentEncode(name));
}

std::string EnvTagPath(const EnvironmentRef& ref, absl::string_view name) {
  return absl::StrCat(rest::EnvironmentPath(ref), "/tags/", rest::PercentEncode(name));
}

std::string NextToken(const nlohmann::json& body) {
  auto it = body.find("nextToken");
  if (it == body.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return absl::StrCat(it->get<int64_t>());
  return "";
}

}  // namespace

// --- revisions -------------------------------------------------------------------

absl::StatusOr<std::vector<RevisionInfo>> CloudBackend::ListRevisions(const EnvironmentRef& ref) {
  std::vector<RevisionInfo> out;
  int64_t before = 0;
  for (int page = 0; page < kMaxPages; ++page) {
    Call c{absl::StrCat("listing the revisions of ", ref.ToString())};
    c.path =
        rest::EnvironmentPath(ref) + "/versions" +
        Query({{"count", absl::StrCat(kPage)}, {"before", before > 0 ? absl::StrCat(before) : ""}});
    c.repeatable = true;
    ASSIGN_OR_RETURN(http::ClientResponse res, Send(c));
    ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(res, c.what));
    if (!body.is_array()) return Unexpected(c.what, "an array of revisions");
    for (const auto& e : body) {
      absl::StatusOr<RevisionInfo> rev = rest::RevisionFromJson(e);
      if (!rev.ok()) return Unexpected(c.what, rev.status().message());
      out.push_back(*std::move(rev));
    }
    // Newest first; a short page, or revision 1, is the end.
    if (body.size() < static_cast<size_t>(kPage) || out.empty() || out.back().number <= 1) {
      return out;
    }
    before = out.back().number;
  }
  return out;
}

absl::StatusOr<NewRevision> CloudBackend::Rollback(const EnvironmentRef& ref,
                                                    absl::string_view version) {
  // The old revision's definition as stored (ciphertext, which stays valid in
  // the same environment), written as a new revision if nothing changed since.
  ASSIGN_OR_RETURN(Definition latest, GetDefinition(ref, "", false));
  ASSIGN_OR_RETURN(Definition old, GetDefinition(ref, version, false));
  return UpdateDefinition(ref, old.yaml, latest.etag);
}

absl::StatusOr<RevisionTag> CloudBackend::CreateRevisionTag(const EnvironmentRef& ref,
                                                            absl::string_view name,
                                                            std::optional<int64_t> revision) {
  Call c{absl::StrCat("creating revision tag \"", util::Echo(std::string(name)), "\" on ",
                      ref.ToString()),
         "POST", rest::EnvironmentPath(ref) + "/versions/tags"};
  nlohmann::json body = {{"name", std::string(name)}};
  if (revision.has_value()) body["revision"] = *revision;
  c.body = body.dump();
  c.content_type = "application/json";
  c.conflict = absl::StatusCode::kAlreadyExists;
  RETURN_IF_ERROR(Send(c).status());
  return GetRevisionTag(ref, name);
}

absl::StatusOr<RevisionTag> CloudBackend::UpdateRevisionTag(const EnvironmentRef& ref,
                                                            absl::string_view name,
                                                            int64_t revision) {
  Call c{absl::StrCat("moving revision tag \"", util::Echo(std::string(name)), "\" on ",
                      ref.ToString()),
         "PATCH", TagPath(ref, name)};
  c.body = nlohmann::json{{"revision", revision}}.dump();
  c.content_type = "application/json";
  RETURN_IF_ERROR(Send(c).status());
  return GetRevisionTag(ref, name);
}

absl::StatusOr<RevisionTag> CloudBackend::GetRevisionTag(const EnvironmentRef& ref,
                                                         absl::string_view name) {
  Call c{absl::StrCat("reading revision tag \"", util::Echo(std::string(name)), "\" of ",
                      ref.ToString()),
         "GET", TagPath(ref, name)};
  c.repeatable = true;
  ASSIGN_OR_RETURN(http::ClientResponse res, Send(c));
  ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(res, c.what));
  absl::StatusOr<RevisionTag> tag = rest::RevisionTagFromJson(body);
  if (!tag.ok()) return Unexpected(c.what, tag.status().message());
  return tag;
}

absl::StatusOr<std::vector<RevisionTag>> CloudBackend::ListRevisionTags(const EnvironmentRef& ref) {
  std::vector<RevisionTag> out;
  std::string after;
  for (int page = 0; page < kMaxPages; ++page) {
    Call c{absl::StrCat("listing the revision tags of ", ref.ToString())};
    c.path = rest::EnvironmentPath(ref) + "/versions/tags" +
             Query({{"count", absl::StrCat(kPage)}, {"after", after}});
    c.repeatable = true;
    ASSIGN_OR_RETURN(http::ClientResponse res, Send(c));
    ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(res, c.what));
    if (!body.is_object() || !body.contains("tags") || !body["tags"].is_array()) {
      return Unexpected(c.what, "an object with a \"tags\" array");
    }
    for (const auto& e : body["tags"]) {
      absl::StatusOr<RevisionTag> tag = rest::RevisionTagFromJson(e);
      if (!tag.ok()) return Unexpected(c.what, tag.status().message());
      out.push_back(*std::move(tag));
    }
    after = NextToken(body);
    if (after.empty() || body["tags"].empty()) return out;
  }
  return out;
}

absl::Status CloudBackend::DeleteRevisionTag(const EnvironmentRef& ref, absl::string_view name) {
  Call c{absl::StrCat("deleting revision tag \"", util::Echo(std::string(name)), "\" of ",
                      ref.ToString()),
         "DELETE", TagPath(ref, name)};
  c.repeatable = true;
  return Send(c).status();
}

// --- environment tags ---------------------------------------------------------------

absl::StatusOr<std::vector<EnvironmentTag>> CloudBackend::ListEnvironmentTags(
    const EnvironmentRef& ref) {
  std::vector<EnvironmentTag> out;
  std::string after;
  for (int page = 0; page < kMaxPages; ++page) {
    Call c{absl::StrCat("listing the tags of ", ref.ToString())};
    c.path = rest::EnvironmentPath(ref) + "/tags" +
             Query({{"count", absl::StrCat(kPage)}, {"after", after}});
    c.repeatable = true;
    ASSIGN_OR_RETURN(http::ClientResponse res, Send(c));
    ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(res, c.what));
    if (!body.is_object() || !body.contains("tags") || !body["tags"].is_object()) {
      return Unexpected(c.what, "an object with a \"tags\" map");
    }
    for (const auto& [name, e] : body["tags"].items()) {
      absl::StatusOr<EnvironmentTag> tag = rest::EnvironmentTagFromJson(e);
      if (!tag.ok()) return Unexpected(c.what, tag.status().message());
      out.push_back(*std::move(tag));
    }
    after = NextToken(body);
    if (after.empty() || body["tags"].empty()) return out;
  }
  return out;
}

absl::Status CloudBackend::SetEnvironmentTags(const EnvironmentRef& ref,
                                              const std::map<std::string, std::string>& tags) {
  ASSIGN_OR_RETURN(std::vector<EnvironmentTag> current, ListEnvironmentTags(ref));
  std::map<std::string, std::string> have;
  for (const auto& t : current) have[t.name] = t.value;
  for (const auto& [name, value] : tags) {
    auto it = have.find(name);
    if (it != have.end() && it->second == value) continue;
    RETURN_IF_ERROR(SetEnvironmentTag(ref, name, value));
  }
  for (const auto& [name, value] : have) {
    if (tags.count(name) > 0) continue;
    absl::Status deleted = DeleteEnvironmentTag(ref, name);
    if (!deleted.ok() && !absl::IsNotFound(deleted)) return deleted;
  }
  return absl::OkStatus();
}

absl::Status CloudBackend::SetEnvironmentTag(const EnvironmentRef& ref, absl::string_view name,
                                             absl::string_view value) {
  std::string what = absl::StrCat("setting environment tag \"", util::Echo(std::string(name)),
                                  "\" on ", ref.ToString());
  Call create{what, "POST", rest::EnvironmentPath(ref) + "/tags"};
  create.body = nlohmann::json{{"name", std::string(name)}, {"value", std::string(value)}}.dump();
  create.content_type = "application/json";
  create.conflict = absl::StatusCode::kAlreadyExists;
  absl::Status created = Send(create).status();
  if (!absl::IsAlreadyExists(created)) return created;
  Call update{what, "PATCH", EnvTagPath(ref, name)};
  update.body =
      nlohmann::json{{"newTag", {{"name", std::string(name)}, {"value", std::string(value)}}}}
          .dump();
  update.content_type = "application/json";
  return Send(update).status();
}

absl::Status CloudBackend::DeleteEnvironmentTag(const EnvironmentRef& ref, absl::string_view name) {
  Call c{absl::StrCat("deleting environment tag \"", util::Echo(std::string(name)), "\" of ",
                      ref.ToString()),
         "DELETE", EnvTagPath(ref, name)};
  c.repeatable = true;
  return Send(c).status();
}

// --- access tokens ------------------------------------------------------------------

namespace {

constexpr char kUserTokens[] = "/api/user/tokens";

std::string TeamTokensPath(absl::string_view org, absl::string_view team) {
  return absl::StrCat("/api/orgs/", rest::PercentEncode(org), "/teams/", rest::PercentEncode(team),
                      "/tokens");
}

int64_t ExpiresField(const AccessTokenSpec& spec) {
  return spec.expires_at.has_value() ? absl::ToUnixSeconds(*spec.expires_at) : 0;
}

}  // namespace

// The request that makes a token of `spec.kind`: personal tokens under
// /api/user/tokens, organization and environment (scoped, our extension)
// tokens under /api/orgs/{org}/tokens.
absl::StatusOr<CreatedAccessToken> CloudBackend::CreateAccessToken(const AccessTokenSpec& spec) {
  Call c("creating an access token");
  c.method = "POST";
  c.content_type = "application/json";
  c.conflict = absl::StatusCode::kAlreadyExists;
  if (spec.kind == "personal") {
    c.what = "creating a personal access token";
    c.path = kUserTokens;
    c.body =
        nlohmann::json{{"description", spec.description}, {"expires", ExpiresField(spec)}}.dump();
  } else if (spec.kind == "organization") {
    ASSIGN_OR_RETURN(std::string org, DefaultOrganization());
    c.what = absl::StrCat("creating an organization access token in ", org);
    c.path = rest::TokensPath(org);
    c.body = nlohmann::json{{"name", spec.name},
                            {"description", spec.description},
                            {"admin", false},
                            {"expires", ExpiresField(spec)}}
                 .dump();
  } else if (spec.kind == "team") {
    if (spec.team.empty()) return absl::InvalidArgumentError("a team token needs `team`");
    ASSIGN_OR_RETURN(std::string org, DefaultOrganization());
    c.what = absl::StrCat("creating an access token of team ", util::Echo(spec.team, 80), " in ",
                          org);
    c.path = TeamTokensPath(org, spec.team);
    c.body = nlohmann::json{{"name", spec.name},
                            {"description", spec.description},
                            {"expires", ExpiresField(spec)}}
                 .dump();
  } else if (spec.kind == "environment") {
    if (spec.scopes.empty()) {
      return absl::InvalidArgumentError("an environment token needs at least one scope");
    }
    std::string org = spec.scopes.front().environment;
    org = org.substr(0, org.find('/'));
    for (const auto& s : spec.scopes) {
      if (!absl::StartsWith(s.environment, absl::StrCat(org, "/"))) {
        return absl::InvalidArgumentError(
            "on the cloud backend, every scope of a token must be in the same organization");
      }
    }
    RETURN_IF_ERROR(api::ValidateOrganizationName(org, "the token's scopes"));
    c.what = absl::StrCat("creating an environment access token in ", org);
    c.path = rest::TokensPath(org);
    c.body = rest::AccessTokenSpecJson(spec).dump();
  } else {
    return absl::UnimplementedError(
        absl::StrCat("creating access tokens of kind \"", util::Echo(spec.kind, 40),
                     "\" on the cloud backend is not supported; personal, team, organization "
                     "and environment tokens are"));
  }
  ASSIGN_OR_RETURN(http::ClientResponse res, Send(c));
  ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(res, c.what));
  if (!body.is_object() || !body.contains("id") || !body["id"].is_string() ||
      !body.contains("tokenValue") || !body["tokenValue"].is_string()) {
    return Unexpected(c.what, "an object with \"id\" and \"tokenValue\"");
  }
  std::string id = body["id"].get<std::string>();
  CreatedAccessToken out;
  out.value = crypto::SecretBytes::CopyFrom(body["tokenValue"].get_ref<const std::string&>());
  absl::StatusOr<AccessToken> stored =
      spec.kind == "team" ? FindTeamToken(id, spec.team) : GetAccessToken(id);
  if (spec.kind == "environment" && (!stored.ok() || stored->scopes.empty())) {
    // A server without the `scopes` extension made an unscoped token: take
    // it back rather than hand out more access than was asked for.
    RevokeAccessToken(id).IgnoreError();
    if (!stored.ok()) return stored.status();
    return absl::UnimplementedError(
        absl::StrCat(c.what,
                     ": the server does not support scoped (environment) tokens (our `scopes` "
                     "extension of the token API); the token it made was deleted again"));
  }
  if (!stored.ok()) return stored.status();
  out.token = *std::move(stored);
  return out;
}

absl::StatusOr<AccessToken> CloudBackend::GetAccessToken(absl::string_view id) {
  ASSIGN_OR_RETURN(std::vector<AccessToken> all, ListAccessTokens(true, /*teams=*/false));
  for (auto& t : all) {
    if (t.id == id) return std::move(t);
  }
  return FindTeamToken(id, "");
}

absl::StatusOr<std::vector<AccessToken>> CloudBackend::ListAccessTokens(bool include_inactive) {
  return ListAccessTokens(include_inactive, /*teams=*/true);
}

// The teams of the default organization (a server without teams, such as
// escctl serve, answers 404: none).
absl::StatusOr<std::vector<std::string>> CloudBackend::TeamNames() const {
  ASSIGN_OR_RETURN(std::string org, DefaultOrganization());
  Call c{absl::StrCat("listing the teams of ", org), "GET",
         absl::StrCat("/api/orgs/", rest::PercentEncode(org), "/teams")};
  c.repeatable = true;
  absl::StatusOr<http::ClientResponse> res = Send(c);
  if (absl::IsNotFound(res.status())) return std::vector<std::string>{};
  if (!res.ok()) return res.status();
  ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(*res, c.what));
  if (!body.is_object() || !body.contains("teams") || !body["teams"].is_array()) {
    return Unexpected(c.what, "an object with a \"teams\" array");
  }
  std::vector<std::string> names;
  for (const auto& t : body["teams"]) {
    if (!t.is_object() || !t.contains("name") || !t["name"].is_string()) {
      return Unexpected(c.what, "teams with a \"name\"");
    }
    names.push_back(t["name"].get<std::string>());
  }
  return names;
}

// Looks for `id` among the tokens of `team`, or of every team when empty.
absl::StatusOr<AccessToken> CloudBackend::FindTeamToken(absl::string_view id,
                                                        const std::string& team) const {
  std::vector<std::string> teams = {team};
  if (team.empty()) {
    ASSIGN_OR_RETURN(teams, TeamNames());
  }
  ASSIGN_OR_RETURN(std::string org, DefaultOrganization());
  for (const std::string& t : teams) {
    ASSIGN_OR_RETURN(std::vector<AccessToken> tokens,
                     ListTokensAt(TeamTokensPath(org, t),
                                  absl::StrCat("listing the access tokens of team ",
                                               util::Echo(t, 80)),
                                  "team", t));
    for (auto& token : tokens) {
      if (token.id == id) return std::move(token);
    }
  }
  return absl::NotFoundError(
      absl::StrCat("access token ", util::Echo(std::string(id), 80), " not found"));
}

absl::StatusOr<std::vector<AccessToken>> CloudBackend::ListTokensAt(const std::string& path,
                                                                    const std::string& what,
                                                                    const std::string& kind,
                                                                    const std::string& team) const {
  Call c{what, "GET", path};
  c.repeatable = true;
  ASSIGN_OR_RETURN(http::ClientResponse res, Send(c));
  ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(res, c.what));
  if (!body.is_object() || !body.contains("tokens") || !body["tokens"].is_array()) {
    return Unexpected(c.what, "an object with a \"tokens\" array");
  }
  std::vector<AccessToken> out;
  for (const auto& e : body["tokens"]) {
    absl::StatusOr<AccessToken> t = rest::AccessTokenFromJson(e);
    if (!t.ok()) return Unexpected(c.what, t.status().message());
    if (!kind.empty()) t->kind = kind;
    t->team = team;
    out.push_back(*std::move(t));
  }
  return out;
}

// The organization's tokens, then the caller's personal ones (a server
// without personal tokens, such as escctl serve, answers 404: none), then
// each team's.
absl::StatusOr<std::vector<AccessToken>> CloudBackend::ListAccessTokens(bool include_inactive,
                                                                        bool teams) const {
  ASSIGN_OR_RETURN(std::string org, DefaultOrganization());
  const std::string query = include_inactive ? "?show_expired=true" : "";
  ASSIGN_OR_RETURN(std::vector<AccessToken> out,
                   ListTokensAt(rest::TokensPath(org) + query,
                                absl::StrCat("listing the access tokens of ", org), "", ""));
  absl::StatusOr<std::vector<AccessToken>> personal =
      ListTokensAt(absl::StrCat(kUserTokens, query), "listing the personal access tokens",
                   "personal", "");
  if (!personal.ok() && !absl::IsNotFound(personal.status())) return personal.status();
  if (personal.ok()) {
    for (auto& t : *personal) out.push_back(std::move(t));
  }
  if (!teams) return out;
  ASSIGN_OR_RETURN(std::vector<std::string> names, TeamNames());
  for (const std::string& t : names) {
    ASSIGN_OR_RETURN(std::vector<AccessToken> tokens,
                     ListTokensAt(TeamTokensPath(org, t),
                                  absl::StrCat("listing the access tokens of team ",
                                               util::Echo(t, 80)),
                                  "team", t));
    for (auto& token : tokens) out.push_back(std::move(token));
  }
  return out;
}

absl::Status CloudBackend::RevokeAccessToken(absl::string_view id) {
  ASSIGN_OR_RETURN(std::string org, DefaultOrganization());
  std::string what = absl::StrCat("revoking access token ", util::Echo(std::string(id), 80));
  Call c{what, "DELETE", absl::StrCat(rest::TokensPath(org), "/", rest::PercentEncode(id))};
  c.repeatable = true;
  absl::Status revoked = Send(c).status();
  if (!absl::IsNotFound(revoked)) return revoked;
  // Not an organization token: perhaps a personal one.
  Call personal{what, "DELETE", absl::StrCat(kUserTokens, "/", rest::PercentEncode(id))};
  personal.repeatable = true;
  absl::Status p = Send(personal).status();
  if (!absl::IsNotFound(p)) return p;
  // Perhaps a team's: its path names the team.
  absl::StatusOr<AccessToken> team_token = FindTeamToken(id, "");
  if (absl::IsNotFound(team_token.status())) return revoked;
  if (!team_token.ok()) return team_token.status();
  Call team{what, "DELETE",
            absl::StrCat(TeamTokensPath(org, team_token->team), "/", rest::PercentEncode(id))};
  team.repeatable = true;
  return Send(team).status();
}

}  // namespace escnative::backend
