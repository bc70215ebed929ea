// Revision tags and environment tags (esc-rest.md §5, §7). Environment tag
// writes are key-level (SetEnvironmentTag / DeleteEnvironmentTag).
#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "provider/rest/api.h"
#include "provider/rest/wire.h"
#include "provider/util/echo.h"
#include "provider/util/status_macros.h"

namespace escnative::rest {
namespace {

constexpr char kEnv[] = "/api/esc/environments/([^/]+)/([^/]+)/([^/]+)";

std::string P(absl::string_view suffix) { return absl::StrCat(kEnv, suffix); }

absl::StatusOr<int64_t> RevisionField(const nlohmann::json& body, absl::string_view what) {
  auto it = body.find("revision");
  if (it == body.end() || !it->is_number_integer() || it->get<int64_t>() <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": field \"revision\" must be a positive revision number"));
  }
  return it->get<int64_t>();
}

absl::Status NoTag(const std::string& name, const api::EnvironmentRef& ref) {
  return absl::NotFoundError(
      absl::StrCat("environment tag \"", util::Echo(name), "\" not found on ", ref.ToString()));
}

absl::StatusOr<std::map<std::string, api::EnvironmentTag>> EnvTags(
    backend::Backend& b, const api::EnvironmentRef& ref) {
  ASSIGN_OR_RETURN(std::vector<api::EnvironmentTag> list, b.ListEnvironmentTags(ref));
  std::map<std::string, api::EnvironmentTag> out;
  for (auto& t : list) out.emplace(t.name, std::move(t));
  return out;
}

// The tag as stored after a change (with its times and editor).
absl::StatusOr<http::Response> TagAfterWrite(backend::Backend& b, const api::EnvironmentRef& ref,
                                             const std::string& name) {
  ASSIGN_OR_RETURN(auto tags, EnvTags(b, ref));
  auto it = tags.find(name);
  if (it == tags.end()) return NoTag(name, ref);
  return Json(200, EnvironmentTagJson(it->second));
}

}  // namespace

