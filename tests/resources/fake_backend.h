// FakeBackend: an in-memory backend::Backend for testing resources in
// process. It keeps the contract of backend.h where the resources depend on
// it: revisions with etags (a stale etag is Aborted and writes nothing),
// `fn::secret` plaintext encrypted on write (bound to the environment; reads
// return ciphertext unless decryption is asked for), revision tags with the
// built-in `latest`, environment tags, deletion protection
// (FailedPrecondition), and access tokens that expire by the clock and stay
// readable after revocation.
//
// OpenEnvironment and CheckEnvironment evaluate with the real evaluator
// (imports resolved in the fake, as LocalBackend resolves them; no
// providers). What it does not do, by design: evaluate on write
// (UpdateDefinition and CheckDefinition report syntax and shape errors only),
// roll back, check token scopes, or keep an audit log. Those are
// LocalBackend's, tested in tests/backend.
//
// Test hooks: FailNext (the next call of a method fails and changes
// nothing), BeforeNext (an action at the start of a call, e.g. another
// writer between a resource's read and its write), Calls / Mutations to
// assert what a resource did (or did not) do. Thread-safe.
#ifndef TESTS_RESOURCES_FAKE_BACKEND_H_
#define TESTS_RESOURCES_FAKE_BACKEND_H_

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "provider/backend/backend.h"
#include "provider/store/clock.h"

namespace escnative::resources::testing {

class FakeBackend final : public backend::Backend {
 public:
  // `clock` must outlive the backend.
  explicit FakeBackend(const store::Clock* clock, std::string organization = "organization",
                       std::string project = "default");

  // --- test hooks ------------------------------------------------------------
  // The next `times` calls of `method` ("UpdateDefinition", ...) return
  // `status` before doing anything.
  void FailNext(const std::string& method, absl::Status status, int times = 1);
  // Runs `action` once at the start of the next call of `method`, with no
  // lock held: the action may call the backend itself.
  void BeforeNext(const std::string& method, std::function<void()> action);
  // Method names of every call so far, in order (hook actions included).
  std::vector<std::string> Calls() const;
  // How many calls changed the backend's state.
  int Mutations() const;
  // The latest stored definition as stored (ciphertext), bypassing hooks and
  // the call log; nullopt if the environment does not exist.
  std::optional<std::string> StoredYaml(const backend::EnvironmentRef& ref) const;

  // --- Backend ---------------------------------------------------------------
  std::string Describe() const override { return "fake backend"; }
  absl::StatusOr<std::pair<backend::EnvironmentRef, std::string>> ParseRef(
      absl::string_view text) const override;

  absl::StatusOr<backend::EnvironmentInfo> CreateEnvironment(
      const backend::EnvironmentRef& ref) override;
  absl::StatusOr<backend::EnvironmentInfo> GetEnvironment(
      const backend::EnvironmentRef& ref) override;
  absl::StatusOr<std::vector<backend::EnvironmentInfo>> ListEnvironments(
      absl::string_view organization, absl::string_view project) override;
  absl::Status DeleteEnvironment(const backend::EnvironmentRef& ref) override;
  absl::Status SetDeletionProtected(const backend::EnvironmentRef& ref, bool is_protected) override;

  absl::StatusOr<backend::Definition> GetDefinition(const backend::EnvironmentRef& ref,
                                                    absl::string_view version,
                                                    bool decrypt) override;
  absl::StatusOr<backend::NewRevision> UpdateDefinition(const backend::EnvironmentRef& ref,
                                                         absl::string_view yaml,
                                                         std::optional<std::string> etag) override;
  absl::StatusOr<backend::Evaluation> CheckEnvironment(const backend::EnvironmentRef& ref,
                                                       absl::string_view version,
                                                       bool show_secrets) override;
  absl::StatusOr<backend::Evaluation> CheckDefinition(const backend::EnvironmentRef& ref,
                                                      absl::string_view yaml,
                                                      bool show_secrets) override;
  absl::StatusOr<backend::Evaluation> OpenEnvironment(const backend::EnvironmentRef& ref,
                                                      absl::string_view version) override;

