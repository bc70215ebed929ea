// LocalBackend: the Backend over the encrypted single-file store and the ESC
// evaluator. No account and no network: what tests, demos and escctl use.
//
//   LocalBackendOptions o;
//   o.path = "/home/me/.pulumi-esc/store.db";
//   o.credential = crypto::Credential::Passphrase(std::move(pass));
//   o.organization = "myorg";
//   ASSIGN_OR_RETURN(auto backend, LocalBackend::Open(std::move(o)));
//
// Secrets: `fn::secret` plaintext handed to UpdateDefinition is encrypted
// with the store's secrets AEAD, associated data "esc-secret:v1:" + the
// environment's org/project/name, inside the `escx` envelope. A ciphertext
// copied into another environment therefore fails to decrypt there.
//
// Access: without a caller token (the local user holding the passphrase)
// every operation is allowed. With one, each operation needs a scope of the
// token that grants it (store::TokenAllows): read for definitions with
// ciphertext and checks, open for opens and decryption, write for updates,
// rollbacks, revision tags and environment tags, admin for creation,
// deletion, protection, tokens and the audit log. Imports are evaluated on the importing
// environment's behalf when it is read or opened; writing a definition with a token needs `open` on
// every environment it imports (else write access to one environment would reveal the secrets of
// any environment it can name).
//
// Audit: the store records every mutation with its actor; this class adds
// "environment.open" and "environment.decrypt" (definition, or a check with
// secrets shown), with the revision, and for a token caller
// "environment.read" (definition with ciphertext). Never a value.
//
// Thread-safe.
#ifndef PROVIDER_BACKEND_LOCAL_BACKEND_H_
#define PROVIDER_BACKEND_LOCAL_BACKEND_H_

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "provider/backend/backend.h"
#include "provider/backend/open_cache.h"
#include "provider/backend/ref.h"
#include "provider/crypto/keyring.h"
#include "provider/crypto/secret_bytes.h"
#include "provider/esc/crypter.h"
#include "provider/esc/definition_data.h"
#include "provider/esc/evaluator.h"
#include "provider/store/clock.h"
#include "provider/store/store.h"

namespace escnative::backend {

struct LocalBackendOptions {
  std::string path;  // the store file; created (0600) if missing and allowed
  // Required: the passphrase (Credential::Passphrase) or a raw 32-byte key.
  std::optional<crypto::Credential> credential;
  std::string organization = "organization";  // default org for references
  std::string project = "default";            // default project for references
  std::string actor = "local";                // recorded in the audit log
  // When set, operations are limited to this access token's scopes and the
  // audit actor becomes "token:<id>". An invalid, expired or revoked token
  // fails Open with Unauthenticated (and every later call, once it expires).
  std::optional<crypto::SecretBytes> caller_token;
  const store::Clock* clock = nullptr;  // default real time; must outlive
  bool create_if_missing = true;
  crypto::KdfParams kdf_params = crypto::KdfParams::Default();  // new stores, Rekey
};

class LocalBackend final : public Backend {
 public:
  static absl::StatusOr<std::unique_ptr<LocalBackend>> Open(LocalBackendOptions options);

  ~LocalBackend() override;

  // A backend over the same open store acting as the access token `value`:
  // its scopes, "token:<id>" as audit actor. What `escctl serve` uses per
  // request (no key derivation, shared parse cache). Unauthenticated as Open.
  absl::StatusOr<std::unique_ptr<LocalBackend>> AsToken(absl::string_view value) const;
  // The token id this backend acts as ("" for the passphrase holder).
  std::string CallerId() const;

  std::string Describe() const override;
  absl::StatusOr<std::pair<EnvironmentRef, std::string>> ParseRef(
      absl::string_view text) const override;

  absl::StatusOr<EnvironmentInfo> CreateEnvironment(const EnvironmentRef& ref) override;
  absl::StatusOr<EnvironmentInfo> GetEnvironment(const EnvironmentRef& ref) override;
  absl::StatusOr<std::vector<EnvironmentInfo>> ListEnvironments(absl::string_view organization,
                                                                absl::string_view project) override;
  absl::Status DeleteEnvironment(const EnvironmentRef& ref) override;
  absl::Status SetDeletionProtected(const EnvironmentRef& ref, bool is_protected) override;

