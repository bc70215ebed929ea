#include "provider/resources/environment_version_tag.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "provider/resources/env_ref.h"
#include "provider/resources/resource_util.h"
#include "provider/resources/schema_resource.h"
#include "provider/util/status_macros.h"

namespace escnative::resources {
namespace {

constexpr char kToken[] = "esc:index:EnvironmentVersionTag";

const ResourceSchema& Schema() { return *PackageSchema::Get().FindResource(kToken); }

class VersionTagResource final : public CustomResource {
 public:
  explicit VersionTagResource(const ProviderContext* ctx) : ctx_(ctx) {}
  absl::string_view token() const override { return kToken; }

  absl::StatusOr<CheckResult> Check(const CallContext&, const CheckRequest& req) override {
    CheckResult r = SchemaCheck(Schema(), req);
    if (!r.failures.empty()) return r;
    auto b = ctx_->backend();
    CanonicalizeEnvironmentInput(b.ok() ? *b : nullptr, "environment", &r);
    if (auto name = StringInput(r.inputs, "tagName"); name.has_value()) {
      if (name->empty() || absl::ascii_isdigit((*name)[0])) {
        r.failures.push_back({"tagName", "a tag name must not be empty or start with a digit "
                                         "(those are revision numbers)"});
      } else if (*name == "latest") {
        r.failures.push_back({"tagName", "\"latest\" is built in and always points at the newest "
                                         "revision"});
      }
    }
    if (auto rev = NumberInput(r.inputs, "revision"); rev.has_value() && *rev < 1) {
      r.failures.push_back({"revision", "expected a revision number of 1 or more"});
    }
    return r;
  }

  absl::StatusOr<DiffResult> Diff(const CallContext&, const DiffRequest& req) override {
    return SchemaDiff(Schema(), req);
  }

  absl::StatusOr<CreateResult> Create(const CallContext&, const CreateRequest& req) override {
    CreateResult out;
    out.outputs = req.properties;
    if (req.preview) {
      if (!req.properties.count("revision")) {
        out.outputs["revision"] = PropertyValue::MakeUnknown(UnknownType::kNumber);
      }
      return out;
    }
    ASSIGN_OR_RETURN(backend::Backend * b, ctx_->backend());
    std::string env = StringInput(req.properties, "environment").value_or("");
    std::string name = StringInput(req.properties, "tagName").value_or("");
    ASSIGN_OR_RETURN(backend::EnvironmentRef ref, ParseCanonicalRef(b, env, "environment"));
    std::optional<int64_t> revision;
    if (auto r = NumberInput(req.properties, "revision"); r.has_value()) {
      revision = static_cast<int64_t>(*r);
    }
    auto tag = b->CreateRevisionTag(ref, name, revision);
    const std::string id = absl::StrCat(env, "@", name);
    if (absl::IsAlreadyExists(tag.status())) {
      return absl::AlreadyExistsError(absl::StrCat(
          "environment ", env, " already has a tag \"", name, "\"; to manage it with this "
          "program, import it: pulumi import ", kToken, " ", NameFromUrn(req.urn), " ", id));
    }
    if (absl::IsNotFound(tag.status())) {
      if (absl::IsNotFound(b->GetEnvironment(ref).status())) return MissingEnvironmentError(ref);
      return absl::NotFoundError(absl::StrCat("environment ", env, " has no revision ",
                                              revision.value_or(0), " to tag"));
    }
    if (!tag.ok()) return Annotate(tag.status(), absl::StrCat("creating tag ", id));
    out.id = id;
    out.outputs["revision"] = static_cast<double>(tag->revision);
    return out;
  }

