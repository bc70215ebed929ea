// Environments: list, create, get/head, update, delete, clone, decrypt,
// check, open and read, revisions (esc-rest.md §5).
#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "provider/api/names.h"
#include "provider/backend/ref.h"
#include "provider/esc/json_encoding.h"
#include "provider/esc/yaml_emit.h"
#include "provider/rest/api.h"
#include "provider/rest/wire.h"
#include "provider/util/duration.h"
#include "provider/util/echo.h"
#include "provider/util/status_macros.h"

namespace escnative::rest {
namespace {

constexpr char kOrg[] = "/api/esc/environments/([^/]+)";
constexpr char kEnv[] = "/api/esc/environments/([^/]+)/([^/]+)/([^/]+)";
constexpr absl::Duration kDefaultOpenDuration = absl::Hours(1);
constexpr absl::Duration kMaxOpenDuration = absl::Hours(24);

std::string P(absl::string_view suffix) { return absl::StrCat(kEnv, suffix); }

// A boolean query parameter (absent = false); anything but true/false is a 400.
absl::StatusOr<bool> BoolQuery(const http::Request& req, const std::string& name) {
  std::optional<std::string> v = req.Query(name);
  if (!v.has_value() || *v == "false" || v->empty()) return false;
  if (*v == "true") return true;
  return absl::InvalidArgumentError(absl::StrCat(
      "query parameter ", name, ": expected true or false, got \"", util::Echo(*v, 32), "\""));
}

// A check's answer: 200 with the values (and warnings), 400 with the errors.
absl::StatusOr<http::Response> CheckResponse(absl::StatusOr<backend::Evaluation> checked,
                                             bool show_secrets) {
  if (!checked.ok()) {
    esc::Diagnostics diags = backend::DiagnosticsFromStatus(checked.status());
    if (diags.empty()) return checked.status();
    return Json(400, ErrorJson(checked.status()));
  }
  nlohmann::json body = EnvironmentJson(*checked->root, show_secrets);
  if (!checked->diagnostics.empty()) body["diagnostics"] = DiagnosticsJson(checked->diagnostics);
  return Json(200, body);
}

// esc-sdk 0.12.x accepts only 200 from create and delete; newer clients
// expect 204 (esc-rest.md §5 note).
int CreatedOrDeletedStatus(const http::Request& req) {
  return absl::StartsWith(req.Header("User-Agent"), "esc-sdk/ts/v0.12.") ? 200 : 204;
}

http::Response Created(const http::Request& req) {
  int status = CreatedOrDeletedStatus(req);
  return status == 204 ? NoContent() : Json(200, nlohmann::json::object());
}

// Definitions go out as block-style YAML, never as text a JSON parser
// accepts (clients JSON.parse every body): an empty definition is an empty
// body, JSON-shaped text is re-emitted as YAML.
std::string BlockYaml(std::string yaml) {
  nlohmann::json j = nlohmann::json::parse(yaml, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return yaml;
  if (j.is_null() || (j.is_object() && j.empty())) return "";
  return esc::EmitYaml(esc::SyntaxFromJson(j));
}

http::Response Yaml(const backend::Definition& def) {
  http::Response r;
  r.content_type = std::string(kYamlContentType);
  r.body = BlockYaml(def.yaml);
  r.headers.push_back({"ETag", def.etag});
  r.headers.push_back({std::string(kRevisionHeader), absl::StrCat(def.revision)});
  return r;
}

absl::StatusOr<absl::Duration> OpenDuration(const http::Request& req) {
  std::optional<std::string> text = req.Query("duration");
  if (!text.has_value() || text->empty()) return kDefaultOpenDuration;
  // The shared parser, so every duration has one syntax and one bound.
  absl::StatusOr<absl::Duration> d = util::ParsePositiveDuration(*text);
  if (!d.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "query parameter duration must be a positive duration such as 2h or 30m (at most 10 "
        "years), got \"",
        util::Echo(*text, 40), "\""));
  }
  return std::min(*d, kMaxOpenDuration);
}

}  // namespace