  absl::StatusOr<std::vector<backend::RevisionInfo>> ListRevisions(
      const backend::EnvironmentRef& ref) override;
  absl::StatusOr<backend::NewRevision> Rollback(const backend::EnvironmentRef& ref,
                                                 absl::string_view version) override;
  absl::StatusOr<backend::RevisionTag> CreateRevisionTag(const backend::EnvironmentRef& ref,
                                                         absl::string_view name,
                                                         std::optional<int64_t> revision) override;
  absl::StatusOr<backend::RevisionTag> UpdateRevisionTag(const backend::EnvironmentRef& ref,
                                                         absl::string_view name,
                                                         int64_t revision) override;
  absl::StatusOr<backend::RevisionTag> GetRevisionTag(const backend::EnvironmentRef& ref,
                                                      absl::string_view name) override;
  absl::StatusOr<std::vector<backend::RevisionTag>> ListRevisionTags(
      const backend::EnvironmentRef& ref) override;
  absl::Status DeleteRevisionTag(const backend::EnvironmentRef& ref,
                                 absl::string_view name) override;

  absl::StatusOr<std::vector<backend::EnvironmentTag>> ListEnvironmentTags(
      const backend::EnvironmentRef& ref) override;
  absl::Status SetEnvironmentTags(const backend::EnvironmentRef& ref,
                                  const std::map<std::string, std::string>& tags) override;
  absl::Status SetEnvironmentTag(const backend::EnvironmentRef& ref, absl::string_view name,
                                 absl::string_view value) override;
  absl::Status DeleteEnvironmentTag(const backend::EnvironmentRef& ref,
                                    absl::string_view name) override;

  absl::StatusOr<backend::CreatedAccessToken> CreateAccessToken(
      const backend::AccessTokenSpec& spec) override;
  absl::StatusOr<backend::AccessToken> GetAccessToken(absl::string_view id) override;
  absl::StatusOr<std::vector<backend::AccessToken>> ListAccessTokens(
      bool include_inactive) override;
  absl::Status RevokeAccessToken(absl::string_view id) override;

  absl::StatusOr<std::vector<backend::AuditEvent>> ListAuditEvents(
      const backend::AuditQuery& query) override;

 private:
  struct Revision {
    std::string yaml;  // as stored: secrets as ciphertext
    std::string etag;
    absl::Time created;
  };
  struct Env {
    backend::EnvironmentInfo info;
    std::vector<Revision> revisions;  // revisions[n - 1] is revision n
    std::map<std::string, backend::RevisionTag> revision_tags;
    std::map<std::string, backend::EnvironmentTag> tags;
  };
  class Loader;
  struct Hooks {
    std::deque<absl::Status> failures;
    std::deque<std::function<void()>> actions;
  };

  static constexpr char kLatest[] = "latest";
  static absl::Status NoEnvironment(const backend::EnvironmentRef& ref);
  // Records the call, runs a pending BeforeNext action, and returns a
  // pending FailNext status. Called with mu_ not held.
  absl::Status Enter(const std::string& method) ABSL_LOCKS_EXCLUDED(mu_);
  Env* FindEnv(const backend::EnvironmentRef& ref) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The revision `version` ("", a number, or a tag) names; NotFound if none.
  absl::StatusOr<const Revision*> FindRevision(const Env& env, absl::string_view version) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Touch(Env* env) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<backend::Evaluation> Evaluate(const backend::EnvironmentRef& ref,
                                               absl::string_view version, bool open,
                                               bool show_secrets) ABSL_LOCKS_EXCLUDED(mu_);
  std::string NextEtag() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const store::Clock* const clock_;
  const std::string organization_;
  const std::string project_;

  mutable absl::Mutex mu_;
  std::map<std::string, Env> envs_ ABSL_GUARDED_BY(mu_);  // by "org/project/name"
  std::map<std::string, backend::AccessToken> tokens_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Hooks> hooks_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> calls_ ABSL_GUARDED_BY(mu_);
  int mutations_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t serial_ ABSL_GUARDED_BY(mu_) = 0;  // etags and token ids
};

}  // namespace escnative::resources::testing

#endif  // TESTS_RESOURCES_FAKE_BACKEND_H_
