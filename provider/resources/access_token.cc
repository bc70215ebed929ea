#include "provider/resources/access_token.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "provider/resources/resource_util.h"
#include "provider/resources/schema_resource.h"
#include "provider/util/duration.h"
#include "provider/util/echo.h"
#include "provider/util/status_macros.h"

namespace escnative::resources {
namespace {

constexpr char kToken[] = "esc:index:AccessToken";

const ResourceSchema& Schema() { return *PackageSchema::Get().FindResource(kToken); }

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_sec, t, absl::UTCTimeZone());
}

std::optional<absl::Time> ParseRfc3339(const std::string& s) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, s, &t, &err)) return std::nullopt;
  return t;
}

bool IsLowerHex(absl::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// 32 lower-case hex digits (our store's ids) or a UUID (Pulumi Cloud's).
bool IsTokenId(absl::string_view id) {
  if (id.size() == 32) return IsLowerHex(id);
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-' : !absl::ascii_isxdigit(static_cast<unsigned char>(id[i]))) {
      return false;
    }
  }
  return true;
}

class AccessTokenResource final : public CustomResource {
 public:
  AccessTokenResource(const ProviderContext* ctx, const store::Clock* clock)
      : ctx_(ctx), clock_(clock) {}
  absl::string_view token() const override { return kToken; }

  absl::StatusOr<CheckResult> Check(const CallContext&, const CheckRequest& req) override {
    CheckResult r = SchemaCheck(Schema(), req);
    if (!r.failures.empty()) return r;
    PropertyMap& in = r.inputs;
    auto kind = StringInput(in, "kind");
    if (kind == "environment") {
      const PropertyValue* scopes = Find(in, "scopes");
      if (scopes == nullptr || (scopes->Plain().IsArray() && scopes->Plain().AsArray().empty())) {
        r.failures.push_back({"scopes",
                              "an environment token needs at least one scope, e.g. "
                              "{environment: \"myorg/default/dev\", permission: \"read\"}"});
      } else if (scopes->Plain().IsArray()) {
        auto config = ctx_->config();
        PropertyArray qualified;
        for (size_t i = 0; i < scopes->Plain().AsArray().size(); ++i) {
          PropertyValue scope = scopes->Plain().AsArray()[i];
          if (scope.IsObject()) {
            auto env = StringInput(scope.AsObject(), "environment");
            if (env.has_value()) {
              std::vector<std::string> parts = absl::StrSplit(*env, '/');
              if (parts.size() > 3 || env->empty() ||
                  std::any_of(parts.begin(), parts.end(),
                              [](const std::string& p) { return p.empty(); })) {
                r.failures.push_back({absl::StrCat("scopes[", i, "].environment"),
                                      "expected an environment reference or pattern such as "
                                      "myorg/default/dev or myorg/default/*"});
              } else if (config.has_value()) {
                // Qualify short references with the provider's defaults.
                std::string full = *env;
                if (parts.size() == 1) full = absl::StrCat(config->project, "/", full);
                if (parts.size() <= 2) full = absl::StrCat(config->organization, "/", full);
                scope.AsObject()["environment"] = full;
              }
            }
          }
          qualified.push_back(std::move(scope));
        }
        in["scopes"] = PropertyValue(std::move(qualified));
      }
    } else if (kind.has_value() && Find(in, "scopes") != nullptr) {
      r.failures.push_back(
          {"scopes",
           absl::StrCat("scopes apply to `environment` tokens only, not ", *kind, " tokens")});
    }
    if (kind == "team" && !StringInput(in, "team").has_value() && !IsUnknownInput(in, "team")) {
      r.failures.push_back({"team", "a team token needs `team`"});
    }
    // Neither backend passes `admin` on (AccessTokenSpec has no such field
    // yet): refuse it rather than make a token weaker than asked for.
    if (BoolInput(in, "admin") == true) {
      r.failures.push_back({"admin",
                            "tokens with admin rights are not supported yet; remove `admin: "
                            "true` (a token would be made without them)"});
    }
    if (Find(in, "expiresIn") != nullptr && Find(in, "expiresAt") != nullptr) {
      r.failures.push_back({"expiresAt", "give `expiresIn` or `expiresAt`, not both"});
    }
    for (const char* key : {"expiresIn", "rotateBefore"}) {
      if (auto d = StringInput(in, key); d.has_value()) {
        auto parsed = util::ParsePositiveDuration(*d);
        if (!parsed.ok()) r.failures.push_back({key, std::string(parsed.status().message())});
      }
    }
    if (auto t = StringInput(in, "expiresAt"); t.has_value() && !ParseRfc3339(*t)) {
      r.failures.push_back({"expiresAt", "expected an RFC 3339 time such as 2027-01-31T00:00:00Z"});
    }
    return r;
  }