void Api::EnvironmentRoutes(std::vector<http::Route>* routes) {
  // Before the environment routes: "yaml" is not a valid project/env pair's
  // second part for these methods, but the patterns would overlap.
  routes->push_back({"POST", absl::StrCat(kOrg, "/yaml/check"),
                     Authed([](Call& c) -> absl::StatusOr<http::Response> {
                       const std::string& org = c.req.captures[0];
                       RETURN_IF_ERROR(api::ValidateOrganizationName(org, "the request path"));
                       // A definition that belongs to no environment is checked as a
                       // stand-in of the organization's default project. Our extension:
                       // `project` and `environment` name the environment it is meant
                       // for, so diagnostics and `context` name it too.
                       api::EnvironmentRef ref{org, c.req.Query("project").value_or("default"),
                                                 c.req.Query("environment").value_or("yaml-check")};
                       RETURN_IF_ERROR(api::ValidateProjectName(ref.project, "query \"project\""));
                       RETURN_IF_ERROR(
                           api::ValidateEnvironmentName(ref.name, "query \"environment\""));
                       ASSIGN_OR_RETURN(bool show, BoolQuery(c.req, "showSecrets"));
                       return CheckResponse(
                           c.caller.backend->CheckDefinition(ref, c.req.body, show), show);
                     })});

  // One organization's environments; `GET /environments` (the esc CLI's
  // listing) takes it from `organization`, else the caller's default.
  auto list = [this](Call& c, const std::string& org) -> absl::StatusOr<http::Response> {
    RETURN_IF_ERROR(api::ValidateOrganizationName(org, "the request"));
    ASSIGN_OR_RETURN(int page, CountParam(c.req.Query("maxResults"), options_.max_page,
                                          options_.max_page, "maxResults"));
    ASSIGN_OR_RETURN(std::vector<api::EnvironmentInfo> all,
                     c.caller.backend->ListEnvironments(org, ""));
    // The token is "project/name" of the last one returned: listing is
    // sorted by project, then name.
    std::string after = c.req.Query("continuationToken").value_or("");
    nlohmann::json items = nlohmann::json::array();
    std::string last;
    bool more = false;
    for (const auto& info : all) {
      std::string key = absl::StrCat(info.ref.project, "/", info.ref.name);
      if (!after.empty() && key <= after) continue;
      if (static_cast<int>(items.size()) == page) {
        more = true;
        break;
      }
      items.push_back(OrgEnvironmentJson(info));
      last = key;
    }
    nlohmann::json body = {{"environments", std::move(items)}};
    if (more) body["nextToken"] = last;
    return Json(200, body);
  };
  routes->push_back({"GET", kOrg, Authed([list](Call& c) { return list(c, c.req.captures[0]); })});
  routes->push_back({"GET", "/api/esc/environments", Authed([this, list](Call& c) {
                       return list(c, c.req.Query("organization").value_or(options_.organization));
                     })});

  routes->push_back(
      {"POST", kOrg, Authed([](Call& c) -> absl::StatusOr<http::Response> {
         const std::string& org = c.req.captures[0];
         ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(c.req.body, "create environment"));
         ASSIGN_OR_RETURN(std::string project, StringField(body, "project", "create environment"));
         ASSIGN_OR_RETURN(std::string name, StringField(body, "name", "create environment"));
         http::Request named = c.req;
         named.captures = {org, project, name};
         ASSIGN_OR_RETURN(api::EnvironmentRef ref, RefFrom(named));
         RETURN_IF_ERROR(c.caller.backend->CreateEnvironment(ref).status());
         return Created(c.req);
       })});

  // GET and HEAD: the definition (HEAD: only its etag and revision).
  routes->push_back(
      {"GET", kEnv, Authed([](Call& c) -> absl::StatusOr<http::Response> {
         ASSIGN_OR_RETURN(api::EnvironmentRef ref, RefFrom(c.req));
         if (c.req.method == "HEAD") {
           ASSIGN_OR_RETURN(api::EnvironmentInfo info, c.caller.backend->GetEnvironment(ref));
           http::Response r;
           r.content_type = std::string(kYamlContentType);
           r.headers.push_back({"ETag", info.etag});
           r.headers.push_back({std::string(kRevisionHeader), absl::StrCat(info.latest_revision)});
           return r;
         }
         ASSIGN_OR_RETURN(backend::Definition def, c.caller.backend->GetDefinition(ref, "", false));
         return Yaml(def);
       })});

  routes->push_back(
      {"PATCH", kEnv, Authed([](Call& c) -> absl::StatusOr<http::Response> {
         ASSIGN_OR_RETURN(api::EnvironmentRef ref, RefFrom(c.req));
         std::optional<std::string> etag;
         for (const char* h : {"If-Match", "ETag"}) {
           std::string v = c.req.Header(h);
           if (!v.empty()) {
             etag = UnquoteEtag(v);
             break;
           }
         }
         ASSIGN_OR_RETURN(backend::NewRevision res,
                          c.caller.backend->UpdateDefinition(ref, c.req.body, etag));
         nlohmann::json body = nlohmann::json::object();
         if (!res.warnings.empty()) body["diagnostics"] = DiagnosticsJson(res.warnings);
         http::Response r = Json(200, body);
         r.headers.push_back({"ETag", res.etag});
         r.headers.push_back({std::string(kRevisionHeader), absl::StrCat(res.revision)});
         return r;
       })});

  routes->push_back({"DELETE", kEnv, Authed([](Call& c) -> absl::StatusOr<http::Response> {
                       ASSIGN_OR_RETURN(api::EnvironmentRef ref, RefFrom(c.req));
                       RETURN_IF_ERROR(c.caller.backend->DeleteEnvironment(ref));
                       return Created(c.req);
                     })});

  // Environment settings (Pulumi Cloud's PATCH E/settings): deletion protection.
  routes->push_back(
      {"PATCH", P("/settings"), Authed([](Call& c) -> absl::StatusOr<http::Response> {
         ASSIGN_OR_RETURN(api::EnvironmentRef ref, RefFrom(c.req));
         ASSIGN_OR_RETURN(nlohmann::json body,
                          ParseJsonObject(c.req.body, "update environment settings"));
         if (!body.contains("deletionProtected") || !body["deletionProtected"].is_boolean()) {
           return absl::InvalidArgumentError(
               "update environment settings: field \"deletionProtected\" must be true or false");
         }
         RETURN_IF_ERROR(
             c.caller.backend->SetDeletionProtected(ref, body["deletionProtected"].get<bool>()));
         return NoContent();
       })});

  // Clone = create + the source's decrypted definition saved in the target
  // (ciphertext is bound to its environment, so it is re-encrypted). With
  // preserveHistory every revision up to the cloned one is replayed, so the
  // numbers match; preserveRevisionTags then copies the tags (without
  // history, only those on the cloned revision, moved to the copy). Access
  // here is by token scope patterns, so preserveAccess has nothing to copy
  // and is refused rather than ignored.
  routes->push_back(
      {"POST", P("/clone"), Authed([](Call& c) -> absl::StatusOr<http::Response> {
         ASSIGN_OR_RETURN(api::EnvironmentRef src, RefFrom(c.req));
         ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(c.req.body, "clone environment"));
         ASSIGN_OR_RETURN(std::string name, StringField(body, "name", "clone environment"));
         std::string project = src.project;
         if (body.contains("project")) {
           ASSIGN_OR_RETURN(project, StringField(body, "project", "clone environment"));
         }
         int64_t version = 0;
         if (body.contains("version")) {
           if (!body["version"].is_number_integer() || body["version"].get<int64_t>() <= 0) {
             return absl::InvalidArgumentError(
                 "clone environment: field \"version\" must be a positive revision number");
           }
           version = body["version"].get<int64_t>();
         }
         ASSIGN_OR_RETURN(bool keep_tags,
                          BoolField(body, "preserveEnvironmentTags", false, "clone environment"));
         ASSIGN_OR_RETURN(bool keep_history,
                          BoolField(body, "preserveHistory", false, "clone environment"));
         ASSIGN_OR_RETURN(bool keep_revision_tags,
                          BoolField(body, "preserveRevisionTags", false, "clone environment"));
         ASSIGN_OR_RETURN(bool keep_access,
                          BoolField(body, "preserveAccess", false, "clone environment"));
         if (keep_access) {
           return absl::InvalidArgumentError(
               "clone environment: preserveAccess is not supported here: access is granted by "
               "token scopes (environment patterns), not per environment");
         }
         http::Request named = c.req;
         named.captures = {src.organization, project, name};
         ASSIGN_OR_RETURN(api::EnvironmentRef dst, RefFrom(named));
         backend::Backend& b = *c.caller.backend;
         ASSIGN_OR_RETURN(api::EnvironmentInfo info, b.GetEnvironment(src));
         if (version == 0) version = info.latest_revision;
         if (version > info.latest_revision) {
           return absl::NotFoundError(
               absl::StrCat("environment ", src.ToString(), " has no revision ", version));
         }
         // What to replay: every revision after the empty first one, or the
         // cloned one alone.
         std::vector<int64_t> replay;
         for (int64_t n = keep_history ? 2 : version; n <= version; ++n) replay.push_back(n);
         std::vector<api::EnvironmentTag> tags;
         if (keep_tags) {
           ASSIGN_OR_RETURN(tags, b.ListEnvironmentTags(src));
         }
         std::vector<api::RevisionTag> revision_tags;
         if (keep_revision_tags) {
           ASSIGN_OR_RETURN(revision_tags, b.ListRevisionTags(src));
         }
         RETURN_IF_ERROR(b.CreateEnvironment(dst).status());
         absl::Status copied = absl::OkStatus();
         int64_t last = 1;
         for (int64_t n : replay) {
           absl::StatusOr<backend::Definition> def = b.GetDefinition(src, absl::StrCat(n), true);
           if (!def.ok()) {
             copied = def.status();
             break;
           }
           if (def->yaml.empty() && !keep_history) break;
           absl::StatusOr<backend::NewRevision> res =
               b.UpdateDefinition(dst, def->yaml, std::nullopt);
           if (!res.ok()) {
             copied = res.status();
             break;
           }
           last = res->revision;
         }
         if (copied.ok() && !tags.empty()) {
           std::map<std::string, std::string> m;
           for (const auto& t : tags) m[t.name] = t.value;
           copied = b.SetEnvironmentTags(dst, m);
         }
         for (const api::RevisionTag& t : revision_tags) {
           if (!copied.ok()) break;
           if (t.name == "latest") continue;
           if (keep_history && t.revision <= version) {
             copied = b.CreateRevisionTag(dst, t.name, t.revision).status();
           } else if (!keep_history && t.revision == version) {
             copied = b.CreateRevisionTag(dst, t.name, last).status();
           }
         }
         if (!copied.ok()) {
           // Nothing half-made stays behind.
           b.DeleteEnvironment(dst).IgnoreError();
           return copied;
         }
         return NoContent();
       })});

  for (const std::string versioned : {"", "/versions/([^/]+)"}) {
    routes->push_back(
        {"GET", P(versioned + "/decrypt"), Authed([](Call& c) -> absl::StatusOr<http::Response> {
           ASSIGN_OR_RETURN(api::EnvironmentRef ref, RefFrom(c.req));
           std::string version = c.req.captures.size() > 3 ? c.req.captures[3] : "";
           ASSIGN_OR_RETURN(backend::Definition def,
                            c.caller.backend->GetDefinition(ref, version, true));
           return Yaml(def);
         })});
    // Our extension: the check of a stored environment (or revision), with
    // the permissions of reading it rather than of checking arbitrary YAML
    // (which needs access to everything it imports).
    routes->push_back(
        {"GET", P(versioned + "/check"), Authed([](Call& c) -> absl::StatusOr<http::Response> {
           ASSIGN_OR_RETURN(api::EnvironmentRef ref, RefFrom(c.req));
           std::string version = c.req.captures.size() > 3 ? c.req.captures[3] : "";
           ASSIGN_OR_RETURN(bool show, BoolQuery(c.req, "showSecrets"));
           absl::StatusOr<backend::Evaluation> checked =
               c.caller.backend->CheckEnvironment(ref, version, show);
           std::string definition = checked.ok() ? checked->definition : "";
           ASSIGN_OR_RETURN(http::Response res, CheckResponse(std::move(checked), show));
           // With showSecrets, also the decrypted definition: one request, one
           // audited decryption.
           if (show && res.status == 200 && !definition.empty()) {
             nlohmann::json body = nlohmann::json::parse(res.body);
             body["definition"] = std::move(definition);
             res = Json(200, body);
           }
           return res;
         })});
    routes->push_back(
        {"POST", P(versioned + "/open"), Authed([this](Call& c) -> absl::StatusOr<http::Response> {
           ASSIGN_OR_RETURN(api::EnvironmentRef ref, RefFrom(c.req));
           std::string version = c.req.captures.size() > 3 ? c.req.captures[3] : "";
           ASSIGN_OR_RETURN(absl::Duration ttl, OpenDuration(c.req));
           ASSIGN_OR_RETURN(backend::Evaluation opened,
                            c.caller.backend->OpenEnvironment(ref, version));
           std::string id = sessions_.Add(c.caller.id, ref, std::move(opened.root), ttl);
           return Json(200, {{"id", id}});
         })});
  }

  // `open//{id}` (the SDK's property read) and `open/{id}`.
  routes->push_back(
      {"GET", P("/open/+([^/]+)"), Authed([this](Call& c) -> absl::StatusOr<http::Response> {
         ASSIGN_OR_RETURN(api::EnvironmentRef ref, RefFrom(c.req));
         ASSIGN_OR_RETURN(esc::ValuePtr root, sessions_.Get(c.req.captures[3], c.caller.id, ref));
         std::optional<std::string> property = c.req.Query("property");
         if (!property.has_value())
           return Json(200, EnvironmentJson(*root, /*reveal_secrets=*/true));
         ASSIGN_OR_RETURN(esc::ValuePtr v, esc::ValueAtPath(root, *property));
         return Json(200, esc::ToDetailedJson(*v));
       })});

  // After the revision tag routes (Routes() orders them) so that
  // "versions/tags" is not read as the version "tags".
  routes->push_back(
      {"GET", P("/versions/([^/]+)"), Authed([](Call& c) -> absl::StatusOr<http::Response> {
         ASSIGN_OR_RETURN(api::EnvironmentRef ref, RefFrom(c.req));
         ASSIGN_OR_RETURN(backend::Definition def,
                          c.caller.backend->GetDefinition(ref, c.req.captures[3], false));
         return Yaml(def);
       })});

  routes->push_back(
      {"GET", P("/versions"), Authed([this](Call& c) -> absl::StatusOr<http::Response> {
         ASSIGN_OR_RETURN(api::EnvironmentRef ref, RefFrom(c.req));
         ASSIGN_OR_RETURN(int count, CountParam(c.req.Query("count"), options_.max_page,
                                                options_.max_page, "count"));
         int64_t before = 0;
         if (std::optional<std::string> b = c.req.Query("before"); b.has_value() && !b->empty()) {
           if (!absl::SimpleAtoi(*b, &before) || before <= 0) {
             return absl::InvalidArgumentError(
                 absl::StrCat("query parameter before must be a positive revision number, got \"",
                              util::Echo(*b, 40), "\""));
           }
         }
         ASSIGN_OR_RETURN(std::vector<api::RevisionInfo> revs,
                          c.caller.backend->ListRevisions(ref));
         nlohmann::json revisions = nlohmann::json::array();
         for (const auto& rev : revs) {  // newest first
           if (before > 0 && rev.number >= before) continue;
           if (static_cast<int>(revisions.size()) == count) break;
           revisions.push_back(RevisionJson(rev));
         }
         return Json(200, revisions);
       })});
}

}  // namespace escnative::rest
