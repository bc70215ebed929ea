// FakeBackend: revisions, revision and environment tags, access tokens.
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "provider/crypto/secret_bytes.h"
#include "provider/util/status_macros.h"
#include "tests/resources/fake_backend.h"

namespace escnative::resources::testing {

using backend::EnvironmentRef;

// --- revisions and tags ------------------------------------------------------

absl::StatusOr<std::vector<backend::RevisionInfo>> FakeBackend::ListRevisions(
    const EnvironmentRef& ref) {
  RETURN_IF_ERROR(Enter("ListRevisions"));
  absl::MutexLock lock(&mu_);
  Env* env = FindEnv(ref);
  if (env == nullptr) return NoEnvironment(ref);
  std::vector<backend::RevisionInfo> out;
  for (size_t i = env->revisions.size(); i-- > 0;) {
    backend::RevisionInfo info;
    info.number = static_cast<int64_t>(i) + 1;
    info.etag = env->revisions[i].etag;
    info.creator = "fake";
    info.created = env->revisions[i].created;
    if (info.number == env->info.latest_revision) info.tags.push_back(kLatest);
    for (const auto& [name, tag] : env->revision_tags) {
      if (tag.revision == info.number) info.tags.push_back(name);
    }
    out.push_back(std::move(info));
  }
  return out;
}

absl::StatusOr<backend::NewRevision> FakeBackend::Rollback(const EnvironmentRef&,
                                                            absl::string_view) {
  RETURN_IF_ERROR(Enter("Rollback"));
  return absl::UnimplementedError("FakeBackend does not roll back (no resource does)");
}

absl::StatusOr<backend::RevisionTag> FakeBackend::CreateRevisionTag(
    const EnvironmentRef& ref, absl::string_view name, std::optional<int64_t> revision) {
  RETURN_IF_ERROR(Enter("CreateRevisionTag"));
  absl::MutexLock lock(&mu_);
  Env* env = FindEnv(ref);
  if (env == nullptr) return NoEnvironment(ref);
  if (name == kLatest || env->revision_tags.count(std::string(name))) {
    return absl::AlreadyExistsError(
        absl::StrCat("revision tag ", name, " already exists on ", ref.ToString()));
  }
  const int64_t number = revision.value_or(env->info.latest_revision);
  ASSIGN_OR_RETURN(const Revision* rev, FindRevision(*env, absl::StrCat(number)));
  (void)rev;
  const absl::Time now = clock_->Now();
  backend::RevisionTag tag{std::string(name), number, now, now, "fake"};
  env->revision_tags[tag.name] = tag;
  Touch(env);
  return tag;
}

absl::StatusOr<backend::RevisionTag> FakeBackend::UpdateRevisionTag(const EnvironmentRef& ref,
                                                                    absl::string_view name,
                                                                    int64_t revision) {
  RETURN_IF_ERROR(Enter("UpdateRevisionTag"));
  absl::MutexLock lock(&mu_);
  Env* env = FindEnv(ref);
  if (env == nullptr) return NoEnvironment(ref);
  auto it = env->revision_tags.find(std::string(name));
  if (it == env->revision_tags.end()) {
    return absl::NotFoundError(absl::StrCat("revision tag ", name, " not found"));
  }
  if (revision < 1) return absl::InvalidArgumentError("invalid revision");
  ASSIGN_OR_RETURN(const Revision* rev, FindRevision(*env, absl::StrCat(revision)));
  (void)rev;
  it->second.revision = revision;
  it->second.modified = clock_->Now();
  Touch(env);
  return it->second;
}

absl::StatusOr<backend::RevisionTag> FakeBackend::GetRevisionTag(const EnvironmentRef& ref,
                                                                 absl::string_view name) {
  RETURN_IF_ERROR(Enter("GetRevisionTag"));
  absl::MutexLock lock(&mu_);
  Env* env = FindEnv(ref);
  if (env == nullptr) return NoEnvironment(ref);
  if (name == kLatest) {
    return backend::RevisionTag{kLatest, env->info.latest_revision, env->info.created,
                                env->info.modified, "fake"};
  }
  auto it = env->revision_tags.find(std::string(name));
  if (it == env->revision_tags.end()) {
    return absl::NotFoundError(absl::StrCat("revision tag ", name, " not found"));
  }
  return it->second;
}

absl::StatusOr<std::vector<backend::RevisionTag>> FakeBackend::ListRevisionTags(
    const EnvironmentRef& ref) {
  RETURN_IF_ERROR(Enter("ListRevisionTags"));
  absl::MutexLock lock(&mu_);
  Env* env = FindEnv(ref);
  if (env == nullptr) return NoEnvironment(ref);
  std::vector<backend::RevisionTag> out;
  for (const auto& [name, tag] : env->revision_tags) out.push_back(tag);
  return out;
}

absl::Status FakeBackend::DeleteRevisionTag(const EnvironmentRef& ref, absl::string_view name) {
  RETURN_IF_ERROR(Enter("DeleteRevisionTag"));
  absl::MutexLock lock(&mu_);
  Env* env = FindEnv(ref);
  if (env == nullptr) return NoEnvironment(ref);
  if (env->revision_tags.erase(std::string(name)) == 0) {
    return absl::NotFoundError(absl::StrCat("revision tag ", name, " not found"));
  }
  Touch(env);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<backend::EnvironmentTag>> FakeBackend::ListEnvironmentTags(
    const EnvironmentRef& ref) {
  RETURN_IF_ERROR(Enter("ListEnvironmentTags"));
  absl::MutexLock lock(&mu_);
  Env* env = FindEnv(ref);
  if (env == nullptr) return NoEnvironment(ref);
  std::vector<backend::EnvironmentTag> out;
  for (const auto& [name, tag] : env->tags) out.push_back(tag);
  return out;
}

absl::Status FakeBackend::SetEnvironmentTags(const EnvironmentRef& ref,
                                             const std::map<std::string, std::string>& tags) {
  RETURN_IF_ERROR(Enter("SetEnvironmentTags"));
  absl::MutexLock lock(&mu_);
  Env* env = FindEnv(ref);
  if (env == nullptr) return NoEnvironment(ref);
  const absl::Time now = clock_->Now();
  std::map<std::string, backend::EnvironmentTag> next;
  for (const auto& [name, value] : tags) {
    auto old = env->tags.find(name);
    backend::EnvironmentTag tag{name, value, now, now, "fake"};
    if (old != env->tags.end()) {
      tag.created = old->second.created;
      if (old->second.value == value) tag = old->second;
    }
    next[name] = std::move(tag);
  }
  env->tags = std::move(next);
  Touch(env);
  return absl::OkStatus();
}

absl::Status FakeBackend::SetEnvironmentTag(const EnvironmentRef& ref, absl::string_view name,
                                            absl::string_view value) {
  RETURN_IF_ERROR(Enter("SetEnvironmentTag"));
  absl::MutexLock lock(&mu_);
  Env* env = FindEnv(ref);
  if (env == nullptr) return NoEnvironment(ref);
  const absl::Time now = clock_->Now();
  auto [it, added] = env->tags.try_emplace(std::string(name));
  if (added) it->second = {std::string(name), "", now, now, "fake"};
  it->second.value = std::string(value);
  it->second.modified = now;
  Touch(env);
  return absl::OkStatus();
}

absl::Status FakeBackend::DeleteEnvironmentTag(const EnvironmentRef& ref, absl::string_view name) {
  RETURN_IF_ERROR(Enter("DeleteEnvironmentTag"));
  absl::MutexLock lock(&mu_);
  Env* env = FindEnv(ref);
  if (env == nullptr) return NoEnvironment(ref);
  if (env->tags.erase(std::string(name)) == 0) {
    return absl::NotFoundError(absl::StrCat("tag ", name, " not found"));
  }
  Touch(env);
  return absl::OkStatus();
}

// --- access tokens -----------------------------------------------------------

absl::StatusOr<backend::CreatedAccessToken> FakeBackend::CreateAccessToken(
    const backend::AccessTokenSpec& spec) {
  RETURN_IF_ERROR(Enter("CreateAccessToken"));
  absl::MutexLock lock(&mu_);
  if (spec.kind != "personal" && spec.kind != "team" && spec.kind != "organization" &&
      spec.kind != "environment") {
    return absl::InvalidArgumentError(absl::StrCat("token kind \"", spec.kind, "\" is unknown"));
  }
  if (spec.kind == "environment" && spec.scopes.empty()) {
    return absl::InvalidArgumentError("an environment token needs at least one scope");
  }
  const absl::Time now = clock_->Now();
  if (spec.expires_at.has_value() && *spec.expires_at <= now) {
    return absl::InvalidArgumentError("token expiry must be in the future");
  }
  const int64_t n = ++serial_;
  backend::CreatedAccessToken out;
  out.token.id = absl::StrFormat("%032x", n);
  out.token.kind = spec.kind;
  out.token.name = spec.name;
  out.token.description = spec.description;
  out.token.scopes = spec.scopes;
  out.token.created_by = "fake";
  out.token.created = now;
  out.token.expires_at = spec.expires_at;
  out.value = crypto::SecretBytes::CopyFrom(absl::StrFormat("esc_fake_token_value_%d", n));
  tokens_[out.token.id] = out.token;
  ++mutations_;
  return out;
}

absl::StatusOr<backend::AccessToken> FakeBackend::GetAccessToken(absl::string_view id) {
  RETURN_IF_ERROR(Enter("GetAccessToken"));
  absl::MutexLock lock(&mu_);
  auto it = tokens_.find(std::string(id));
  if (it == tokens_.end()) return absl::NotFoundError(absl::StrCat("token ", id, " not found"));
  return it->second;
}

absl::StatusOr<std::vector<backend::AccessToken>> FakeBackend::ListAccessTokens(
    bool include_inactive) {
  RETURN_IF_ERROR(Enter("ListAccessTokens"));
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_->Now();
  std::vector<backend::AccessToken> out;
  for (const auto& [id, t] : tokens_) {
    const bool active = !t.revoked_at.has_value() && (!t.expires_at || *t.expires_at > now);
    if (active || include_inactive) out.push_back(t);
  }
  return out;
}

absl::Status FakeBackend::RevokeAccessToken(absl::string_view id) {
  RETURN_IF_ERROR(Enter("RevokeAccessToken"));
  absl::MutexLock lock(&mu_);
  auto it = tokens_.find(std::string(id));
  if (it == tokens_.end()) return absl::NotFoundError(absl::StrCat("token ", id, " not found"));
  if (it->second.revoked_at.has_value()) return absl::OkStatus();  // as the store: idempotent
  it->second.revoked_at = clock_->Now();
  ++mutations_;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<backend::AuditEvent>> FakeBackend::ListAuditEvents(
    const backend::AuditQuery&) {
  RETURN_IF_ERROR(Enter("ListAuditEvents"));
  return absl::UnimplementedError("FakeBackend keeps no audit log");
}

}  // namespace escnative::resources::testing
