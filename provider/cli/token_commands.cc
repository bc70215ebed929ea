#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "provider/api/names.h"
#include "provider/cli/command_util.h"
#include "provider/cli/commands.h"
#include "provider/crypto/credential_file.h"
#include "provider/util/status_macros.h"

namespace escnative::cli {
namespace {

using backend::LocalBackend;

// `name`, `proj/name` or `org/proj/name`, `*` allowed per part.
absl::StatusOr<api::TokenScope> ParseScope(Context& ctx, const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid scope \"", text, "\": expected ENVREF:read|open|write|admin"));
  }
  api::TokenScope scope;
  ASSIGN_OR_RETURN(scope.permission, api::ParsePermission(text.substr(colon + 1)));
  std::vector<std::string> parts = absl::StrSplit(text.substr(0, colon), '/');
  if (parts.size() == 1) parts.insert(parts.begin(), ctx.Project());
  if (parts.size() == 2) parts.insert(parts.begin(), ctx.Organization());
  if (parts.size() != 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid scope \"", text, "\": expected [[org/]project/]name"));
  }
  scope.environment = absl::StrJoin(parts, "/");
  RETURN_IF_ERROR(api::ValidateScopePattern(scope.environment));
  return scope;
}

std::string ScopesText(const std::vector<api::TokenScope>& scopes) {
  std::vector<std::string> s;
  for (const auto& sc : scopes) {
    s.push_back(absl::StrCat(sc.environment, ":", api::PermissionName(sc.permission)));
  }
  return absl::StrJoin(s, ",");
}

}  // namespace

absl::Status TokenCreate(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 0, 0));
  api::AccessTokenSpec spec;
  spec.name = ctx.args().Get("name");
  spec.description = ctx.args().Get("description");
  auto it = ctx.args().flags.find("scope");
  if (it == ctx.args().flags.end()) {
    return absl::OutOfRangeError("token create needs at least one --scope ENVREF:PERMISSION");
  }
  for (const auto& s : it->second) {
    ASSIGN_OR_RETURN(api::TokenScope scope, ParseScope(ctx, s));
    spec.scopes.push_back(std::move(scope));
  }
  ASSIGN_OR_RETURN(backend::Backend * b, ctx.Backend(false));
  if (ctx.args().Has("expires-in")) {
    ASSIGN_OR_RETURN(absl::Duration d,
                     ParseDurationFlag(ctx.args().Get("expires-in"), "expires-in"));
    spec.expires_at = absl::Now() + d;
  }
  ASSIGN_OR_RETURN(backend::CreatedAccessToken created, b->CreateAccessToken(spec));
  ctx.err() << "Created token " << created.token.id << " (" << ScopesText(created.token.scopes)
            << (created.token.expires_at.has_value()
                    ? ", expires " + Time(*created.token.expires_at)
                    : std::string(", no expiry"))
            << "). The value below is shown once.\n";
  ctx.out() << created.value.Reveal() << "\n";
  return absl::OkStatus();
}

absl::Status TokenLs(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 0, 0));
  ASSIGN_OR_RETURN(backend::Backend * b, ctx.Backend(false));
  ASSIGN_OR_RETURN(std::vector<api::AccessToken> tokens,
                   b->ListAccessTokens(ctx.args().Has("all")));
  for (const auto& t : tokens) {
    ctx.out() << t.id << "\t" << (t.name.empty() ? "-" : t.name) << "\t" << ScopesText(t.scopes)
              << "\tcreated " << Time(t.created) << "\texpires "
              << (t.expires_at.has_value() ? Time(*t.expires_at) : std::string("never"))
              << (t.revoked_at.has_value() ? "\trevoked" : "") << "\n";
  }
  return absl::OkStatus();
}

absl::Status TokenRevoke(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 1, 1));
  ASSIGN_OR_RETURN(backend::Backend * b, ctx.Backend(false));
  RETURN_IF_ERROR(b->RevokeAccessToken(p[0]));
  ctx.out() << "Token " << p[0] << " revoked.\n";
  return absl::OkStatus();
}

absl::Status AuditLs(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 0, 0));
  api::AuditQuery q;
  q.actor = ctx.args().Get("actor");
  q.action = ctx.args().Get("action");
  q.target_prefix = ctx.args().Get("target");
  int limit = 0;
  std::string lim = ctx.args().Get("limit", "100");
  if (!absl::SimpleAtoi(lim, &limit) || limit <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid --limit \"", lim, "\": expected a positive number"));
  }
  ASSIGN_OR_RETURN(backend::Backend * b, ctx.Backend(false));
  // Pages forward; prints the newest `limit` events, oldest first.
  std::vector<api::AuditEvent> all;
  q.limit = 1000;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<api::AuditEvent> page, b->ListAuditEvents(q));
    if (page.empty()) break;
    q.after_sequence = page.back().sequence;
    for (auto& e : page) all.push_back(std::move(e));
    if (all.size() > static_cast<size_t>(limit)) {
      all.erase(all.begin(), all.end() - limit);
    }
    if (page.size() < static_cast<size_t>(q.limit)) break;
  }
  for (const auto& e : all) {
    ctx.out() << e.sequence << "\t" << Time(e.time) << "\t" << e.actor << "\t" << e.action << "\t"
              << e.target << (e.path.empty() && e.paths.empty() ? "" : "\t" + e.path)
              << (e.paths.empty() ? "" : "\tchanged: " + absl::StrJoin(e.paths, ", ")) << "\n";
  }
  return absl::OkStatus();
}

absl::Status Rekey(Context& ctx, const Positional& p) {
  if (ctx.Remote()) {
    return ctx.LocalStore(false, "rekey").status();  // says it is local-only
  }
  RETURN_IF_ERROR(NeedArgs(p, 0, 0));
  crypto::SecretBytes next;
  if (ctx.args().Has("new-passphrase-file")) {
    ASSIGN_OR_RETURN(
        next, crypto::ReadCredentialFile(ctx.args().Get("new-passphrase-file"), "new passphrase"));
  } else if (std::string v = ctx.Env("ESC_NEW_PASSPHRASE"); !v.empty()) {
    next = crypto::SecretBytes::CopyFrom(v);
  } else {
    return absl::OutOfRangeError(
        "rekey needs the new passphrase: --new-passphrase-file FILE or ESC_NEW_PASSPHRASE");
  }
  ASSIGN_OR_RETURN(backend::LocalBackend * b, ctx.LocalStore(false, "rekey"));
  RETURN_IF_ERROR(b->Rekey(crypto::Credential::Passphrase(std::move(next))));
  ctx.out() << "Store key re-wrapped under the new passphrase.\n";
  return absl::OkStatus();
}
}  // namespace escnative::cli