  absl::StatusOr<DiffResult> Diff(const CallContext&, const DiffRequest& req) override {
    DiffResult d = SchemaDiff(Schema(), req);
    // Rotation: inside the window (or already expired) the token is replaced.
    auto rotate = StringInput(req.news, "rotateBefore");
    auto expires = StringInput(req.olds, "expiresAt");
    if (rotate.has_value() && expires.has_value() && !expires->empty()) {
      auto window = util::ParsePositiveDuration(*rotate);
      auto at = ParseRfc3339(*expires);
      if (window.ok() && at.has_value() && *at - clock_->Now() <= *window) {
        d.detailed_diff["expiresAt"] = PropertyDiff{PropertyDiff::Kind::kUpdateReplace, false};
        if (std::find(d.diffs.begin(), d.diffs.end(), "expiresAt") == d.diffs.end()) {
          d.diffs.push_back("expiresAt");
        }
        if (std::find(d.replaces.begin(), d.replaces.end(), "expiresAt") == d.replaces.end()) {
          d.replaces.push_back("expiresAt");
        }
        d.changes = DiffResult::Changes::kSome;
      }
    }
    return d;
  }

  absl::StatusOr<CreateResult> Create(const CallContext&, const CreateRequest& req) override {
    const PropertyMap& in = req.properties;
    CreateResult out;
    out.outputs = in;
    if (req.preview) {
      out.outputs["value"] = PropertyValue::MakeSecret(PropertyValue::MakeUnknown());
      out.outputs["tokenId"] = PropertyValue::MakeUnknown();
      out.outputs["createdAt"] = PropertyValue::MakeUnknown();
      if (!in.count("expiresAt")) out.outputs["expiresAt"] = PropertyValue::MakeUnknown();
      return out;
    }
    ASSIGN_OR_RETURN(backend::Backend * b, ctx_->backend());
    backend::AccessTokenSpec spec;
    spec.kind = StringInput(in, "kind").value_or("environment");
    spec.team = StringInput(in, "team").value_or("");
    spec.name = StringInput(in, "name").value_or("");
    spec.description = StringInput(in, "description").value_or("");
    if (const PropertyValue* scopes = Find(in, "scopes");
        scopes != nullptr && scopes->Plain().IsArray()) {
      for (const auto& s : scopes->Plain().AsArray()) {
        if (!s.Plain().IsObject()) continue;
        backend::TokenScope scope;
        scope.environment = StringInput(s.Plain().AsObject(), "environment").value_or("");
        auto perm =
            api::ParsePermission(StringInput(s.Plain().AsObject(), "permission").value_or(""));
        if (!perm.ok()) return perm.status();
        scope.permission = *perm;
        spec.scopes.push_back(std::move(scope));
      }
    }
    // Create re-validates its inputs (see ValidatingResource), so these
    // parse; a failure here is still an error, never a token without expiry.
    if (auto d = StringInput(in, "expiresIn"); d.has_value()) {
      auto parsed = util::ParsePositiveDuration(*d);
      if (!parsed.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("expiresIn: ", parsed.status().message()));
      }
      spec.expires_at = clock_->Now() + *parsed;
    } else if (auto t = StringInput(in, "expiresAt"); t.has_value()) {
      spec.expires_at = ParseRfc3339(*t);
      if (!spec.expires_at.has_value()) {
        return absl::InvalidArgumentError(
            "expiresAt: expected an RFC 3339 time such as 2027-01-31T00:00:00Z");
      }
    }
    // Whole seconds (as Pulumi Cloud keeps them), so the `expiresAt` output,
    // which Diff's rotation window reads back, is the token's exact expiry.
    if (spec.expires_at.has_value()) {
      spec.expires_at = absl::FromUnixSeconds(absl::ToUnixSeconds(*spec.expires_at));
    }
    auto created = b->CreateAccessToken(spec);
    if (!created.ok()) {
      const bool vowel = spec.kind == "environment" || spec.kind == "organization";
      return Annotate(created.status(), absl::StrCat("creating ", vowel ? "an " : "a ", spec.kind,
                                                     " token on ", b->Describe()));
    }
    out.id = created->token.id;
    std::string value(created->value.Reveal());
    out.outputs["value"] = PropertyValue::MakeSecret(std::move(value));
    FillTokenOutputs(created->token, &out.outputs);
    return out;
  }

  absl::StatusOr<ReadResult> Read(const CallContext& call, const ReadRequest& req) override {
    if (!IsTokenId(req.id)) {
      // Like the other resources: a malformed id (a typo in `pulumi import`)
      // is an error, not "the token is gone".
      return absl::InvalidArgumentError(
          absl::StrCat("\"", util::Echo(req.id),
                       "\" is not an AccessToken id; expected the token's `tokenId`: "
                       "32 lower-case hex digits (local backend) or a UUID (Pulumi Cloud)"));
    }
    ASSIGN_OR_RETURN(backend::Backend * b, ctx_->backend());
    auto token = b->GetAccessToken(req.id);
    if (absl::IsNotFound(token.status())) return ReadResult{};
    if (!token.ok()) return Annotate(token.status(), absl::StrCat("reading token ", req.id));
    // Revoked or expired tokens are gone: the next `pulumi up` makes a new one.
    if (token->revoked_at.has_value() ||
        (token->expires_at.has_value() && *token->expires_at <= clock_->Now())) {
      return ReadResult{};
    }
    PropertyMap in;
    if (req.inputs.has_value()) {
      in = *req.inputs;  // the program's inputs (expiresIn, rotateBefore) stay as written
    } else {
      call.Log(LogSeverity::kWarning,
               absl::StrCat("token ", req.id,
                            " was imported: its value cannot be recovered, so "
                            "`value` stays empty; replace the token to get a usable value"),
               req.urn);
      in["kind"] = token->kind;
      if (!token->team.empty()) in["team"] = token->team;
      if (!token->name.empty()) in["name"] = token->name;
      if (!token->description.empty()) in["description"] = token->description;
      if (!token->scopes.empty()) {
        PropertyArray scopes;
        for (const auto& s : token->scopes) {
          scopes.push_back(
              PropertyMap{{"environment", s.environment},
                          {"permission", std::string(api::PermissionName(s.permission))}});
        }
        in["scopes"] = PropertyValue(std::move(scopes));
      }
      if (token->expires_at.has_value()) in["expiresAt"] = Rfc3339(*token->expires_at);
    }
    ReadResult r;
    r.id = token->id;
    PropertyMap outputs = in;
    if (req.properties.has_value()) {
      if (const PropertyValue* v = Find(*req.properties, "value"); v != nullptr) {
        outputs["value"] = *v;
      }
    }
    FillTokenOutputs(*token, &outputs);
    r.outputs = std::move(outputs);
    r.inputs = std::move(in);
    return r;
  }

  absl::StatusOr<UpdateResult> Update(const CallContext&, const UpdateRequest& req) override {
    // Everything but rotateBefore replaces; an update only records it.
    UpdateResult out;
    out.outputs = req.olds;
    for (const auto& [k, v] : req.news) out.outputs[k] = v;
    if (!req.news.count("rotateBefore")) out.outputs.erase("rotateBefore");
    return out;
  }

  absl::Status Delete(const CallContext&, const DeleteRequest& req) override {
    ASSIGN_OR_RETURN(backend::Backend * b, ctx_->backend());
    absl::Status s = b->RevokeAccessToken(req.id);
    if (absl::IsNotFound(s)) return absl::OkStatus();
    return Annotate(s, absl::StrCat("revoking token ", req.id));
  }

 private:
  static void FillTokenOutputs(const backend::AccessToken& t, PropertyMap* out) {
    (*out)["tokenId"] = t.id;
    (*out)["createdAt"] = Rfc3339(t.created);
    (*out)["expiresAt"] = t.expires_at.has_value() ? Rfc3339(*t.expires_at) : std::string();
    if (t.last_used.has_value()) {
      (*out)["lastUsedAt"] = Rfc3339(*t.last_used);
    } else {
      out->erase("lastUsedAt");
    }
  }

  const ProviderContext* const ctx_;
  const store::Clock* const clock_;
};

}  // namespace

std::unique_ptr<CustomResource> NewAccessTokenResource(const ProviderContext* ctx,
                                                       const store::Clock* clock) {
  return std::make_unique<AccessTokenResource>(ctx, clock);
}

}  // namespace escnative::resources
