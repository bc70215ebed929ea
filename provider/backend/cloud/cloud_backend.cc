// CloudBackend: connection, error mapping, environments, definitions,
// checks and opens. Revisions, tags and tokens: cloud_tags_tokens.cc.
#include "provider/api/names.h"
#include "provider/backend/cloud/cloud_backend.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "provider/backend/cloud/cloud_util.h"
#include "provider/backend/ref.h"
#include "provider/rest/wire.h"
#include "provider/util/echo.h"
#include "provider/util/status_macros.h"
#include "provider/version.h"

namespace escnative::backend {

using cloud::JsonBody;
using cloud::Query;

CloudBackend::CloudBackend(CloudBackendOptions options, std::unique_ptr<http::Client> client)
    : options_(std::move(options)), client_(std::move(client)) {}

absl::StatusOr<std::unique_ptr<CloudBackend>> CloudBackend::Create(CloudBackendOptions options) {
  if (options.token.empty()) {
    return absl::UnauthenticatedError("the cloud backend needs an access token");
  }
  if (!options.organization.empty()) {
    RETURN_IF_ERROR(api::ValidateOrganizationName(options.organization, "the organization setting"));
  }
  if (options.http.user_agent.empty()) {
    options.http.user_agent = absl::StrCat("pulumi-esc-native/", kProviderVersion);
  }
  ASSIGN_OR_RETURN(std::unique_ptr<http::Client> client,
                   http::Client::Create(options.url, options.http));
  return std::unique_ptr<CloudBackend>(new CloudBackend(std::move(options), std::move(client)));
}

std::string CloudBackend::Describe() const {
  return absl::StrCat("ESC REST API at ", client_->base_url());
}

absl::StatusOr<http::ClientResponse> CloudBackend::Send(const Call& call) const {
  http::ClientRequest req;
  req.method = call.method;
  req.path = call.path;
  req.body = call.body;
  req.repeatable = call.repeatable;
  req.headers = call.headers;
  req.headers.emplace_back("Authorization", absl::StrCat("token ", options_.token));
  req.headers.emplace_back("Accept", "application/vnd.pulumi+8");
  if (!call.content_type.empty()) req.headers.emplace_back("Content-Type", call.content_type);
  absl::StatusOr<http::ClientResponse> res = client_->Send(req);
  if (!res.ok()) {
    return absl::Status(res.status().code(), absl::StrCat(call.what, ": ", res.status().message()));
  }
  if (res->status >= 200 && res->status < 300) return res;
  return cloud::ErrorFor(*res, call.what, call.conflict);
}

absl::StatusOr<std::string> CloudBackend::DefaultOrganization() const {
  if (!options_.organization.empty()) return options_.organization;
  std::lock_guard<std::mutex> lock(org_mu_);
  if (!default_org_.empty()) return default_org_;
  Call c{"finding the access token's default organization"};
  c.path = std::string(rest::kDefaultOrganizationPath);
  c.repeatable = true;
  ASSIGN_OR_RETURN(http::ClientResponse res, Send(c));
  ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(res, c.what));
  // Pulumi Cloud spells it gitHubLogin; accept githubLogin too.
  std::string org;
  for (const char* k : {"gitHubLogin", "githubLogin"}) {
    if (body.is_object() && body.contains(k) && body[k].is_string()) org = body[k];
  }
  if (org.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(c.what, ": the server named none; set the organization explicitly"));
  }
  RETURN_IF_ERROR(api::ValidateOrganizationName(org, "the server's default organization"));
  default_org_ = org;
  return org;
}

