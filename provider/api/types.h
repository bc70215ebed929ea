// The ESC API's data types (shared/reference/esc.md §3-4): what every layer
// exchanges about environments, revisions, tags, tokens and the audit log.
//
// A leaf: the store fills these, the Backend interface (local and cloud)
// returns them, the REST wire shapes map them, and resources, escctl and the
// server see them without seeing the store.
#ifndef PROVIDER_API_TYPES_H_
#define PROVIDER_API_TYPES_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json_fwd.hpp"
#include "provider/crypto/secret_bytes.h"

namespace escnative::api {

struct EnvironmentRef {
  std::string organization;
  std::string project;
  std::string name;

  std::string ToString() const;  // "org/project/name"
  friend bool operator==(const EnvironmentRef& a, const EnvironmentRef& b) {
    return a.organization == b.organization && a.project == b.project && a.name == b.name;
  }
};

struct EnvironmentInfo {
  EnvironmentRef ref;
  absl::Time created;
  absl::Time modified;
  bool deletion_protected = false;
  int64_t latest_revision = 0;
  std::string etag;  // etag of the latest revision
};

struct Retraction {
  int64_t replacement = 0;
  absl::Time at;
  std::string by;
  std::string reason;
};

struct RevisionInfo {
  int64_t number = 0;
  std::string etag;
  std::string creator;
  absl::Time created;
  std::optional<Retraction> retraction;
  std::vector<std::string> tags;  // revision tags on it, "latest" included
};

// A definition at one revision. Its `fn::secret`s are ciphertext, unless it
// was read with decryption asked for explicitly (Backend::GetDefinition).
struct Definition {
  std::string yaml;
  int64_t revision = 0;
  std::string etag;
  // `yaml` as JSON data (esc::DefinitionToJson), when the backend has it at
  // hand without parsing (LocalBackend: the revisions it wrote itself); null
  // otherwise. Never set when the definition was decrypted.
  std::shared_ptr<const nlohmann::ordered_json> data;
};

struct RevisionTag {
  std::string name;
  int64_t revision = 0;
  absl::Time created;
  absl::Time modified;
  std::string editor;
};

struct EnvironmentTag {
  std::string name;
  std::string value;
  absl::Time created;
  absl::Time modified;
  std::string editor;
};

// Ordered: each permission implies the ones before it.
enum class Permission { kRead = 1, kOpen = 2, kWrite = 3, kAdmin = 4 };
absl::string_view PermissionName(Permission p);  // "read", "open", ...
absl::StatusOr<Permission> ParsePermission(absl::string_view name);

struct TokenScope {
  // "org/project/name"; any segment may be "*" (e.g. "myorg/default/*").
  std::string environment;
  Permission permission = Permission::kRead;
};

struct AccessTokenSpec {
  std::string kind = "environment";  // personal|team|organization|environment
  std::string team;                  // kind team: the team's name (Pulumi Cloud)
  std::string name;
  std::string description;
  std::vector<TokenScope> scopes;
  std::optional<absl::Time> expires_at;  // nullopt = never
};

// A token's metadata, never its value (which is shown once, at creation).
struct AccessToken {
  std::string id;
  std::string kind;
  std::string team;  // kind team
  std::string name;
  std::string description;
  std::vector<TokenScope> scopes;
  std::string created_by;
  absl::Time created;
  std::optional<absl::Time> expires_at;
  std::optional<absl::Time> last_used;
  std::optional<absl::Time> revoked_at;
};

// True if some scope of `token` matches `env` with at least `needed`.
bool TokenAllows(const AccessToken& token, const EnvironmentRef& env, Permission needed);

struct CreatedAccessToken {
  AccessToken token;
  crypto::SecretBytes value;  // "esc_..."; shown once, never stored
};

// Audit events record who did what to which object, never a value.
struct AuditEvent {
  int64_t sequence = 0;  // strictly increasing
  absl::Time time;
  std::string actor;
  std::string action;  // e.g. "environment.update", "token.revoke"
  std::string target;  // "org/project/name" or "token:<id>" or "store"
  std::string path;    // sub-object: a tag name, "revision:3", a property path
  // For definition writes: the definition paths the write changed
  // (`values.secrets.x`, `imports[0]`), never values; capped (kMaxAuditPaths).
  std::vector<std::string> paths;
};

// How many changed paths one audit event records; beyond it the last entry
// says how many more there were ("… and N more").
inline constexpr size_t kMaxAuditPaths = 200;

struct AuditQuery {
  // Reading the log needs admin of this organization (empty: the backend's
  // own). The store keeps one log for all organizations.
  std::string organization;
  std::string actor;          // empty = any
  std::string action;         // empty = any
  std::string target_prefix;  // empty = any
  std::optional<absl::Time> since;   // at or after
  std::optional<absl::Time> before;  // strictly before
  int64_t after_sequence = 0;        // for paging oldest first
  int64_t before_sequence = 0;       // for paging newest first; 0 = no bound
  bool newest_first = false;
  int limit = 100;  // at most this many, in sequence order (reversed if newest_first)
};

}  // namespace escnative::api

#endif  // PROVIDER_API_TYPES_H_
