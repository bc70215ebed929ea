// Backend: the ESC operations the resources and escctl need, shaped after the
// ESC REST API (shared/reference/esc.md §3-4) so the local store and Pulumi
// Cloud implement the same contract.
//
//   std::unique_ptr<Backend> b = ...;              // LocalBackend or cloud
//   ASSIGN_OR_RETURN(auto info, b->CreateEnvironment(ref));
//   ASSIGN_OR_RETURN(auto rev, b->UpdateDefinition(ref, yaml, info.etag));
//   ASSIGN_OR_RETURN(auto opened, b->OpenEnvironment(ref, ""));
//
// Definitions handed to UpdateDefinition may hold plaintext `fn::secret`
// values: the backend encrypts them before anything is stored. Reads return
// ciphertext unless decryption is asked for explicitly.
//
// Errors (absl::StatusCode), the same on every backend:
//   NotFound            environment / revision / tag / token does not exist
//   AlreadyExists       creating something that exists
//   Aborted             stale etag: the definition changed since it was read
//   FailedPrecondition  deletion protected (message contains "protected")
//   InvalidArgument     bad names or versions; a definition with error
//                       diagnostics (DiagnosticsFromStatus gives them)
//   Unauthenticated / PermissionDenied   credentials or token scope
//   Unimplemented       the backend does not support the operation or kind
// Implementations are thread-safe.
#ifndef PROVIDER_BACKEND_BACKEND_H_
#define PROVIDER_BACKEND_BACKEND_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "provider/esc/diagnostic.h"
#include "provider/esc/value.h"
#include "provider/api/types.h"
#include "provider/crypto/secret_bytes.h"

namespace escnative::backend {

// The ESC API's data types (api/types.h); every backend fills the same.
using api::AccessToken;
using api::AccessTokenSpec;
using api::AuditEvent;
using api::AuditQuery;
using api::CreatedAccessToken;
using api::Definition;
using api::EnvironmentInfo;
using api::EnvironmentRef;
using api::EnvironmentTag;
using api::Permission;
using api::RevisionInfo;
using api::RevisionTag;
using api::TokenScope;

// What a definition write (update or rollback) made: the new revision.
// (resources::UpdateResult is a resource's Update response, another thing.)
struct NewRevision {
  int64_t revision = 0;
  std::string etag;
  esc::Diagnostics warnings;  // saved despite these
};

// The result of a check (no providers called) or an open.
struct Evaluation {
  esc::ValuePtr root;            // object of the environment's properties
  esc::Diagnostics diagnostics;  // warnings only when the call succeeded
  // CheckEnvironment with show_secrets: the definition it evaluated,
  // decrypted, so a caller showing both needs no second (audited) decryption.
  std::string definition;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // A human-readable name for logs and errors: "local store /path" or
  // "Pulumi Cloud https://api.pulumi.com".
  virtual std::string Describe() const = 0;

  // Resolves `name`, `project/name` or `org/project/name` (with optional
  // `@version`, returned separately) against the backend's defaults.
  virtual absl::StatusOr<std::pair<EnvironmentRef, std::string>> ParseRef(
      absl::string_view text) const = 0;

  // --- environments --------------------------------------------------------
  virtual absl::StatusOr<EnvironmentInfo> CreateEnvironment(const EnvironmentRef& ref) = 0;
  virtual absl::StatusOr<EnvironmentInfo> GetEnvironment(const EnvironmentRef& ref) = 0;
  virtual absl::StatusOr<std::vector<EnvironmentInfo>> ListEnvironments(
      absl::string_view organization, absl::string_view project) = 0;
  virtual absl::Status DeleteEnvironment(const EnvironmentRef& ref) = 0;
  virtual absl::Status SetDeletionProtected(const EnvironmentRef& ref, bool is_protected) = 0;