absl::StatusOr<std::pair<EnvironmentRef, std::string>> CloudBackend::ParseRef(
    absl::string_view text) const {
  // Only a reference that lacks the organization needs the default.
  std::string org = options_.organization;
  if (org.empty()) {
    size_t slashes = 0;
    for (char ch : text.substr(0, text.find_first_of("@:"))) slashes += ch == '/';
    if (slashes < 2) {
      ASSIGN_OR_RETURN(org, DefaultOrganization());
    } else {
      org = "organization";  // replaced by the reference's own
    }
  }
  ASSIGN_OR_RETURN(ParsedRef parsed, ParseEnvironmentRef(text, org, options_.project));
  return std::make_pair(std::move(parsed.ref), std::move(parsed.version));
}

// --- environments ----------------------------------------------------------------

absl::StatusOr<EnvironmentInfo> CloudBackend::CreateEnvironment(const EnvironmentRef& ref) {
  Call c{absl::StrCat("creating environment ", ref.ToString()), "POST",
         rest::OrganizationPath(ref.organization)};
  c.body = nlohmann::json{{"project", ref.project}, {"name", ref.name}}.dump();
  c.content_type = "application/json";
  c.conflict = absl::StatusCode::kAlreadyExists;
  RETURN_IF_ERROR(Send(c).status());
  return GetEnvironment(ref);
}

absl::StatusOr<EnvironmentInfo> CloudBackend::GetEnvironment(const EnvironmentRef& ref) {
  // HEAD gives the etag and revision; the listing the times and protection.
  Call head{absl::StrCat("reading environment ", ref.ToString()), "HEAD",
            rest::EnvironmentPath(ref)};
  head.repeatable = true;
  ASSIGN_OR_RETURN(http::ClientResponse res, Send(head));
  EnvironmentInfo info;
  info.ref = ref;
  info.etag = rest::UnquoteEtag(res.Header("ETag"));
  ASSIGN_OR_RETURN(info.latest_revision, cloud::RevisionHeader(res, head.what));
  ASSIGN_OR_RETURN(std::vector<EnvironmentInfo> listed,
                   ListEnvironments(ref.organization, ref.project));
  for (const auto& e : listed) {
    if (e.ref.name != ref.name) continue;
    info.created = e.created;
    info.modified = e.modified;
    info.deletion_protected = e.deletion_protected;
  }
  return info;
}

absl::StatusOr<std::vector<EnvironmentInfo>> CloudBackend::ListEnvironments(
    absl::string_view organization, absl::string_view project) {
  std::string org(organization);
  if (org.empty()) {
    ASSIGN_OR_RETURN(org, DefaultOrganization());
  }
  RETURN_IF_ERROR(api::ValidateOrganizationName(org, "listing environments"));
  std::vector<EnvironmentInfo> out;
  std::string token;
  for (int page = 0; page < 10000; ++page) {
    Call c{absl::StrCat("listing environments of ", org)};
    c.path = rest::OrganizationPath(org) + Query({{"continuationToken", token}});
    c.repeatable = true;
    ASSIGN_OR_RETURN(http::ClientResponse res, Send(c));
    ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(res, c.what));
    if (!body.is_object() || !body.contains("environments") || !body["environments"].is_array()) {
      return cloud::Unexpected(c.what, "an object with an \"environments\" array");
    }
    for (const auto& e : body["environments"]) {
      absl::StatusOr<EnvironmentInfo> info = rest::OrgEnvironmentFromJson(e);
      if (!info.ok()) return cloud::Unexpected(c.what, info.status().message());
      if (info->ref.organization.empty()) info->ref.organization = org;
      if (!project.empty() && info->ref.project != project) continue;
      out.push_back(*std::move(info));
    }
    token = body.contains("nextToken") && body["nextToken"].is_string()
                ? body["nextToken"].get<std::string>()
                : "";
    if (token.empty()) return out;
  }
  return cloud::Unexpected(absl::StrCat("listing environments of ", org), "a listing that ends");
}

absl::Status CloudBackend::DeleteEnvironment(const EnvironmentRef& ref) {
  Call c{absl::StrCat("deleting environment ", ref.ToString()), "DELETE",
         rest::EnvironmentPath(ref)};
  c.repeatable = true;
  c.conflict = absl::StatusCode::kFailedPrecondition;  // deletion protected
  return Send(c).status();
}