  absl::StatusOr<Definition> GetDefinition(const EnvironmentRef& ref, absl::string_view version,
                                           bool decrypt) override;
  absl::StatusOr<NewRevision> UpdateDefinitionData(const EnvironmentRef& ref,
                                                    const nlohmann::ordered_json& definition,
                                                    std::optional<std::string> etag) override;
  absl::StatusOr<NewRevision> UpdateDefinition(const EnvironmentRef& ref, absl::string_view yaml,
                                                std::optional<std::string> etag) override;
  absl::StatusOr<Evaluation> CheckEnvironment(const EnvironmentRef& ref, absl::string_view version,
                                              bool show_secrets) override;
  absl::StatusOr<Evaluation> CheckDefinition(const EnvironmentRef& ref, absl::string_view yaml,
                                             bool show_secrets) override;
  absl::StatusOr<Evaluation> OpenEnvironment(const EnvironmentRef& ref,
                                             absl::string_view version) override;

  absl::StatusOr<std::vector<RevisionInfo>> ListRevisions(const EnvironmentRef& ref) override;
  absl::StatusOr<NewRevision> Rollback(const EnvironmentRef& ref,
                                        absl::string_view version) override;
  absl::StatusOr<RevisionTag> CreateRevisionTag(const EnvironmentRef& ref, absl::string_view name,
                                                std::optional<int64_t> revision) override;
  absl::StatusOr<RevisionTag> UpdateRevisionTag(const EnvironmentRef& ref, absl::string_view name,
                                                int64_t revision) override;
  absl::StatusOr<RevisionTag> GetRevisionTag(const EnvironmentRef& ref,
                                             absl::string_view name) override;
  absl::StatusOr<std::vector<RevisionTag>> ListRevisionTags(const EnvironmentRef& ref) override;
  absl::Status DeleteRevisionTag(const EnvironmentRef& ref, absl::string_view name) override;

  absl::StatusOr<std::vector<EnvironmentTag>> ListEnvironmentTags(
      const EnvironmentRef& ref) override;
  absl::Status SetEnvironmentTags(const EnvironmentRef& ref,
                                  const std::map<std::string, std::string>& tags) override;
  absl::Status SetEnvironmentTag(const EnvironmentRef& ref, absl::string_view name,
                                 absl::string_view value) override;
  absl::Status DeleteEnvironmentTag(const EnvironmentRef& ref, absl::string_view name) override;

  absl::StatusOr<CreatedAccessToken> CreateAccessToken(const AccessTokenSpec& spec) override;
  absl::StatusOr<AccessToken> GetAccessToken(absl::string_view id) override;
  absl::StatusOr<std::vector<AccessToken>> ListAccessTokens(bool include_inactive) override;
  absl::Status RevokeAccessToken(absl::string_view id) override;

  absl::StatusOr<std::vector<AuditEvent>> ListAuditEvents(const AuditQuery& query) override;

  // --- local only ------------------------------------------------------------
  // Re-wraps the store's data key under `new_credential` (nothing is
  // re-encrypted). Needs the credential the backend was opened with; a
  // caller token cannot rekey.
  absl::Status Rekey(const crypto::Credential& new_credential);
  // The AEAD associated data that binds ciphertext to `ref`.
  static std::string SecretAssociatedData(const EnvironmentRef& ref);
  // The underlying store (for tests and tools; bypasses scope checks).
  store::Store& store() { return *store_; }

 private:
  class Crypter;
  class Loader;
  struct Caller;

  LocalBackend(LocalBackendOptions options, std::shared_ptr<store::Store> store,
               std::unique_ptr<Caller> caller, const LocalBackend* parent = nullptr);