  absl::StatusOr<ReadResult> Read(const CallContext&, const ReadRequest& req) override {
    ASSIGN_OR_RETURN(backend::Backend * b, ctx_->backend());
    size_t at = req.id.rfind('@');
    if (at == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "\"", req.id, "\" is not a tag id; expected <organization/project/name>@<tag>"));
    }
    ASSIGN_OR_RETURN(backend::EnvironmentRef ref,
                     ParseCanonicalRef(b, req.id.substr(0, at), "environment"));
    std::string name = req.id.substr(at + 1);
    auto tag = b->GetRevisionTag(ref, name);
    if (absl::IsNotFound(tag.status())) return ReadResult{};
    if (!tag.ok()) return Annotate(tag.status(), absl::StrCat("reading tag ", req.id));
    PropertyMap in;
    in["environment"] = RefString(ref);
    in["tagName"] = name;
    // A program that let the revision default keeps it unset; drift in the
    // tag's target then shows in the outputs.
    if (!req.inputs.has_value() || req.inputs->count("revision")) {
      in["revision"] = static_cast<double>(tag->revision);
    }
    ReadResult r;
    r.id = absl::StrCat(RefString(ref), "@", name);
    PropertyMap outputs = in;
    outputs["revision"] = static_cast<double>(tag->revision);
    r.outputs = std::move(outputs);
    r.inputs = std::move(in);
    return r;
  }

  absl::StatusOr<UpdateResult> Update(const CallContext&, const UpdateRequest& req) override {
    UpdateResult out;
    out.outputs = req.news;
    auto revision = NumberInput(req.news, "revision");
    if (req.preview) {
      if (!revision.has_value()) out.outputs["revision"] = PropertyValue::MakeUnknown(UnknownType::kNumber);
      return out;
    }
    ASSIGN_OR_RETURN(backend::Backend * b, ctx_->backend());
    std::string env = StringInput(req.news, "environment").value_or("");
    std::string name = StringInput(req.news, "tagName").value_or("");
    ASSIGN_OR_RETURN(backend::EnvironmentRef ref, ParseCanonicalRef(b, env, "environment"));
    if (!revision.has_value()) {
      // Revision dropped from the program: the tag stays where it is.
      auto tag = b->GetRevisionTag(ref, name);
      if (absl::IsNotFound(tag.status())) {
        return absl::NotFoundError(absl::StrCat("the tag \"", name, "\" of environment ", env,
                                                " was deleted; run `pulumi refresh`"));
      }
      if (!tag.ok()) return Annotate(tag.status(), absl::StrCat("reading tag ", env, "@", name));
      out.outputs["revision"] = static_cast<double>(tag->revision);
      return out;
    }
    auto tag = b->UpdateRevisionTag(ref, name, static_cast<int64_t>(*revision));
    if (absl::IsNotFound(tag.status())) {
      return absl::NotFoundError(absl::StrCat("environment ", env, " has no revision ",
                                              static_cast<int64_t>(*revision), " (or the tag \"",
                                              name, "\" was deleted; run `pulumi refresh`)"));
    }
    if (!tag.ok()) return Annotate(tag.status(), absl::StrCat("moving tag ", env, "@", name));
    out.outputs["revision"] = static_cast<double>(tag->revision);
    return out;
  }

  absl::Status Delete(const CallContext&, const DeleteRequest& req) override {
    ASSIGN_OR_RETURN(backend::Backend * b, ctx_->backend());
    size_t at = req.id.rfind('@');
    if (at == std::string::npos) return absl::OkStatus();
    auto ref = ParseCanonicalRef(b, req.id.substr(0, at), "environment");
    if (!ref.ok()) return absl::OkStatus();
    absl::Status s = b->DeleteRevisionTag(*ref, req.id.substr(at + 1));
    if (absl::IsNotFound(s)) return absl::OkStatus();
    return Annotate(s, absl::StrCat("deleting tag ", req.id));
  }

 private:
  const ProviderContext* const ctx_;
};

}  // namespace

std::unique_ptr<CustomResource> NewEnvironmentVersionTagResource(const ProviderContext* ctx) {
  return std::make_unique<VersionTagResource>(ctx);
}

}  // namespace escnative::resources
