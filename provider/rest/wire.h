// The Pulumi ESC REST API on the wire (shared/reference/esc-rest.md): paths,
// JSON bodies, status codes and error bodies. Shared by the server
// (`escctl serve`) and a REST client, so both speak exactly one dialect.
#ifndef PROVIDER_REST_WIRE_H_
#define PROVIDER_REST_WIRE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "provider/esc/diagnostic.h"
#include "provider/esc/value.h"
#include "provider/api/types.h"

namespace escnative::rest {

inline constexpr absl::string_view kEscPrefix = "/api/esc";
inline constexpr absl::string_view kRevisionHeader = "Pulumi-ESC-Revision";
inline constexpr absl::string_view kYamlContentType = "application/x-yaml";

// "/api/esc/environments/{org}/{project}/{env}" with each part escaped.
std::string EnvironmentPath(const api::EnvironmentRef& ref);
// "/api/esc/environments/{org}".
std::string OrganizationPath(absl::string_view organization);
// "/api/orgs/{org}/tokens": organization tokens, with our `scopes` extension.
std::string TokensPath(absl::string_view organization);
// "/api/orgs/{org}/auditlogs": Pulumi Cloud's audit log, and escctl serve's.
std::string AuditLogsPath(absl::string_view organization);
inline constexpr absl::string_view kDefaultOrganizationPath = "/api/user/organizations/default";
std::string PercentEncode(absl::string_view s);

// --- status and errors ---------------------------------------------------------
// The HTTP status for a Backend error (backend.h's code list).
int HttpStatusFor(const absl::Status& status);
// {"code": N, "message": "..."}; the message is capped (util::CapMessage).
nlohmann::json ErrorJson(int code, absl::string_view message);
// The error body for `status`; InvalidArgument with diagnostics (the
// backend's payload) adds "diagnostics".
nlohmann::json ErrorJson(const absl::Status& status);

// --- shapes ----------------------------------------------------------------------
std::string TimeString(absl::Time t);  // RFC 3339 UTC, e.g. 2026-08-01T10:00:00Z
nlohmann::json DiagnosticsJson(const esc::Diagnostics& diags);
nlohmann::json OrgEnvironmentJson(const api::EnvironmentInfo& info);
nlohmann::json RevisionJson(const api::RevisionInfo& rev);
nlohmann::json RevisionTagJson(const api::RevisionTag& tag);
nlohmann::json EnvironmentTagJson(const api::EnvironmentTag& tag);
// `Environment` {properties?}: each property a detailed `Value`. Empty
// objects are left out, so an empty environment is exactly {}. Secrets in
// plaintext only for an open (`reveal_secrets`); else "[secret]".
nlohmann::json EnvironmentJson(const esc::Value& root, bool reveal_secrets);
// The token list entry: never the value. Times as unix seconds (0 = never).
nlohmann::json AccessTokenJson(const api::AccessToken& token);
// An audit log entry in Pulumi Cloud's shape (timestamp, event, description,
// user.name, tokenID) plus our members: sequence, time (RFC 3339, microseconds),
// target, path, paths. Never a value (the store records none).
nlohmann::json AuditEventJson(const api::AuditEvent& event);

// --- request bodies ----------------------------------------------------------------
// Parses a JSON object body; InvalidArgument naming `what` otherwise.
absl::StatusOr<nlohmann::json> ParseJsonObject(absl::string_view body, absl::string_view what);
// A required string member; InvalidArgument naming the field.
absl::StatusOr<std::string> StringField(const nlohmann::json& obj, const char* field,
                                        absl::string_view what);
// An optional boolean member (`fallback` when absent).
absl::StatusOr<bool> BoolField(const nlohmann::json& obj, const char* field, bool fallback,
                               absl::string_view what);
// An etag as sent in ETag/If-Match: surrounding quotes and W/ dropped.
std::string UnquoteEtag(absl::string_view header);
// A positive count query parameter (default when absent), capped at `max`.
absl::StatusOr<int> CountParam(const std::optional<std::string>& text, int fallback, int max,
                               absl::string_view name);

// --- reading responses (the client side; wire_parse.cc) ---------------------------
// Each is the inverse of the *Json writer above. InvalidArgument naming the
// field when a required member is missing or of the wrong type; unknown
// members are ignored.
absl::StatusOr<absl::Time> ParseTimeString(absl::string_view text);
absl::StatusOr<api::EnvironmentInfo> OrgEnvironmentFromJson(const nlohmann::json& j);
absl::StatusOr<api::RevisionInfo> RevisionFromJson(const nlohmann::json& j);
absl::StatusOr<api::RevisionTag> RevisionTagFromJson(const nlohmann::json& j);
absl::StatusOr<api::EnvironmentTag> EnvironmentTagFromJson(const nlohmann::json& j);
absl::StatusOr<api::AccessToken> AccessTokenFromJson(const nlohmann::json& j);
// Our members when present, else Pulumi Cloud's (sequence 0: the server has none).
absl::StatusOr<api::AuditEvent> AuditEventFromJson(const nlohmann::json& j);
// A `diagnostics` list; entries that are not objects are skipped.
esc::Diagnostics DiagnosticsFromJson(const nlohmann::json& list);
// `Environment` {properties?} back into an object value (secret and unknown
// flags and definition ranges kept).
absl::StatusOr<esc::ValuePtr> EnvironmentFromJson(const nlohmann::json& j);
// The create-token request body for `spec` (organization tokens with the
// `scopes` extension; expires as unix seconds).
nlohmann::json AccessTokenSpecJson(const api::AccessTokenSpec& spec);

}  // namespace escnative::rest

#endif  // PROVIDER_REST_WIRE_H_