  // --- definitions ---------------------------------------------------------
  // `version`: "" (latest), a revision number, or a revision tag.
  // `decrypt`: static secrets as plaintext (`fn::secret: value`).
  virtual absl::StatusOr<Definition> GetDefinition(const EnvironmentRef& ref,
                                                   absl::string_view version, bool decrypt) = 0;
  // Validates (error diagnostics refuse the write), encrypts plaintext
  // secrets, stores a new revision. `etag` set: conditional (Aborted if stale).
  virtual absl::StatusOr<NewRevision> UpdateDefinition(const EnvironmentRef& ref,
                                                        absl::string_view yaml,
                                                        std::optional<std::string> etag) = 0;
  // The same for a definition held as data (as GetDefinition's `data`): by
  // default emitted as YAML; a backend that validates a tree can skip the
  // text (positions in diagnostics are then unknown).
  virtual absl::StatusOr<NewRevision> UpdateDefinitionData(const EnvironmentRef& ref,
                                                            const nlohmann::ordered_json& definition,
                                                            std::optional<std::string> etag);
  // Evaluates without calling providers; secrets redacted unless show_secrets.
  virtual absl::StatusOr<Evaluation> CheckEnvironment(const EnvironmentRef& ref,
                                                      absl::string_view version,
                                                      bool show_secrets) = 0;
  // Evaluates `yaml` as if it were `ref`'s definition (imports resolve as for
  // `ref`), without storing it. show_secrets reveals secret values (needs
  // open on `ref`, and on what it imports).
  virtual absl::StatusOr<Evaluation> CheckDefinition(const EnvironmentRef& ref,
                                                     absl::string_view yaml, bool show_secrets) = 0;
  virtual absl::StatusOr<Evaluation> OpenEnvironment(const EnvironmentRef& ref,
                                                     absl::string_view version) = 0;

  // --- revisions and tags --------------------------------------------------
  virtual absl::StatusOr<std::vector<RevisionInfo>> ListRevisions(const EnvironmentRef& ref) = 0;
  virtual absl::StatusOr<NewRevision> Rollback(const EnvironmentRef& ref,
                                                absl::string_view version) = 0;
  virtual absl::StatusOr<RevisionTag> CreateRevisionTag(const EnvironmentRef& ref,
                                                        absl::string_view name,
                                                        std::optional<int64_t> revision) = 0;
  virtual absl::StatusOr<RevisionTag> UpdateRevisionTag(const EnvironmentRef& ref,
                                                        absl::string_view name,
                                                        int64_t revision) = 0;
  virtual absl::StatusOr<RevisionTag> GetRevisionTag(const EnvironmentRef& ref,
                                                     absl::string_view name) = 0;
  virtual absl::StatusOr<std::vector<RevisionTag>> ListRevisionTags(const EnvironmentRef& ref) = 0;
  virtual absl::Status DeleteRevisionTag(const EnvironmentRef& ref, absl::string_view name) = 0;

  virtual absl::StatusOr<std::vector<EnvironmentTag>> ListEnvironmentTags(
      const EnvironmentRef& ref) = 0;
  // Makes the environment's tags exactly `tags` (create, update, delete).
  virtual absl::Status SetEnvironmentTags(const EnvironmentRef& ref,
                                          const std::map<std::string, std::string>& tags) = 0;
  // Creates or changes one tag, leaving the others alone (concurrent writers
  // of different tags never undo each other).
  virtual absl::Status SetEnvironmentTag(const EnvironmentRef& ref, absl::string_view name,
                                         absl::string_view value) = 0;
  // Deletes one tag; NotFound when it does not exist.
  virtual absl::Status DeleteEnvironmentTag(const EnvironmentRef& ref, absl::string_view name) = 0;

  // --- access tokens -------------------------------------------------------
  virtual absl::StatusOr<CreatedAccessToken> CreateAccessToken(const AccessTokenSpec& spec) = 0;
  virtual absl::StatusOr<AccessToken> GetAccessToken(absl::string_view id) = 0;
  virtual absl::StatusOr<std::vector<AccessToken>> ListAccessTokens(bool include_inactive) = 0;
  virtual absl::Status RevokeAccessToken(absl::string_view id) = 0;

  // --- audit ---------------------------------------------------------------
  virtual absl::StatusOr<std::vector<AuditEvent>> ListAuditEvents(const AuditQuery& query) = 0;
};

// Invalid definitions: InvalidArgument carrying the diagnostics as a payload,
// so callers (Check, escctl) can show each with its path and range.
absl::Status InvalidDefinitionError(absl::string_view summary, const esc::Diagnostics& diags);
esc::Diagnostics DiagnosticsFromStatus(const absl::Status& status);

}  // namespace escnative::backend

#endif  // PROVIDER_BACKEND_BACKEND_H_
