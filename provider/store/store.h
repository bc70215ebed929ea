// The local store: environments, immutable revisions, tags, access tokens and
// an append-only audit log in ONE SQLite file, secrets only as ciphertext.
//
// Contract in brief (details in docs/store-format.md):
//  * The store never sees a plaintext secret. Definitions arrive with every
//    `fn::secret` already in the form
//      fn::secret: {ciphertext: EncodeSecretEnvelope(SecretsAead().Encrypt(v, ad))}
//    (esc/secret_envelope.h); anything else under `fn::secret` is refused.
//    Access tokens are kept only as keyed, salted hashes; the value is
//    returned once, by CreateAccessToken.
//  * Every mutating call is durable when it returns OK (WAL,
//    synchronous=FULL, BEGIN IMMEDIATE, retried on SQLITE_BUSY) and appends
//    its audit event in the same transaction. Concurrent writes from threads
//    of one process are group-committed (one fsync per batch, each write in
//    its own savepoint). Any number of processes may share the file; etags
//    give optimistic concurrency.
//  * Thread-safe. Open it once per process and share the pointer.
//
// Error codes (absl::StatusCode):
//   NotFound            environment / revision / tag / token does not exist
//   AlreadyExists       environment, revision tag or environment tag exists
//   Aborted             etag mismatch (stale read): re-read and retry; nothing
//                       was written. Maps to HTTP 409.
//   FailedPrecondition  deletion protected (message contains "protected"),
//                       retracted revision, retracting `latest`, schema newer
//                       than this build, file is not an ESC store
//   InvalidArgument     malformed names, versions, scopes, plaintext secrets
//   Unauthenticated     wrong passphrase/key at Open or Rekey; access token
//                       invalid, expired or revoked
//   DataLoss            corrupt, truncated or non-SQLite file; tampered keyring
//   Unavailable         still busy after retries (another writer held the lock
//                       for longer than StoreOptions::busy_timeout)
#ifndef PROVIDER_STORE_STORE_H_
#define PROVIDER_STORE_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "provider/api/types.h"
#include "provider/crypto/aead.h"
#include "provider/crypto/keyring.h"
#include "provider/crypto/secret_bytes.h"
#include "provider/store/clock.h"

namespace escnative::store {

// The schema version this build writes (PRAGMA user_version).
inline constexpr int kLatestSchemaVersion = 3;

// The ESC API's data types (api/types.h) are the store's.
using api::AccessToken;
using api::AccessTokenSpec;
using api::AuditEvent;
using api::AuditQuery;
using api::CreatedAccessToken;
using api::Definition;
using api::EnvironmentInfo;
using api::EnvironmentRef;
using api::EnvironmentTag;
using api::kMaxAuditPaths;
using api::ParsePermission;
using api::Permission;
using api::PermissionName;
using api::Retraction;
using api::RevisionInfo;
using api::RevisionTag;
using api::TokenAllows;
using api::TokenScope;

struct UpdateOptions {
  std::string actor;
  // The etag the caller last read. Set: the write happens only if it is still
  // the latest (else Aborted). Unset: unconditional (last writer wins).
  std::optional<std::string> etag;
  // Optional non-secret detail for the audit event (e.g. "values.secrets.x").
  std::string audit_path;
  // The definition paths this write changes, recorded in the audit event.
  std::vector<std::string> changed_paths;
};

struct StoreOptions {
  // Required: what unlocks the keyring (crypto::Credential::Passphrase or
  // ::RawKey). A new store gets a fresh keyring wrapped under it.
  std::optional<crypto::Credential> credential;
  // Argon2id cost for a new keyring (and for Rekey).
  crypto::KdfParams kdf_params = crypto::KdfParams::Default();
  bool create_if_missing = true;
  const Clock* clock = nullptr;  // default: Clock::Real(); must outlive store
  // How long one SQLite call waits for another writer before retrying.
  absl::Duration busy_timeout = absl::Seconds(5);
  // Whole-transaction retries after busy_timeout expires.
  int busy_retries = 8;
  // Tests only: stop migrations at this version (0 = latest).
  int max_schema_version_for_test = 0;
  // When set, a wrong credential for an existing store appends one
  // "store.unlock.denied" event by `actor` to the audit log (and writes
  // nothing else); otherwise a wrong credential writes nothing at all.
  bool audit_failed_unlock = false;
  std::string actor = "unknown";
};

class Store {
 public:
  // Opens or creates the store at `path` (created with mode 0600; an empty
  // file being initialised is set to 0600 too). A wrong credential, a corrupt,
  // truncated or foreign file, or a newer schema fails before anything is
  // written to the file (but see StoreOptions::audit_failed_unlock).
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& path, StoreOptions options);

  virtual ~Store() = default;

  // --- store ---------------------------------------------------------------
  virtual int SchemaVersion() const = 0;
  // The AEAD the backend must use for `fn::secret` ciphertext (a subkey of
  // the store's data key; survives Rekey).
  virtual const crypto::Aead& SecretsAead() const = 0;
  // Re-wraps the data key under `new_credential` (fresh salt, `params`).
  // Unauthenticated if `old_credential` is wrong. Nothing is re-encrypted.
  virtual absl::Status Rekey(const crypto::Credential& old_credential,
                             const crypto::Credential& new_credential,
                             const crypto::KdfParams& params, absl::string_view actor) = 0;
  // PRAGMA integrity_check + foreign_key_check; DataLoss with the first
  // problems otherwise.
  virtual absl::Status IntegrityCheck() = 0;

