#include <map>
#include <optional>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "provider/cli/command_util.h"
#include "provider/cli/commands.h"
#include "provider/util/echo.h"
#include "provider/util/status_macros.h"

namespace escnative::cli {
namespace {

using backend::LocalBackend;
using api::EnvironmentRef;

absl::StatusOr<int64_t> ParseRevision(absl::string_view text) {
  if (!text.empty() && text[0] == '@') text.remove_prefix(1);
  int64_t n = 0;
  if (!absl::SimpleAtoi(text, &n) || n <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid revision \"", text, "\": expected a positive number"));
  }
  return n;
}

absl::Status SetProtection(Context& ctx, const Positional& p, bool on) {
  RETURN_IF_ERROR(NeedArgs(p, 1, 1));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  ASSIGN_OR_RETURN(backend::Backend * b, ctx.Backend(false));
  RETURN_IF_ERROR(b->SetDeletionProtected(r.ref, on));
  ctx.out() << "Deletion protection " << (on ? "enabled" : "disabled") << " for "
            << r.ref.ToString() << ".\n";
  return absl::OkStatus();
}

}  // namespace

absl::Status EnvVersionLs(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 1, 1));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  ASSIGN_OR_RETURN(backend::Backend * b, ctx.Backend(false));
  ASSIGN_OR_RETURN(std::vector<api::RevisionInfo> revs, b->ListRevisions(r.ref));
  for (const auto& rev : revs) {
    ctx.out() << "revision " << rev.number;
    if (!rev.tags.empty()) ctx.out() << " (tags: " << absl::StrJoin(rev.tags, ", ") << ")";
    ctx.out() << "\n  Author: " << rev.creator << "\n  Date:   " << Time(rev.created) << "\n";
    if (rev.retraction.has_value()) {
      ctx.out() << "  Retracted: replaced by " << rev.retraction->replacement << "\n";
    }
  }
  return absl::OkStatus();
}

absl::Status EnvVersionRollback(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 1, 1));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  if (r.version.empty()) return absl::OutOfRangeError("expected ENV@VERSION");
  ASSIGN_OR_RETURN(backend::Backend * b, ctx.Backend(false));
  absl::StatusOr<backend::NewRevision> res = b->Rollback(r.ref, r.version);
  if (!res.ok()) {
    PrintDiagnostics(ctx.err(), backend::DiagnosticsFromStatus(res.status()),
                     absl::StrCat(r.ref.project, "/", r.ref.name), "");
    return res.status();
  }
  ctx.out() << "Rolled back " << r.ref.ToString() << " to " << r.version << " (new revision "
            << res->revision << ").\n";
  return absl::OkStatus();
}

absl::Status EnvVersionTag(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 1, 2));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  if (r.version.empty()) return absl::OutOfRangeError("expected ENV@TAG");
  ASSIGN_OR_RETURN(backend::Backend * b, ctx.Backend(false));
  std::optional<int64_t> rev;
  if (p.size() > 1) {
    ASSIGN_OR_RETURN(rev, ParseRevision(p[1]));
  }
  absl::StatusOr<api::RevisionTag> tag = b->GetRevisionTag(r.ref, r.version);
  if (tag.ok()) {
    if (!rev.has_value()) {
      ASSIGN_OR_RETURN(api::EnvironmentInfo info, b->GetEnvironment(r.ref));
      rev = info.latest_revision;
    }
    ASSIGN_OR_RETURN(tag, b->UpdateRevisionTag(r.ref, r.version, *rev));
  } else if (absl::IsNotFound(tag.status())) {
    ASSIGN_OR_RETURN(tag, b->CreateRevisionTag(r.ref, r.version, rev));
  } else {
    return tag.status();
  }
  ctx.out() << "Tag " << tag->name << " of " << r.ref.ToString() << " points at revision "
            << tag->revision << ".\n";
  return absl::OkStatus();
}

absl::Status EnvVersionTagLs(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 1, 1));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  ASSIGN_OR_RETURN(backend::Backend * b, ctx.Backend(false));
  ASSIGN_OR_RETURN(std::vector<api::RevisionTag> tags, b->ListRevisionTags(r.ref));
  for (const auto& t : tags) {
    ctx.out() << t.name << "\trevision " << t.revision << "\t" << t.editor << "\t"
              << Time(t.modified) << "\n";
  }
  return absl::OkStatus();
}

absl::Status EnvVersionTagRm(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 1, 1));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  if (r.version.empty()) return absl::OutOfRangeError("expected ENV@TAG");
  ASSIGN_OR_RETURN(backend::Backend * b, ctx.Backend(false));
  RETURN_IF_ERROR(b->DeleteRevisionTag(r.ref, r.version));
  ctx.out() << "Tag " << r.version << " of " << r.ref.ToString() << " deleted.\n";
  return absl::OkStatus();
}

absl::Status EnvTagLs(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 1, 1));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  ASSIGN_OR_RETURN(backend::Backend * b, ctx.Backend(false));
  ASSIGN_OR_RETURN(std::vector<api::EnvironmentTag> tags, b->ListEnvironmentTags(r.ref));
  for (const auto& t : tags) ctx.out() << t.name << "\t" << t.value << "\n";
  return absl::OkStatus();
}

// One tag at a time, so concurrent `env tag set` of different tags never
// undo each other.
absl::Status EnvTagSet(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 3, 3));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  ASSIGN_OR_RETURN(backend::Backend * b, ctx.Backend(false));
  RETURN_IF_ERROR(b->SetEnvironmentTag(r.ref, p[1], p[2]));
  ctx.out() << "Tag " << p[1] << " set on " << r.ref.ToString() << ".\n";
  return absl::OkStatus();
}

absl::Status EnvTagRm(Context& ctx, const Positional& p) {
  RETURN_IF_ERROR(NeedArgs(p, 2, 2));
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  ASSIGN_OR_RETURN(backend::Backend * b, ctx.Backend(false));
  absl::Status deleted = b->DeleteEnvironmentTag(r.ref, p[1]);
  if (absl::IsNotFound(deleted)) {
    return absl::NotFoundError(
        absl::StrCat("environment ", r.ref.ToString(), " has no tag \"", util::Echo(p[1]), "\""));
  }
  RETURN_IF_ERROR(deleted);
  ctx.out() << "Tag " << p[1] << " removed from " << r.ref.ToString() << ".\n";
  return absl::OkStatus();
}
absl::Status EnvProtect(Context& ctx, const Positional& p) { return SetProtection(ctx, p, true); }

absl::Status EnvUnprotect(Context& ctx, const Positional& p) {
  return SetProtection(ctx, p, false);
}

}  // namespace escnative::cli