  // OK if the caller may do `needed` on `ref` (always, without a token).
  absl::Status Authorize(const EnvironmentRef& ref, store::Permission needed) const;
  // Operations on no single environment (tokens, audit): admin on the
  // default organization ("org/*/*").
  absl::Status AuthorizeOrganization() const;
  std::string Actor() const;
  // Appends a read event when acting as a token (no-op for the passphrase
  // holder).
  absl::Status AuditTokenRead(absl::string_view action, absl::string_view target,
                              absl::string_view detail) const;
  // Validates, encrypts and stores `syntax` (parsed from `yaml`, or built
  // from data with `yaml` empty); `next` is its JSON data for the audit's
  // changed paths (null: not computed).
  absl::StatusOr<NewRevision> WriteParsed(const EnvironmentRef& ref, const EnvironmentInfo& info,
                                          absl::string_view yaml, esc::SyntaxParseResult syntax,
                                          const nlohmann::ordered_json* next,
                                          std::optional<std::string> etag);
  using Leaves = esc::DefinitionLeafMap;
  // A stored revision as JSON data (ciphertext only) and its leaves (which
  // point into `data`).
  struct StoredForm {
    std::shared_ptr<const nlohmann::ordered_json> data;
    Leaves leaves;
  };
  // The definition paths a write whose leaves are `next` changes against
  // revision `latest_etag` (for the audit log; never values).
  std::vector<std::string> ChangedPaths(const EnvironmentRef& ref, absl::string_view latest_etag,
                                        const Leaves& next);
  // The stored form of `ref`'s revision `etag` if this process wrote it and
  // still remembers it; null otherwise.
  std::shared_ptr<const StoredForm> Stored(const EnvironmentRef& ref, absl::string_view etag) const;
  void RememberStored(const EnvironmentRef& ref, absl::string_view etag,
                      nlohmann::ordered_json data) const;
  static std::shared_ptr<const StoredForm> NewStoredForm(nlohmann::ordered_json data);
  void RememberStoredForm(const EnvironmentRef& ref, absl::string_view etag,
                          std::shared_ptr<const StoredForm> form) const;
  std::unique_ptr<Crypter> CrypterFor(const EnvironmentRef& ref) const;
  // Evaluates `parsed` (non-null) as `ref`'s definition. `version`: the
  // revision or tag it is ("" for the latest or a new definition); an
  // import chain back to that is a cycle.
  absl::StatusOr<Evaluation> Evaluate(const EnvironmentRef& ref,
                                      std::shared_ptr<const esc::ParseResult> parsed,
                                      absl::string_view version, esc::EvalMode mode,
                                      bool show_secrets, bool check_import_scopes,
                                      absl::string_view what,
                                      std::vector<OpenCache::Member>* closure = nullptr);
  // True if every member of an open's import closure still resolves to the
  // etag it was evaluated at.
  bool ClosureCurrent(const std::vector<OpenCache::Member>& closure) const;
  OpenCache& Opens() const { return parent_ != nullptr ? parent_->open_cache_ : open_cache_; }
  // Parse of a stored revision, keyed by its name and (random, per-revision)
  // etag: revisions are immutable, so entries never go stale.
  std::shared_ptr<const esc::ParseResult> Parsed(const std::string& name, absl::string_view etag,
                                                 absl::string_view yaml) const;
  // Parsed() for a stored revision of `ref`.
  std::shared_ptr<const esc::ParseResult> ParsedRevision(const EnvironmentRef& ref,
                                                         const store::Definition& def) const;

  const LocalBackendOptions options_;
  const std::shared_ptr<store::Store> store_;  // shared with AsToken views
  const std::unique_ptr<Caller> caller_;       // null: the passphrase holder
  // AsToken views use the parse cache of the backend they came from, which
  // must outlive them.
  const LocalBackend* const parent_;

  mutable absl::Mutex rekey_mu_;
  // What currently unlocks the store (the options' credential until a Rekey).
  std::optional<crypto::Credential> credential_ ABSL_GUARDED_BY(rekey_mu_);

  // Evaluated opens (see open_cache.h); AsToken views use their parent's.
  mutable OpenCache open_cache_{absl::Seconds(5), 64};

  mutable absl::Mutex cache_mu_;
  mutable std::map<std::string, std::shared_ptr<const esc::ParseResult>> parse_cache_
      ABSL_GUARDED_BY(cache_mu_);
  // Per environment ("org/project/name"): the etag and stored form of the
  // last revision this process wrote, which the next write starts from.
  mutable std::map<std::string, std::pair<std::string, std::shared_ptr<const StoredForm>>> stored_
      ABSL_GUARDED_BY(cache_mu_);
};

}  // namespace escnative::backend

#endif  // PROVIDER_BACKEND_LOCAL_BACKEND_H_
