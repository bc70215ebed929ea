#include "provider/rest/wire.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "provider/backend/backend.h"
#include "provider/esc/json_encoding.h"
#include "provider/util/echo.h"
#include "provider/util/string_view.h"

namespace escnative::rest {
namespace {

// Error bodies never grow past this (a message may quote user input).
constexpr size_t kMaxMessageBytes = 2048;

nlohmann::json PosJson(const esc::Pos& p) {
  return {{"line", p.line}, {"column", p.column}, {"byte", p.byte}};
}

// A detailed Value (and the values nested in it or in its trace) with every
// secret's value replaced.
void RedactDetailed(nlohmann::json& j) {
  if (j.is_array()) {
    for (auto& e : j) RedactDetailed(e);
    return;
  }
  if (!j.is_object()) return;
  auto secret = j.find("secret");
  if (secret != j.end() && *secret == true && j.contains("value")) j["value"] = "[secret]";
  for (auto& [k, e] : j.items()) RedactDetailed(e);
}

int64_t UnixOrZero(const std::optional<absl::Time>& t) {
  return t.has_value() ? absl::ToUnixSeconds(*t) : 0;
}

}  // namespace

std::string PercentEncode(absl::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string EnvironmentPath(const api::EnvironmentRef& ref) {
  return absl::StrCat(kEscPrefix, "/environments/", PercentEncode(ref.organization), "/",
                      PercentEncode(ref.project), "/", PercentEncode(ref.name));
}

std::string OrganizationPath(absl::string_view organization) {
  return absl::StrCat(kEscPrefix, "/environments/", PercentEncode(organization));
}

std::string TokensPath(absl::string_view organization) {
  return absl::StrCat("/api/orgs/", PercentEncode(organization), "/tokens");
}

std::string AuditLogsPath(absl::string_view organization) {
  return absl::StrCat("/api/orgs/", PercentEncode(organization), "/auditlogs");
}

int HttpStatusFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:             // stale etag
    case absl::StatusCode::kFailedPrecondition:  // deletion protected, retracted
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

nlohmann::json ErrorJson(int code, absl::string_view message) {
  return {{"code", code},
          {"message",
           util::CapMessage(util::ToStd(message), kMaxMessageBytes)}};
}

nlohmann::json ErrorJson(const absl::Status& status) {
  int code = HttpStatusFor(status);
  // Internal errors keep their detail in the server log, not on the wire.
  nlohmann::json j = ErrorJson(code, code == 500 ? "internal error" : status.message());
  esc::Diagnostics diags = backend::DiagnosticsFromStatus(status);
  if (!diags.empty()) j["diagnostics"] = DiagnosticsJson(diags);
  return j;
}

std::string TimeString(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

nlohmann::json DiagnosticsJson(const esc::Diagnostics& diags) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& d : diags) {
    nlohmann::json j = {{"summary", d.summary},
                        {"severity", d.severity == esc::Severity::kError ? "error" : "warning"}};
    if (!d.detail.empty()) j["detail"] = d.detail;
    if (!d.path.empty()) j["path"] = d.path;
    if (!d.range.empty()) {
      j["range"] = {{"environment", d.range.environment},
                    {"begin", PosJson(d.range.begin)},
                    {"end", PosJson(d.range.end)}};
    }
    list.push_back(std::move(j));
  }
  return list;
}

nlohmann::json OrgEnvironmentJson(const api::EnvironmentInfo& info) {
  return {{"organization", info.ref.organization},
          {"project", info.ref.project},
          {"name", info.ref.name},
          {"created", TimeString(info.created)},
          {"modified", TimeString(info.modified)},
          {"deletionProtected", info.deletion_protected}};
}

nlohmann::json RevisionJson(const api::RevisionInfo& rev) {
  nlohmann::json j = {{"number", rev.number},
                      {"created", TimeString(rev.created)},
                      {"creatorLogin", rev.creator},
                      {"creatorName", rev.creator},
                      {"tags", rev.tags}};
  if (rev.retraction.has_value()) {
    j["retracted"] = {{"replacement", rev.retraction->replacement},
                      {"at", TimeString(rev.retraction->at)},
                      {"byLogin", rev.retraction->by},
                      {"reason", rev.retraction->reason}};
  }
  return j;
}

nlohmann::json RevisionTagJson(const api::RevisionTag& tag) {
  return {{"name", tag.name},
          {"revision", tag.revision},
          {"created", TimeString(tag.created)},
          {"modified", TimeString(tag.modified)},
          {"editorLogin", tag.editor},
          {"editorName", tag.editor}};
}

nlohmann::json EnvironmentTagJson(const api::EnvironmentTag& tag) {
  return {{"name", tag.name},
          {"value", tag.value},
          {"created", TimeString(tag.created)},
          {"modified", TimeString(tag.modified)},
          {"editorLogin", tag.editor},
          {"editorName", tag.editor}};
}

nlohmann::json EnvironmentJson(const esc::Value& root, bool reveal_secrets) {
  nlohmann::json j = nlohmann::json::object();
  if (!root.is_object() || root.object.empty()) return j;
  nlohmann::json props = nlohmann::json::object();
  for (const auto& [name, v] : root.object) {
    props[name] = esc::ToDetailedJson(*v);
    if (!reveal_secrets) RedactDetailed(props[name]);
  }
  j["properties"] = std::move(props);
  return j;
}

nlohmann::json AuditEventJson(const api::AuditEvent& e) {
  std::string description = absl::StrCat(e.action, " ", e.target);
  if (!e.path.empty()) absl::StrAppend(&description, " ", e.path);
  nlohmann::json j = {{"timestamp", absl::ToUnixSeconds(e.time)},
                      {"sourceIP", ""},
                      {"event", e.action},
                      {"description", std::move(description)},
                      {"user", {{"name", e.actor}, {"githubLogin", e.actor}, {"avatarUrl", ""}}},
                      {"sequence", e.sequence},
                      {"time", absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", e.time, absl::UTCTimeZone())},
                      {"target", e.target},
                      {"path", e.path},
                      {"paths", e.paths}};
  if (absl::StartsWith(e.actor, "token:")) j["tokenID"] = e.actor.substr(6);
  return j;
}

nlohmann::json AccessTokenJson(const api::AccessToken& token) {
  nlohmann::json scopes = nlohmann::json::array();
  bool admin = false;
  for (const auto& s : token.scopes) {
    scopes.push_back({{"environment", s.environment},
                      {"permission", std::string(api::PermissionName(s.permission))}});
    admin |= s.permission == api::Permission::kAdmin && absl::EndsWith(s.environment, "/*/*");
  }
  nlohmann::json j = {{"id", token.id},
                      {"kind", token.kind},
                      {"name", token.name},
                      {"description", token.description},
                      {"created", TimeString(token.created)},
                      {"createdBy", token.created_by},
                      {"lastUsed", UnixOrZero(token.last_used)},
                      {"expires", UnixOrZero(token.expires_at)},
                      {"admin", admin},
                      {"scopes", std::move(scopes)}};
  if (token.revoked_at.has_value()) j["revoked"] = absl::ToUnixSeconds(*token.revoked_at);
  return j;
}

absl::StatusOr<nlohmann::json> ParseJsonObject(absl::string_view body, absl::string_view what) {
  nlohmann::json j = nlohmann::json::parse(body.begin(), body.end(), nullptr,
                                           /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the request body of ", what, " must be a JSON object"));
  }
  return j;
}

absl::StatusOr<std::string> StringField(const nlohmann::json& obj, const char* field,
                                        absl::string_view what) {
  auto it = obj.find(field);
  if (it == obj.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": field \"", field, "\" must be a non-empty string"));
  }
  return it->get<std::string>();
}

absl::StatusOr<bool> BoolField(const nlohmann::json& obj, const char* field, bool fallback,
                               absl::string_view what) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": field \"", field, "\" must be true or false"));
  }
  return it->get<bool>();
}

std::string UnquoteEtag(absl::string_view header) {
  absl::string_view s = absl::StripAsciiWhitespace(header);
  absl::ConsumePrefix(&s, "W/");
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return std::string(s);
}

absl::StatusOr<int> CountParam(const std::optional<std::string>& text, int fallback, int max,
                               absl::string_view name) {
  if (!text.has_value() || text->empty()) return fallback;
  int n = 0;
  if (!absl::SimpleAtoi(*text, &n) || n <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("query parameter ", name,
                                                   " must be a positive integer, got \"",
                                                   util::Echo(*text, 40), "\""));
  }
  return n > max ? max : n;
}

}  // namespace escnative::rest
