// `escctl audit report`: the periodic secrets review from the audit log —
// when each secret path last changed and by whom, which are due for
// rotation, which environments nobody opened lately, and which tokens expire
// soon, have expired or were never used. It shows paths and times, no value.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "provider/cli/command_util.h"
#include "provider/cli/commands.h"
#include "provider/esc/definition_data.h"
#include "provider/util/echo.h"
#include "provider/util/status_macros.h"

namespace escnative::cli {
namespace {

constexpr absl::Duration kExpiringSoon = absl::Hours(24 * 14);

// Every audit event about `ref` exactly (the target filter is a prefix).
absl::StatusOr<std::vector<api::AuditEvent>> EventsFor(backend::Backend* b,
                                                         const api::EnvironmentRef& ref) {
  std::vector<api::AuditEvent> out;
  api::AuditQuery q;
  q.target_prefix = ref.ToString();
  q.limit = 1000;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<api::AuditEvent> page, b->ListAuditEvents(q));
    if (page.empty()) break;
    q.after_sequence = page.back().sequence;
    for (auto& e : page) {
      if (e.target == q.target_prefix) out.push_back(std::move(e));
    }
    if (page.size() < static_cast<size_t>(q.limit)) break;
  }
  return out;
}

std::string Age(absl::Duration d) {
  int64_t days = absl::ToInt64Hours(d) / 24;
  if (days >= 1) return absl::StrCat(days, "d");
  return absl::StrCat(absl::ToInt64Hours(d), "h");
}

}  // namespace

absl::Status AuditReport(Context& ctx, const Positional& p) {
  absl::Duration rotate_after = absl::Hours(24 * 90), unused_after = absl::Hours(24 * 30);
  if (ctx.args().Has("rotate-after")) {
    ASSIGN_OR_RETURN(rotate_after,
                     ParseDurationFlag(ctx.args().Get("rotate-after"), "rotate-after"));
  }
  if (ctx.args().Has("unused-after")) {
    ASSIGN_OR_RETURN(unused_after,
                     ParseDurationFlag(ctx.args().Get("unused-after"), "unused-after"));
  }
  bool json = ctx.args().Has("json");
  ASSIGN_OR_RETURN(backend::Backend * b, ctx.Backend(false));
  std::vector<api::EnvironmentRef> refs;
  if (p.empty()) {
    ASSIGN_OR_RETURN(std::vector<api::EnvironmentInfo> envs,
                     b->ListEnvironments(ctx.Organization(), ""));
    for (const auto& e : envs) refs.push_back(e.ref);
  } else {
    for (const std::string& text : p) {
      ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(text));
      RETURN_IF_ERROR(NoVersion(r, "audit report"));
      refs.push_back(r.ref);
    }
  }
  absl::Time now = absl::Now();
  if (ctx.args().Has("as-of")) {
    std::string err;
    if (!absl::ParseTime(absl::RFC3339_full, ctx.args().Get("as-of"), &now, &err)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid --as-of \"", util::Echo(ctx.args().Get("as-of")),
                       "\": expected a time like 2027-03-31T00:00:00Z"));
    }
  }
  nlohmann::ordered_json report = {{"generated", Time(now)},
                                   {"rotateAfter", absl::FormatDuration(rotate_after)},
                                   {"unusedAfter", absl::FormatDuration(unused_after)},
                                   {"environments", nlohmann::ordered_json::array()}};
  for (const api::EnvironmentRef& ref : refs) {
    ASSIGN_OR_RETURN(backend::Definition def, b->GetDefinition(ref, "", /*decrypt=*/false));
    ASSIGN_OR_RETURN(nlohmann::ordered_json doc, esc::DefinitionToJson(def.yaml));
    ASSIGN_OR_RETURN(std::vector<api::AuditEvent> events, EventsFor(b, ref));
    // The newest write that names each path, and the newest open.
    std::map<std::string, const api::AuditEvent*> last_change;
    const api::AuditEvent* last_open = nullptr;
    const api::AuditEvent* created = nullptr;
    for (const api::AuditEvent& e : events) {
      if (e.action == "environment.open") last_open = &e;
      if (e.action == "environment.create") created = &e;
      for (const std::string& path : e.paths) last_change[path] = &e;
    }
    nlohmann::ordered_json env = {{"environment", ref.ToString()},
                                  {"secrets", nlohmann::ordered_json::array()}};
    if (!json) ctx.out() << ref.ToString() << "\n";
    for (const auto& [path, leaf] : esc::DefinitionLeaves(doc)) {
      if (!leaf->is_object() || !leaf->contains("fn::secret")) continue;
      auto it = last_change.find(path);
      nlohmann::ordered_json item = {{"path", path}};
      std::string line = absl::StrCat("  ", util::Echo(path), ": ");
      if (it == last_change.end()) {
        // Written before changes were recorded by path: the environment's
        // creation is the best lower bound there is.
        item["lastChanged"] = nullptr;
        item["rotate"] = created == nullptr || now - created->time > rotate_after;
        absl::StrAppend(&line, "last change not recorded (before path tracking)");
      } else {
        const api::AuditEvent& e = *it->second;
        item["lastChanged"] = Time(e.time);
        item["by"] = e.actor;
        item["rotate"] = now - e.time > rotate_after;
        absl::StrAppend(&line, "changed ", Time(e.time), " (", Age(now - e.time), " ago) by ",
                        util::Echo(e.actor));
      }
      if (item["rotate"].get<bool>()) {
        absl::StrAppend(&line, "  ROTATE: older than ", absl::FormatDuration(rotate_after));
      }
      if (!json) ctx.out() << line << "\n";
      env["secrets"].push_back(std::move(item));
    }
    bool unused = last_open == nullptr || now - last_open->time > unused_after;
    env["lastOpened"] = last_open == nullptr ? nlohmann::ordered_json(nullptr)
                                             : nlohmann::ordered_json(Time(last_open->time));
    env["unused"] = unused;
    if (!json) {
      ctx.out() << "  "
                << (last_open == nullptr ? std::string("never opened")
                                         : absl::StrCat("last opened ", Time(last_open->time)))
                << (unused ? absl::StrCat("  UNUSED: not opened within ",
                                          absl::FormatDuration(unused_after))
                           : "")
                << "\n";
    }
    report["environments"].push_back(std::move(env));
  }
  ASSIGN_OR_RETURN(std::vector<api::AccessToken> tokens, b->ListAccessTokens(true));
  report["tokens"] = nlohmann::ordered_json::array();
  if (!json) ctx.out() << "tokens\n";
  for (const api::AccessToken& t : tokens) {
    if (t.revoked_at.has_value()) continue;
    std::vector<std::string> flags;
    if (t.expires_at.has_value() && *t.expires_at <= now) {
      flags.push_back("expired");
    } else if (t.expires_at.has_value() && *t.expires_at - now <= kExpiringSoon) {
      flags.push_back(absl::StrCat("expires in ", Age(*t.expires_at - now)));
    }
    if (!t.last_used.has_value()) flags.push_back("never used");
    nlohmann::ordered_json item = {{"id", t.id}, {"name", t.name}, {"flags", flags}};
    report["tokens"].push_back(item);
    if (!json) {
      ctx.out() << "  " << t.id << " " << (t.name.empty() ? "-" : util::Echo(t.name)) << ": "
                << (flags.empty() ? std::string("ok") : absl::StrJoin(flags, ", ")) << "\n";
    }
  }
  if (json) ctx.out() << report.dump(2) << "\n";
  return absl::OkStatus();
}

}  // namespace escnative::cli