absl::Status CloudBackend::SetDeletionProtected(const EnvironmentRef& ref, bool is_protected) {
  Call c{absl::StrCat(is_protected ? "protecting" : "unprotecting", " environment ", ref.ToString(),
                      " from deletion"),
         "PATCH", rest::EnvironmentPath(ref) + "/settings"};
  c.body = nlohmann::json{{"deletionProtected", is_protected}}.dump();
  c.content_type = "application/json";
  return Send(c).status();
}

// --- definitions -----------------------------------------------------------------

absl::StatusOr<Definition> CloudBackend::GetDefinition(const EnvironmentRef& ref,
                                                       absl::string_view version, bool decrypt) {
  RETURN_IF_ERROR(api::ValidateVersion(version, ref.ToString()));
  std::string path = rest::EnvironmentPath(ref);
  if (!version.empty()) absl::StrAppend(&path, "/versions/", rest::PercentEncode(version));
  if (decrypt) path += "/decrypt";
  Call c{absl::StrCat(decrypt ? "decrypting" : "reading", " the definition of ", ref.ToString(),
                      version.empty() ? "" : "@", util::Echo(std::string(version), 64)),
         "GET", path};
  c.repeatable = true;
  ASSIGN_OR_RETURN(http::ClientResponse res, Send(c));
  Definition def;
  def.yaml = std::move(res.body);
  def.etag = rest::UnquoteEtag(res.Header("ETag"));
  ASSIGN_OR_RETURN(def.revision, cloud::RevisionHeader(res, c.what));
  return def;
}

absl::StatusOr<NewRevision> CloudBackend::UpdateDefinition(const EnvironmentRef& ref,
                                                            absl::string_view yaml,
                                                            std::optional<std::string> etag) {
  Call c{absl::StrCat("updating environment ", ref.ToString()), "PATCH",
         rest::EnvironmentPath(ref)};
  c.body = std::string(yaml);
  c.content_type = std::string(rest::kYamlContentType);
  if (etag.has_value()) {
    c.headers.emplace_back("ETag", *etag);
    c.repeatable = true;  // a repeat after success is refused as stale, never applied twice
  }
  ASSIGN_OR_RETURN(http::ClientResponse res, Send(c));
  NewRevision out;
  ASSIGN_OR_RETURN(out.revision, cloud::RevisionHeader(res, c.what));
  if (!res.body.empty()) {
    ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(res, c.what));
    if (body.is_object() && body.contains("diagnostics")) {
      out.warnings = rest::DiagnosticsFromJson(body["diagnostics"]);
    }
  }
  out.etag = rest::UnquoteEtag(res.Header("ETag"));
  if (out.etag.empty()) {
    ASSIGN_OR_RETURN(EnvironmentInfo info, GetEnvironment(ref));
    out.etag = info.etag;
  }
  return out;
}

absl::StatusOr<Evaluation> CloudBackend::CheckEnvironment(const EnvironmentRef& ref,
                                                          absl::string_view version,
                                                          bool show_secrets) {
  // escctl serve's `E/check` checks with the permission to read the
  // environment; the portable way (its text through yaml/check) needs access
  // to everything it imports. A 404 is a missing environment or a server
  // without the route: the portable way tells which.
  if (!no_check_route_.load(std::memory_order_relaxed)) {
    RETURN_IF_ERROR(api::ValidateVersion(version, ref.ToString()));
    std::string path = rest::EnvironmentPath(ref);
    if (!version.empty()) absl::StrAppend(&path, "/versions/", rest::PercentEncode(version));
    Call c{absl::StrCat("checking environment ", ref.ToString()), "GET",
           absl::StrCat(path, "/check", show_secrets ? "?showSecrets=true" : "")};
    c.repeatable = true;
    absl::StatusOr<http::ClientResponse> res = Send(c);
    if (res.ok()) {
      ASSIGN_OR_RETURN(Evaluation checked, CheckResult(*res, c.what));
      if (show_secrets && checked.definition.empty()) {
        ASSIGN_OR_RETURN(Definition def, GetDefinition(ref, version, true));
        checked.definition = std::move(def.yaml);
      }
      return checked;
    }
    if (!absl::IsNotFound(res.status())) return res.status();
  }
  ASSIGN_OR_RETURN(Definition def, GetDefinition(ref, version, show_secrets));
  no_check_route_.store(true, std::memory_order_relaxed);  // it exists: no route
  ASSIGN_OR_RETURN(Evaluation checked, CheckDefinition(ref, def.yaml, show_secrets));
  if (show_secrets) checked.definition = std::move(def.yaml);
  return checked;
}

