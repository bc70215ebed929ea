#include "provider/resources/functions.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "provider/esc/projections.h"
#include "provider/resources/esc_values.h"
#include "provider/resources/input_check.h"
#include "provider/resources/resource_util.h"
#include "provider/resources/package_schema.h"
#include "provider/util/status_macros.h"
#include "provider/value/property_path.h"

namespace escnative::resources {
namespace {

const FunctionSchema& Schema(const char* token) { return *PackageSchema::Get().FindFunction(token); }

// Resolves `environment` (+ optional `version` input or `@version` suffix).
absl::StatusOr<std::pair<backend::EnvironmentRef, std::string>> Target(backend::Backend* b,
                                                                       const PropertyMap& args) {
  std::string env = StringInput(args, "environment").value_or("");
  auto parsed = b->ParseRef(env);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("environment: ", parsed.status().message()));
  }
  if (auto version = StringInput(args, "version"); version.has_value() && !version->empty()) {
    if (!parsed->second.empty() && parsed->second != *version) {
      return absl::InvalidArgumentError(
          "environment names a version and `version` names another; give one");
    }
    parsed->second = *version;
  }
  return *parsed;
}

PropertyValue Entries(const std::vector<esc::EnvironmentEntry>& entries) {
  PropertyMap m;
  for (const auto& e : entries) {
    PropertyValue v = e.unknown ? PropertyValue::MakeUnknown() : PropertyValue(e.value);
    m[e.name] = e.secret ? PropertyValue::MakeSecret(std::move(v)) : std::move(v);
  }
  return PropertyValue(std::move(m));
}

// Validates args against the schema; returns failures or runs `body`.
template <typename Body>
absl::StatusOr<InvokeResult> WithArgs(const char* token, const InvokeRequest& req, Body body) {
  InvokeResult r;
  ValidateObject(Schema(token).inputs, req.args, &r.failures);
  if (!r.failures.empty()) return r;
  ASSIGN_OR_RETURN(r.outputs, body());
  return r;
}

class OpenEnvironment final : public Function {
 public:
  explicit OpenEnvironment(const ProviderContext* ctx) : ctx_(ctx) {}
  absl::string_view token() const override { return "esc:index:openEnvironment"; }
  absl::StatusOr<InvokeResult> Invoke(const CallContext&, const InvokeRequest& req) override {
    return WithArgs("esc:index:openEnvironment", req, [&]() -> absl::StatusOr<PropertyMap> {
      ASSIGN_OR_RETURN(backend::Backend * b, ctx_->backend());
      ASSIGN_OR_RETURN(auto target, Target(b, req.args));
      auto opened = b->OpenEnvironment(target.first, target.second);
      if (!opened.ok()) {
        return Annotate(opened.status(), absl::StrCat("opening ", RefString(target.first)));
      }
      const esc::Value& root = *opened->root;
      PropertyMap out;
      out["values"] = FromEscValue(root);
      out["environmentVariables"] = Entries(esc::EnvironmentVariables(root));
      out["files"] = Entries(esc::Files(root));
      out["pulumiConfig"] = FromEscValue(*esc::PulumiConfig(root));
      return out;
    });
  }

 private:
  const ProviderContext* const ctx_;
};

class GetSecret final : public Function {
 public:
  explicit GetSecret(const ProviderContext* ctx) : ctx_(ctx) {}
  absl::string_view token() const override { return "esc:index:getSecret"; }
  absl::StatusOr<InvokeResult> Invoke(const CallContext&, const InvokeRequest& req) override {
    return WithArgs("esc:index:getSecret", req, [&]() -> absl::StatusOr<PropertyMap> {
      ASSIGN_OR_RETURN(backend::Backend * b, ctx_->backend());
      ASSIGN_OR_RETURN(auto target, Target(b, req.args));
      std::string path_text = StringInput(req.args, "path").value_or("");
      auto path = PropertyPath::Parse(path_text);
      if (!path.ok()) return absl::InvalidArgumentError(absl::StrCat("path: ", path.status().message()));
      auto opened = b->OpenEnvironment(target.first, target.second);
      if (!opened.ok()) {
        return Annotate(opened.status(), absl::StrCat("opening ", RefString(target.first)));
      }
      PropertyValue values = FromEscValue(*opened->root);
      PathLookup found = Lookup(values.Plain().AsObject(), *path);
      if (found.value == nullptr) {
        return absl::NotFoundError(absl::StrCat("environment ", RefString(target.first),
                                                " has no value at ", path_text));
      }
      // Always a secret: the caller asked for a secret by name.
      return PropertyMap{{"value", PropertyValue::MakeSecret(found.value->Plain())}};
    });
  }

 private:
  const ProviderContext* const ctx_;
};

class GetEnvironment final : public Function {
 public:
  explicit GetEnvironment(const ProviderContext* ctx) : ctx_(ctx) {}
  absl::string_view token() const override { return "esc:index:getEnvironment"; }
  absl::StatusOr<InvokeResult> Invoke(const CallContext&, const InvokeRequest& req) override {
    return WithArgs("esc:index:getEnvironment", req, [&]() -> absl::StatusOr<PropertyMap> {
      ASSIGN_OR_RETURN(backend::Backend * b, ctx_->backend());
      ASSIGN_OR_RETURN(auto target, Target(b, req.args));
      const backend::EnvironmentRef& ref = target.first;
      auto info = b->GetEnvironment(ref);
      if (!info.ok()) return Annotate(info.status(), absl::StrCat("reading ", RefString(ref)));
      // Ciphertext only: this result may be shown or logged by the program.
      ASSIGN_OR_RETURN(backend::Definition def, b->GetDefinition(ref, target.second, false));
      ASSIGN_OR_RETURN(auto tags, b->ListEnvironmentTags(ref));
      ASSIGN_OR_RETURN(auto revisions, b->ListRevisions(ref));
      PropertyMap out;
      out["organization"] = ref.organization;
      out["project"] = ref.project;
      out["name"] = ref.name;
      out["revision"] = static_cast<double>(info->latest_revision);
      out["etag"] = info->etag;
      out["definition"] = def.yaml;
      out["deletionProtected"] = info->deletion_protected;
      PropertyMap tag_map;
      for (const auto& t : tags) tag_map[t.name] = t.value;
      out["tags"] = PropertyValue(std::move(tag_map));
      PropertyArray revs;
      for (const auto& r : revisions) {
        PropertyArray rtags;
        for (const auto& t : r.tags) rtags.push_back(t);
        revs.push_back(PropertyMap{
            {"number", static_cast<double>(r.number)},
            {"created", absl::FormatTime(absl::RFC3339_sec, r.created, absl::UTCTimeZone())},
            {"creatorLogin", r.creator},
            {"tags", PropertyValue(std::move(rtags))}});
      }
      out["revisions"] = PropertyValue(std::move(revs));
      return out;
    });
  }

 private:
  const ProviderContext* const ctx_;
};

}  // namespace

std::unique_ptr<Function> NewOpenEnvironmentFunction(const ProviderContext* ctx) {
  return std::make_unique<OpenEnvironment>(ctx);
}
std::unique_ptr<Function> NewGetSecretFunction(const ProviderContext* ctx) {
  return std::make_unique<GetSecret>(ctx);
}
std::unique_ptr<Function> NewGetEnvironmentFunction(const ProviderContext* ctx) {
  return std::make_unique<GetEnvironment>(ctx);
}

}  // namespace escnative::resources
