// CloudBackend: the Backend over the ESC REST API (Pulumi Cloud, or any
// server speaking it, such as `escctl serve`). Each call becomes one or a few
// requests with the wire shapes of provider/rest/wire.h; no ESC logic here.
//
//   CloudBackendOptions o;
//   o.url = "https://api.pulumi.com";  o.token = "pul-...";
//   ASSIGN_OR_RETURN(auto b, CloudBackend::Create(std::move(o)));
//
// Errors follow backend.h: 404 NotFound, 401 Unauthenticated and 403
// PermissionDenied naming the operation (never the token), 409 AlreadyExists
// on creation, Aborted on a stale etag, FailedPrecondition on a protected
// deletion, 400 with diagnostics InvalidArgument carrying them
// (DiagnosticsFromStatus), a body that is not the expected JSON Internal.
//
// Retried (http::Client) only when safe to repeat: GET, HEAD, DELETE, the
// read-only POST yaml/check, and PATCH of a definition carrying its etag.
//
// Not on this backend: the audit log (Unimplemented). Tokens of kind
// `environment` need the server's `scopes` extension (escctl serve has it);
// on a server without it, creation fails and nothing is left behind.
//
// Thread-safe (the HTTP client pools connections).
#ifndef PROVIDER_BACKEND_CLOUD_CLOUD_BACKEND_H_
#define PROVIDER_BACKEND_CLOUD_CLOUD_BACKEND_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "provider/backend/backend.h"
#include "provider/http/client.h"

namespace escnative::backend {

struct CloudBackendOptions {
  std::string url = "https://api.pulumi.com";
  std::string token;         // never logged or echoed
  std::string organization;  // empty: the token's default organization
  std::string project = "default";
  http::ClientOptions http;
};

class CloudBackend final : public Backend {
 public:
  static absl::StatusOr<std::unique_ptr<CloudBackend>> Create(CloudBackendOptions options);

  // The organization references default to (asks the server the first time
  // when none was configured).
  absl::StatusOr<std::string> DefaultOrganization() const;

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

 private:
  // One request. `what` names the operation in errors ("reading
  // environment org/p/e"); 409 becomes `conflict` when set.
  struct Call {
    explicit Call(std::string what_in, std::string method_in = "GET", std::string path_in = "")
        : what(std::move(what_in)), method(std::move(method_in)), path(std::move(path_in)) {}
    std::string what;
    std::string method = "GET";
    std::string path;
    std::string body;
    std::string content_type;  // "" = none
    std::vector<std::pair<std::string, std::string>> headers;
    bool repeatable = false;
    absl::StatusCode conflict = absl::StatusCode::kAborted;
  };
  CloudBackend(CloudBackendOptions options, std::unique_ptr<http::Client> client);

  // Sends `call`; a non-2xx status becomes the mapped error.
  absl::StatusOr<http::ClientResponse> Send(const Call& call) const;

  // Tokens: the list at `path` (kind and team set on each when given), the
  // default organization's team names, and a search of teams' tokens.
  absl::StatusOr<std::vector<AccessToken>> ListTokensAt(const std::string& path,
                                                        const std::string& what,
                                                        const std::string& kind,
                                                        const std::string& team) const;
  absl::StatusOr<std::vector<AccessToken>> ListAccessTokens(bool include_inactive,
                                                            bool teams) const;
  absl::StatusOr<std::vector<std::string>> TeamNames() const;
  absl::StatusOr<AccessToken> FindTeamToken(absl::string_view id, const std::string& team) const;

  // The body of a check (yaml/check or E/check) as an Evaluation.
  static absl::StatusOr<Evaluation> CheckResult(const http::ClientResponse& res,
                                                absl::string_view what);

  CloudBackendOptions options_;
  std::unique_ptr<http::Client> client_;
  mutable std::mutex org_mu_;
  mutable std::string default_org_;  // resolved once
  std::atomic<bool> no_check_route_{false};  // the server has no E/check
};

}  // namespace escnative::backend

#endif  // PROVIDER_BACKEND_CLOUD_CLOUD_BACKEND_H_