absl::StatusOr<Evaluation> CloudBackend::CheckResult(const http::ClientResponse& res,
                                                     absl::string_view what) {
  ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(res, what));
  absl::StatusOr<esc::ValuePtr> root = rest::EnvironmentFromJson(body);
  if (!root.ok()) return cloud::Unexpected(what, root.status().message());
  Evaluation out;
  out.root = *std::move(root);
  if (body.contains("diagnostics"))
    out.diagnostics = rest::DiagnosticsFromJson(body["diagnostics"]);
  if (auto d = body.find("definition"); d != body.end() && d->is_string()) {
    out.definition = d->get<std::string>();
  }
  return out;
}

absl::StatusOr<Evaluation> CloudBackend::CheckDefinition(const EnvironmentRef& ref,
                                                         absl::string_view yaml,
                                                         bool show_secrets) {
  Call c{absl::StrCat("checking a definition for ", ref.ToString()), "POST",
         // project/environment: escctl serve's extension (diagnostics then name the
         // environment); other servers ignore unknown query parameters.
         absl::StrCat(rest::OrganizationPath(ref.organization), "/yaml/check?project=",
                      rest::PercentEncode(ref.project), "&environment=",
                      rest::PercentEncode(ref.name), show_secrets ? "&showSecrets=true" : "")};
  c.body = std::string(yaml);
  c.content_type = std::string(rest::kYamlContentType);
  c.repeatable = true;  // a POST that only reads (no write to repeat)
  ASSIGN_OR_RETURN(http::ClientResponse res, Send(c));
  return CheckResult(res, c.what);
}

absl::StatusOr<Evaluation> CloudBackend::OpenEnvironment(const EnvironmentRef& ref,
                                                         absl::string_view version) {
  RETURN_IF_ERROR(api::ValidateVersion(version, ref.ToString()));
  std::string base = rest::EnvironmentPath(ref);
  if (!version.empty()) absl::StrAppend(&base, "/versions/", rest::PercentEncode(version));
  Call open{absl::StrCat("opening environment ", ref.ToString(), version.empty() ? "" : "@",
                         util::Echo(std::string(version), 64)),
            "POST", base + "/open"};
  ASSIGN_OR_RETURN(http::ClientResponse opened, Send(open));
  ASSIGN_OR_RETURN(nlohmann::json session, JsonBody(opened, open.what));
  if (!session.is_object() || !session.contains("id") || !session["id"].is_string() ||
      session["id"].get<std::string>().empty()) {
    return cloud::Unexpected(open.what, "an object with a non-empty \"id\"");
  }
  Call read{open.what, "GET",
            absl::StrCat(rest::EnvironmentPath(ref), "/open/",
                         rest::PercentEncode(session["id"].get<std::string>()))};
  read.repeatable = true;
  ASSIGN_OR_RETURN(http::ClientResponse values, Send(read));
  ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(values, read.what));
  absl::StatusOr<esc::ValuePtr> root = rest::EnvironmentFromJson(body);
  if (!root.ok()) return cloud::Unexpected(read.what, root.status().message());
  Evaluation out;
  out.root = *std::move(root);
  return out;
}

}  // namespace escnative::backend
