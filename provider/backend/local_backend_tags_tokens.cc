// LocalBackend: revisions, both kinds of tags, access tokens, audit and
// rekey (environments, definitions and evaluation are in local_backend.cc).
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "provider/api/names.h"
#include "provider/backend/local_backend.h"
#include "provider/esc/definition_data.h"
#include "provider/util/echo.h"
#include "provider/util/status_macros.h"

namespace escnative::backend {

// --- revisions and tags ------------------------------------------------------

absl::StatusOr<std::vector<RevisionInfo>> LocalBackend::ListRevisions(const EnvironmentRef& ref) {
  RETURN_IF_ERROR(Authorize(ref, store::Permission::kRead));
  RETURN_IF_ERROR(AuditTokenRead("environment.read", ref.ToString(), "revisions"));
  return store_->ListRevisions(ref, std::nullopt, 0);
}

absl::StatusOr<NewRevision> LocalBackend::Rollback(const EnvironmentRef& ref,
                                                    absl::string_view version) {
  RETURN_IF_ERROR(Authorize(ref, store::Permission::kWrite));
  RETURN_IF_ERROR(api::ValidateVersion(version, ref.ToString()));
  ASSIGN_OR_RETURN(store::Definition def, store_->ReadDefinition(ref, version));
  // Validated like an update: an import that has gone since fails here.
  ASSIGN_OR_RETURN(Evaluation checked,
                   Evaluate(ref, ParsedRevision(ref, def), "", esc::EvalMode::kCheck, false,
                            caller_ != nullptr, "rolling back"));
  store::UpdateOptions uo;
  uo.actor = Actor();
  absl::StatusOr<nlohmann::ordered_json> next = esc::DefinitionToJson(def.yaml);
  // "": compared with whatever is latest now.
  uo.changed_paths = next.ok() ? ChangedPaths(ref, "", esc::DefinitionLeaves(*next))
                               : std::vector<std::string>{"(not computed)"};
  ASSIGN_OR_RETURN(RevisionInfo rev, store_->Rollback(ref, version, uo));
  return NewRevision{rev.number, rev.etag, std::move(checked.diagnostics)};
}

absl::StatusOr<RevisionTag> LocalBackend::CreateRevisionTag(const EnvironmentRef& ref,
                                                            absl::string_view name,
                                                            std::optional<int64_t> revision) {
  RETURN_IF_ERROR(Authorize(ref, store::Permission::kWrite));
  return store_->CreateRevisionTag(ref, name, revision, Actor());
}

absl::StatusOr<RevisionTag> LocalBackend::UpdateRevisionTag(const EnvironmentRef& ref,
                                                            absl::string_view name,
                                                            int64_t revision) {
  RETURN_IF_ERROR(Authorize(ref, store::Permission::kWrite));
  return store_->UpdateRevisionTag(ref, name, revision, Actor());
}

absl::StatusOr<RevisionTag> LocalBackend::GetRevisionTag(const EnvironmentRef& ref,
                                                         absl::string_view name) {
  RETURN_IF_ERROR(Authorize(ref, store::Permission::kRead));
  RETURN_IF_ERROR(AuditTokenRead("environment.read", ref.ToString(), "revision_tags"));
  return store_->GetRevisionTag(ref, name);
}

absl::StatusOr<std::vector<RevisionTag>> LocalBackend::ListRevisionTags(const EnvironmentRef& ref) {
  RETURN_IF_ERROR(Authorize(ref, store::Permission::kRead));
  RETURN_IF_ERROR(AuditTokenRead("environment.read", ref.ToString(), "revision_tags"));
  return store_->ListRevisionTags(ref);
}

absl::Status LocalBackend::DeleteRevisionTag(const EnvironmentRef& ref, absl::string_view name) {
  RETURN_IF_ERROR(Authorize(ref, store::Permission::kWrite));
  return store_->DeleteRevisionTag(ref, name, Actor());
}

absl::StatusOr<std::vector<EnvironmentTag>> LocalBackend::ListEnvironmentTags(
    const EnvironmentRef& ref) {
  RETURN_IF_ERROR(Authorize(ref, store::Permission::kRead));
  RETURN_IF_ERROR(AuditTokenRead("environment.read", ref.ToString(), "environment_tags"));
  return store_->ListEnvironmentTags(ref);
}

absl::Status LocalBackend::SetEnvironmentTags(const EnvironmentRef& ref,
                                              const std::map<std::string, std::string>& tags) {
  RETURN_IF_ERROR(Authorize(ref, store::Permission::kWrite));
  ASSIGN_OR_RETURN(std::vector<EnvironmentTag> current, store_->ListEnvironmentTags(ref));
  // Not one transaction: each step is durable and audited on its own; a
  // failure part-way leaves a subset applied, and repeating the call
  // converges (it computes the difference again).
  std::set<std::string> seen;
  for (const auto& tag : current) {
    seen.insert(tag.name);
    auto it = tags.find(tag.name);
    if (it == tags.end()) {
      RETURN_IF_ERROR(store_->DeleteEnvironmentTag(ref, tag.name, Actor()));
    } else if (it->second != tag.value) {
      RETURN_IF_ERROR(
          store_->UpdateEnvironmentTag(ref, tag.name, tag.name, it->second, Actor()).status());
    }
  }
  for (const auto& [name, value] : tags) {
    if (seen.count(name) > 0) continue;
    RETURN_IF_ERROR(store_->CreateEnvironmentTag(ref, name, value, Actor()).status());
  }
  return absl::OkStatus();
}

absl::Status LocalBackend::SetEnvironmentTag(const EnvironmentRef& ref, absl::string_view name,
                                             absl::string_view value) {
  RETURN_IF_ERROR(Authorize(ref, store::Permission::kWrite));
  // Update first: the common case for an existing tag. A tag created by
  // another writer between the two calls makes Create fail, so retry once.
  for (int attempt = 0; attempt < 2; ++attempt) {
    absl::Status updated = store_->UpdateEnvironmentTag(ref, name, name, value, Actor()).status();
    if (!absl::IsNotFound(updated)) return updated;
    absl::Status created = store_->CreateEnvironmentTag(ref, name, value, Actor()).status();
    if (!absl::IsAlreadyExists(created)) return created;
  }
  return absl::AbortedError(absl::StrCat("environment tag \"", name, "\" of ", ref.ToString(),
                                         " is being changed by another writer; retry"));
}

absl::Status LocalBackend::DeleteEnvironmentTag(const EnvironmentRef& ref, absl::string_view name) {
  RETURN_IF_ERROR(Authorize(ref, store::Permission::kWrite));
  return store_->DeleteEnvironmentTag(ref, name, Actor());
}

// --- access tokens -----------------------------------------------------------

absl::StatusOr<CreatedAccessToken> LocalBackend::CreateAccessToken(const AccessTokenSpec& spec) {
  if (spec.kind != "environment") {
    return absl::UnimplementedError(absl::StrCat(
        "the local backend supports only access tokens of kind \"environment\"; kind \"",
        util::Echo(spec.kind), "\" needs Pulumi Cloud"));
  }
  if (caller_ != nullptr) {
    // A token may only hand out what it could do itself, as an admin.
    for (const auto& scope : spec.scopes) {
      std::vector<std::string> parts = absl::StrSplit(scope.environment, '/');
      if (parts.size() != 3) {
        return absl::InvalidArgumentError(absl::StrCat("invalid token scope \"",
                                                       util::Echo(scope.environment),
                                                       "\": expected org/project/name"));
      }
      RETURN_IF_ERROR(
          Authorize(EnvironmentRef{parts[0], parts[1], parts[2]}, store::Permission::kAdmin));
    }
  }
  return store_->CreateAccessToken(spec, Actor());
}

absl::StatusOr<AccessToken> LocalBackend::GetAccessToken(absl::string_view id) {
  RETURN_IF_ERROR(AuthorizeOrganization());
  return store_->GetAccessToken(id);
}

absl::StatusOr<std::vector<AccessToken>> LocalBackend::ListAccessTokens(bool include_inactive) {
  RETURN_IF_ERROR(AuthorizeOrganization());
  RETURN_IF_ERROR(AuditTokenRead("token.list", "tokens", ""));
  return store_->ListAccessTokens(include_inactive);
}

absl::Status LocalBackend::RevokeAccessToken(absl::string_view id) {
  RETURN_IF_ERROR(AuthorizeOrganization());
  return store_->RevokeAccessToken(id, Actor());
}

absl::StatusOr<std::vector<AuditEvent>> LocalBackend::ListAuditEvents(const AuditQuery& query) {
  RETURN_IF_ERROR(query.organization.empty()
                      ? AuthorizeOrganization()
                      : Authorize(EnvironmentRef{query.organization, "*", "*"},
                                  store::Permission::kAdmin));
  return store_->ListAuditEvents(query);
}

absl::Status LocalBackend::Rekey(const crypto::Credential& new_credential) {
  if (caller_ != nullptr) {
    return absl::PermissionDeniedError("an access token cannot change the store's passphrase");
  }
  absl::MutexLock lock(&rekey_mu_);
  RETURN_IF_ERROR(store_->Rekey(*credential_, new_credential, options_.kdf_params, Actor()));
  credential_ = new_credential.Clone();
  return absl::OkStatus();
}

}  // namespace escnative::backend