  // --- environments --------------------------------------------------------
  // Creates the environment with revision 1 holding an empty definition.
  virtual absl::StatusOr<EnvironmentInfo> CreateEnvironment(const EnvironmentRef& ref,
                                                            absl::string_view actor) = 0;
  virtual absl::StatusOr<EnvironmentInfo> GetEnvironment(const EnvironmentRef& ref) = 0;
  // Sorted by project, then name. Empty `project` = every project.
  virtual absl::StatusOr<std::vector<EnvironmentInfo>> ListEnvironments(
      absl::string_view organization, absl::string_view project) = 0;
  // FailedPrecondition ("... is deletion protected") when protected.
  virtual absl::Status DeleteEnvironment(const EnvironmentRef& ref, absl::string_view actor) = 0;
  virtual absl::Status SetDeletionProtected(const EnvironmentRef& ref, bool is_protected,
                                            absl::string_view actor) = 0;

  // --- revisions -----------------------------------------------------------
  // Stores `yaml` as revision latest+1. See UpdateOptions for etags.
  virtual absl::StatusOr<RevisionInfo> UpdateDefinition(const EnvironmentRef& ref,
                                                        absl::string_view yaml,
                                                        const UpdateOptions& options) = 0;
  // `version`: "" or "latest", a revision number ("3"), or a revision tag.
  virtual absl::StatusOr<Definition> ReadDefinition(const EnvironmentRef& ref,
                                                    absl::string_view version) = 0;
  virtual absl::StatusOr<RevisionInfo> GetRevision(const EnvironmentRef& ref, int64_t number) = 0;
  // Newest first; `before` (exclusive) pages backwards; count <= 0 = all.
  virtual absl::StatusOr<std::vector<RevisionInfo>> ListRevisions(const EnvironmentRef& ref,
                                                                  std::optional<int64_t> before,
                                                                  int count) = 0;
  // Saves the definition at `version` as a new revision.
  virtual absl::StatusOr<RevisionInfo> Rollback(const EnvironmentRef& ref,
                                                absl::string_view version,
                                                const UpdateOptions& options) = 0;
  // Marks `number` unreadable; its tags move to `replacement` (default: the
  // newest non-retracted revision before it). The latest cannot be retracted.
  virtual absl::Status RetractRevision(const EnvironmentRef& ref, int64_t number,
                                       std::optional<int64_t> replacement, absl::string_view reason,
                                       absl::string_view actor) = 0;

  // --- revision tags ("latest" is implicit and cannot be changed) ---------
  // `revision` unset = the current latest.
  virtual absl::StatusOr<RevisionTag> CreateRevisionTag(const EnvironmentRef& ref,
                                                        absl::string_view name,
                                                        std::optional<int64_t> revision,
                                                        absl::string_view actor) = 0;
  virtual absl::StatusOr<RevisionTag> UpdateRevisionTag(const EnvironmentRef& ref,
                                                        absl::string_view name, int64_t revision,
                                                        absl::string_view actor) = 0;
  virtual absl::Status DeleteRevisionTag(const EnvironmentRef& ref, absl::string_view name,
                                         absl::string_view actor) = 0;
  virtual absl::StatusOr<RevisionTag> GetRevisionTag(const EnvironmentRef& ref,
                                                     absl::string_view name) = 0;
  // Sorted by name; includes "latest".
  virtual absl::StatusOr<std::vector<RevisionTag>> ListRevisionTags(const EnvironmentRef& ref) = 0;

  // --- environment tags (key/value metadata) ------------------------------
  virtual absl::StatusOr<EnvironmentTag> CreateEnvironmentTag(const EnvironmentRef& ref,
                                                              absl::string_view name,
                                                              absl::string_view value,
                                                              absl::string_view actor) = 0;
  // Renames and/or changes the value of `current_name`.
  virtual absl::StatusOr<EnvironmentTag> UpdateEnvironmentTag(const EnvironmentRef& ref,
                                                              absl::string_view current_name,
                                                              absl::string_view new_name,
                                                              absl::string_view new_value,
                                                              absl::string_view actor) = 0;
  virtual absl::Status DeleteEnvironmentTag(const EnvironmentRef& ref, absl::string_view name,
                                            absl::string_view actor) = 0;
  virtual absl::StatusOr<EnvironmentTag> GetEnvironmentTag(const EnvironmentRef& ref,
                                                           absl::string_view name) = 0;
  virtual absl::StatusOr<std::vector<EnvironmentTag>> ListEnvironmentTags(
      const EnvironmentRef& ref) = 0;

  // --- access tokens -------------------------------------------------------
  virtual absl::StatusOr<CreatedAccessToken> CreateAccessToken(const AccessTokenSpec& spec,
                                                               absl::string_view actor) = 0;
  virtual absl::StatusOr<AccessToken> GetAccessToken(absl::string_view id) = 0;
  // Oldest first. Without `include_inactive`, revoked and expired tokens are
  // left out.
  virtual absl::StatusOr<std::vector<AccessToken>> ListAccessTokens(bool include_inactive) = 0;
  // Idempotent for an already revoked token; NotFound for an unknown id.
  virtual absl::Status RevokeAccessToken(absl::string_view id, absl::string_view actor) = 0;
  // The token record if `value` is a live token (and records last use, at
  // most once a minute); Unauthenticated otherwise, always with the same
  // message and never echoing the value.
  virtual absl::StatusOr<AccessToken> VerifyAccessToken(absl::string_view value) = 0;

  // --- audit log (append-only: there is no update or delete) ---------------
  virtual absl::Status AppendAuditEvent(absl::string_view actor, absl::string_view action,
                                        absl::string_view target, absl::string_view path) = 0;
  virtual absl::StatusOr<std::vector<AuditEvent>> ListAuditEvents(const AuditQuery& query) = 0;
};

}  // namespace escnative::store

#endif  // PROVIDER_STORE_STORE_H_