void Api::TagRoutes(std::vector<http::Route>* routes) {
  // --- revision tags ------------------------------------------------------------
  routes->push_back(
      {"GET", P("/versions/tags"), Authed([this](Call& c) -> absl::StatusOr<http::Response> {
         ASSIGN_OR_RETURN(api::EnvironmentRef ref, RefFrom(c.req));
         ASSIGN_OR_RETURN(int count, CountParam(c.req.Query("count"), options_.max_page,
                                                options_.max_page, "count"));
         std::string after = c.req.Query("after").value_or("");
         ASSIGN_OR_RETURN(std::vector<api::RevisionTag> tags,
                          c.caller.backend->ListRevisionTags(ref));
         std::sort(tags.begin(), tags.end(),
                   [](const auto& a, const auto& b) { return a.name < b.name; });
         nlohmann::json list = nlohmann::json::array();
         std::string next;
         for (const auto& t : tags) {
           if (!after.empty() && t.name <= after) continue;
           if (static_cast<int>(list.size()) == count) {
             next = list.back()["name"].get<std::string>();
             break;
           }
           list.push_back(RevisionTagJson(t));
         }
         return Json(200, {{"tags", std::move(list)}, {"nextToken", next}});
       })});
  routes->push_back(
      {"POST", P("/versions/tags"), Authed([](Call& c) -> absl::StatusOr<http::Response> {
         ASSIGN_OR_RETURN(api::EnvironmentRef ref, RefFrom(c.req));
         ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(c.req.body, "create revision tag"));
         ASSIGN_OR_RETURN(std::string name, StringField(body, "name", "create revision tag"));
         std::optional<int64_t> revision;
         if (body.contains("revision")) {
           ASSIGN_OR_RETURN(revision, RevisionField(body, "create revision tag"));
         }
         RETURN_IF_ERROR(c.caller.backend->CreateRevisionTag(ref, name, revision).status());
         return NoContent();
       })});
  routes->push_back(
      {"GET", P("/versions/tags/([^/]+)"), Authed([](Call& c) -> absl::StatusOr<http::Response> {
         ASSIGN_OR_RETURN(api::EnvironmentRef ref, RefFrom(c.req));
         ASSIGN_OR_RETURN(api::RevisionTag tag,
                          c.caller.backend->GetRevisionTag(ref, c.req.captures[3]));
         return Json(200, RevisionTagJson(tag));
       })});
  routes->push_back(
      {"PATCH", P("/versions/tags/([^/]+)"), Authed([](Call& c) -> absl::StatusOr<http::Response> {
         ASSIGN_OR_RETURN(api::EnvironmentRef ref, RefFrom(c.req));
         ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(c.req.body, "update revision tag"));
         ASSIGN_OR_RETURN(int64_t revision, RevisionField(body, "update revision tag"));
         RETURN_IF_ERROR(
             c.caller.backend->UpdateRevisionTag(ref, c.req.captures[3], revision).status());
         return NoContent();
       })});
  routes->push_back(
      {"DELETE", P("/versions/tags/([^/]+)"), Authed([](Call& c) -> absl::StatusOr<http::Response> {
         ASSIGN_OR_RETURN(api::EnvironmentRef ref, RefFrom(c.req));
         RETURN_IF_ERROR(c.caller.backend->DeleteRevisionTag(ref, c.req.captures[3]));
         return NoContent();
       })});

  // --- environment tags -----------------------------------------------------------
  // The map is always present, possibly empty (esc-rest.md §5 rule 8).
  routes->push_back(
      {"GET", P("/tags"), Authed([this](Call& c) -> absl::StatusOr<http::Response> {
         ASSIGN_OR_RETURN(api::EnvironmentRef ref, RefFrom(c.req));
         ASSIGN_OR_RETURN(int count, CountParam(c.req.Query("count"), options_.max_page,
                                                options_.max_page, "count"));
         std::string after = c.req.Query("after").value_or("");
         ASSIGN_OR_RETURN(auto tags, EnvTags(*c.caller.backend, ref));
         nlohmann::json map = nlohmann::json::object();
         std::string last;
         bool more = false;
         for (const auto& [name, t] : tags) {
           if (!after.empty() && name <= after) continue;
           if (static_cast<int>(map.size()) == count) {
             more = true;
             break;
           }
           map[name] = EnvironmentTagJson(t);
           last = name;
         }
         // nextToken: the last name returned while more remain.
         return Json(200, {{"tags", std::move(map)}, {"nextToken", more ? last : ""}});
       })});
  routes->push_back(
      {"POST", P("/tags"), Authed([](Call& c) -> absl::StatusOr<http::Response> {
         ASSIGN_OR_RETURN(api::EnvironmentRef ref, RefFrom(c.req));
         ASSIGN_OR_RETURN(nlohmann::json body,
                          ParseJsonObject(c.req.body, "create environment tag"));
         ASSIGN_OR_RETURN(std::string name, StringField(body, "name", "create environment tag"));
         ASSIGN_OR_RETURN(std::string value, StringField(body, "value", "create environment tag"));
         backend::Backend& b = *c.caller.backend;
         ASSIGN_OR_RETURN(auto tags, EnvTags(b, ref));
         if (tags.count(name) > 0) {
           return absl::AlreadyExistsError(absl::StrCat("environment tag \"", util::Echo(name),
                                                        "\" already exists on ", ref.ToString()));
         }
         RETURN_IF_ERROR(b.SetEnvironmentTag(ref, name, value));
         return TagAfterWrite(b, ref, name);
       })});
  routes->push_back(
      {"GET", P("/tags/([^/]+)"), Authed([](Call& c) -> absl::StatusOr<http::Response> {
         ASSIGN_OR_RETURN(api::EnvironmentRef ref, RefFrom(c.req));
         ASSIGN_OR_RETURN(auto tags, EnvTags(*c.caller.backend, ref));
         auto it = tags.find(c.req.captures[3]);
         if (it == tags.end()) return NoTag(c.req.captures[3], ref);
         return Json(200, EnvironmentTagJson(it->second));
       })});
  // {currentTag: {value}, newTag: {name, value}}: rename and/or revalue;
  // currentTag.value, when given, must still be the stored value.
  routes->push_back(
      {"PATCH", P("/tags/([^/]+)"), Authed([](Call& c) -> absl::StatusOr<http::Response> {
         ASSIGN_OR_RETURN(api::EnvironmentRef ref, RefFrom(c.req));
         const std::string& current = c.req.captures[3];
         ASSIGN_OR_RETURN(nlohmann::json body,
                          ParseJsonObject(c.req.body, "update environment tag"));
         if (!body.contains("newTag") || !body["newTag"].is_object()) {
           return absl::InvalidArgumentError(
               "update environment tag: field \"newTag\" must be an object {name, value}");
         }
         const nlohmann::json& nt = body["newTag"];
         std::string new_name = current;
         if (nt.contains("name")) {
           ASSIGN_OR_RETURN(new_name, StringField(nt, "name", "update environment tag: newTag"));
         }
         ASSIGN_OR_RETURN(std::string new_value,
                          StringField(nt, "value", "update environment tag: newTag"));
         backend::Backend& b = *c.caller.backend;
         ASSIGN_OR_RETURN(auto tags, EnvTags(b, ref));
         auto it = tags.find(current);
         if (it == tags.end()) return NoTag(current, ref);
         if (body.contains("currentTag") && body["currentTag"].is_object() &&
             body["currentTag"].contains("value") &&
             body["currentTag"]["value"] != nlohmann::json(it->second.value)) {
           return absl::AbortedError(absl::StrCat("environment tag \"", util::Echo(current),
                                                  "\" no longer has the given current value"));
         }
         if (new_name != current && tags.count(new_name) > 0) {
           return absl::AlreadyExistsError(absl::StrCat("environment tag \"", util::Echo(new_name),
                                                        "\" already exists on ", ref.ToString()));
         }
         // New name first: a failure part-way leaves the old tag in place.
         RETURN_IF_ERROR(b.SetEnvironmentTag(ref, new_name, new_value));
         if (new_name != current) RETURN_IF_ERROR(b.DeleteEnvironmentTag(ref, current));
         return TagAfterWrite(b, ref, new_name);
       })});
  routes->push_back(
      {"DELETE", P("/tags/([^/]+)"), Authed([](Call& c) -> absl::StatusOr<http::Response> {
         ASSIGN_OR_RETURN(api::EnvironmentRef ref, RefFrom(c.req));
         backend::Backend& b = *c.caller.backend;
         ASSIGN_OR_RETURN(auto tags, EnvTags(b, ref));
         if (tags.count(c.req.captures[3]) == 0) return NoTag(c.req.captures[3], ref);
         RETURN_IF_ERROR(b.DeleteEnvironmentTag(ref, c.req.captures[3]));
         return NoContent();
       })});
}

}  // namespace escnative::rest
