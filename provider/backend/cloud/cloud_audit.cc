// CloudBackend: the audit log (GET /api/orgs/{org}/auditlogs). escctl serve
// answers AuditQuery directly (its `order=asc&afterSequence=` extension, one
// request per page); Pulumi Cloud answers newest first with continuation
// tokens and no sequence numbers, so its log is read whole (bounded), numbered
// oldest first and filtered here.
#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "provider/backend/cloud/cloud_backend.h"
#include "provider/backend/cloud/cloud_util.h"
#include "provider/rest/wire.h"
#include "provider/util/status_macros.h"

namespace escnative::backend {

using cloud::JsonBody;
using cloud::Query;
using cloud::Unexpected;

namespace {

// More than this many events from a server without sequence numbers is an
// error rather than an unbounded read.
constexpr size_t kMaxUnsequencedEvents = 100000;
constexpr int kPage = 500;

struct Page {
  std::vector<AuditEvent> events;
  bool ascending = false;  // the server honoured order=asc
  std::string continuation;
};

absl::StatusOr<Page> ParsePage(const nlohmann::json& body, absl::string_view what) {
  if (!body.is_object() || !body.contains("auditLogEvents") ||
      !body["auditLogEvents"].is_array()) {
    return Unexpected(what, "an object with an \"auditLogEvents\" array");
  }
  Page page;
  page.ascending = body.value("order", "") == "asc";
  if (auto c = body.find("continuationToken"); c != body.end() && c->is_string()) {
    page.continuation = c->get<std::string>();
  }
  for (const auto& e : body["auditLogEvents"]) {
    absl::StatusOr<AuditEvent> event = rest::AuditEventFromJson(e);
    if (!event.ok()) return Unexpected(what, event.status().message());
    page.events.push_back(*std::move(event));
  }
  return page;
}

bool Matches(const AuditEvent& e, const AuditQuery& q) {
  return (q.actor.empty() || e.actor == q.actor) && (q.action.empty() || e.action == q.action) &&
         (q.target_prefix.empty() || absl::StartsWith(e.target, q.target_prefix)) &&
         (!q.since.has_value() || e.time >= *q.since) &&
         (!q.before.has_value() || e.time < *q.before);
}

}  // namespace

absl::StatusOr<std::vector<AuditEvent>> CloudBackend::ListAuditEvents(const AuditQuery& query) {
  if (query.limit <= 0) return absl::InvalidArgumentError("audit limit must be positive");
  std::string org = query.organization;
  if (org.empty()) {
    ASSIGN_OR_RETURN(org, DefaultOrganization());
  }
  const std::string what = absl::StrCat("reading the audit log of ", org);
  const size_t limit = static_cast<size_t>(query.limit);
  std::string start = absl::StrCat(
      query.before.has_value() ? absl::ToUnixSeconds(*query.before) : absl::ToUnixSeconds(absl::Now()) + 60);
  std::string since = query.since.has_value() ? absl::StrCat(absl::ToUnixSeconds(*query.since)) : "";

  auto fetch = [&](std::vector<std::pair<std::string, std::string>> params)
      -> absl::StatusOr<Page> {
    params.insert(params.end(), {{"userFilter", query.actor},
                                 {"eventFilter", query.action},
                                 {"targetPrefix", query.target_prefix},
                                 {"sinceTime", since},
                                 {"startTime", start}});
    Call c{what, "GET", rest::AuditLogsPath(org) + Query(params)};
    c.repeatable = true;
    ASSIGN_OR_RETURN(http::ClientResponse res, Send(c));
    ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(res, what));
    return ParsePage(body, what);
  };

  std::vector<AuditEvent> out;
  if (query.newest_first) {
    int64_t below = query.before_sequence;
    bool sequenced = true;
    while (out.size() < limit) {
      int n = static_cast<int>(std::min<size_t>(limit - out.size(), kPage));
      ASSIGN_OR_RETURN(Page page, fetch({{"order", "desc"},
                                         {"maxResults", absl::StrCat(n)},
                                         {"continuationToken", below > 0 ? absl::StrCat(below) : ""}}));
      if (page.events.empty()) return out;
      if (page.events.front().sequence <= 0) {
        sequenced = false;  // not our server: read below
        break;
      }
      for (auto& e : page.events) {
        if (out.size() < limit) out.push_back(std::move(e));
      }
      below = page.events.back().sequence;
      if (page.continuation.empty()) return out;
    }
    if (sequenced) return out;
  } else {
    int64_t after = query.after_sequence;
    while (out.size() < limit) {
      int n = static_cast<int>(std::min<size_t>(limit - out.size(), kPage));
      ASSIGN_OR_RETURN(Page page, fetch({{"order", "asc"},
                                         {"afterSequence", absl::StrCat(after)},
                                         {"maxResults", absl::StrCat(n)}}));
      if (!page.ascending) break;  // not our server: read below
      if (page.events.empty()) return out;
      for (auto& e : page.events) {
        if (e.sequence <= after) return Unexpected(what, "events in increasing sequence");
        after = e.sequence;
        if (out.size() < limit) out.push_back(std::move(e));
      }
    }
    if (out.size() == limit) return out;
  }

  // A server without our extension: the whole log, newest first.
  std::vector<AuditEvent> all;
  std::string continuation;
  while (true) {
    ASSIGN_OR_RETURN(Page page, fetch({{"continuationToken", continuation}}));
    for (auto& e : page.events) all.push_back(std::move(e));
    if (all.size() > kMaxUnsequencedEvents) {
      return absl::ResourceExhaustedError(absl::StrCat(
          what, ": more than ", kMaxUnsequencedEvents,
          " events and the server gives no sequence numbers; narrow the query"));
    }
    if (page.events.empty() || page.continuation.empty() || page.continuation == continuation) break;
    continuation = page.continuation;
  }
  std::reverse(all.begin(), all.end());
  for (size_t i = 0; i < all.size(); ++i) all[i].sequence = static_cast<int64_t>(i) + 1;
  out.clear();
  for (auto& e : all) {
    bool in_range = query.newest_first
                        ? (query.before_sequence == 0 || e.sequence < query.before_sequence)
                        : e.sequence > query.after_sequence;
    if (in_range && Matches(e, query)) out.push_back(std::move(e));
  }
  if (query.newest_first) std::reverse(out.begin(), out.end());
  if (out.size() > limit) {
    out.resize(limit);
  }
  return out;
}

}  // namespace escnative::backend
