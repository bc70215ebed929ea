// The audit log under /api/orgs/{org}/auditlogs, in Pulumi Cloud's shape:
// newest first, paged by `continuationToken` (below `startTime`), filtered by
// `userFilter` and `eventFilter`. Our extensions: `targetPrefix`, and
// `order=asc` with `afterSequence` (oldest first after a sequence number), which
// is how CloudBackend reads it in one request per page. Admin of the
// organization only (the backend enforces it).
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "provider/api/names.h"
#include "provider/rest/api.h"
#include "provider/rest/wire.h"
#include "provider/util/echo.h"
#include "provider/util/status_macros.h"

namespace escnative::rest {
namespace {

absl::StatusOr<int64_t> IntQuery(const http::Request& req, const std::string& name) {
  std::optional<std::string> v = req.Query(name);
  if (!v.has_value() || v->empty()) return 0;
  int64_t n = 0;
  if (!absl::SimpleAtoi(*v, &n) || n < 0) {
    return absl::InvalidArgumentError(absl::StrCat("query parameter ", name,
                                                   ": expected a non-negative integer, got \"",
                                                   util::Echo(*v, 32), "\""));
  }
  return n;
}

}  // namespace

void Api::AuditRoutes(std::vector<http::Route>* routes) {
  routes->push_back(
      {"GET", "/api/orgs/([^/]+)/auditlogs",
       Authed([this](Call& c) -> absl::StatusOr<http::Response> {
         api::AuditQuery q;
         q.organization = c.req.captures[0];
         RETURN_IF_ERROR(api::ValidateOrganizationName(q.organization, "the request path"));
         q.actor = c.req.Query("userFilter").value_or("");
         q.action = c.req.Query("eventFilter").value_or("");
         q.target_prefix = c.req.Query("targetPrefix").value_or("");
         ASSIGN_OR_RETURN(q.limit, CountParam(c.req.Query("maxResults"), 100, options_.max_page,
                                              "maxResults"));
         std::string order = c.req.Query("order").value_or("desc");
         if (order != "asc" && order != "desc") {
           return absl::InvalidArgumentError(absl::StrCat(
               "query parameter order: expected asc or desc, got \"", util::Echo(order, 16), "\""));
         }
         ASSIGN_OR_RETURN(int64_t since, IntQuery(c.req, "sinceTime"));
         if (since > 0) q.since = absl::FromUnixSeconds(since);
         if (order == "asc") {
           ASSIGN_OR_RETURN(q.after_sequence, IntQuery(c.req, "afterSequence"));
         } else {
           q.newest_first = true;
           ASSIGN_OR_RETURN(int64_t start, IntQuery(c.req, "startTime"));
           if (start > 0) q.before = absl::FromUnixSeconds(start);
           std::optional<std::string> cont = c.req.Query("continuationToken");
           if (cont.has_value() && !cont->empty() &&
               (!absl::SimpleAtoi(*cont, &q.before_sequence) || q.before_sequence <= 0)) {
             return absl::InvalidArgumentError(
                 "query parameter continuationToken: not a token this server gave");
           }
         }
         ASSIGN_OR_RETURN(std::vector<api::AuditEvent> events,
                          c.caller.backend->ListAuditEvents(q));
         nlohmann::json list = nlohmann::json::array();
         for (const auto& e : events) list.push_back(AuditEventJson(e));
         nlohmann::json body = {{"auditLogEvents", std::move(list)}, {"order", order}};
         // A full page may have more after it.
         if (events.size() == static_cast<size_t>(q.limit) && order == "desc") {
           body["continuationToken"] = absl::StrCat(events.back().sequence);
         }
         return Json(200, body);
       })});
}

}  // namespace escnative::rest
