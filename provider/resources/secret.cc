#include "provider/resources/secret.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "provider/esc/definition_data.h"
#include "provider/resources/definition_json.h"
#include "provider/resources/env_ref.h"
#include "provider/resources/esc_values.h"
#include "provider/resources/resource_util.h"
#include "provider/resources/schema_resource.h"
#include "provider/util/echo.h"
#include "provider/util/status_macros.h"

namespace escnative::resources {
namespace {

using json = nlohmann::ordered_json;

constexpr char kToken[] = "esc:index:Secret";
constexpr int kDeleteAttempts = 3;

const ResourceSchema& Schema() { return *PackageSchema::Get().FindResource(kToken); }

// "secrets.key" or "values.secrets.key" -> the path under `values`.
absl::StatusOr<PropertyPath> ValuesPath(absl::string_view text) {
  ASSIGN_OR_RETURN(PropertyPath p, PropertyPath::Parse(text));
  if (!p.empty() && std::get_if<std::string>(&p.elements()[0]) != nullptr &&
      std::get<std::string>(p.elements()[0]) == "values") {
    p = PropertyPath(
        std::vector<PropertyPath::Element>(p.elements().begin() + 1, p.elements().end()));
  }
  if (p.empty()) return absl::InvalidArgumentError("the path names no value under `values`");
  if (std::get_if<std::string>(&p.elements()[0]) == nullptr) {
    return absl::InvalidArgumentError("the path must start with a property name");
  }
  return p;
}

bool HasControlCharacter(absl::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const unsigned char u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

PropertyPath UnderValues(const PropertyPath& p) {
  std::vector<PropertyPath::Element> e{std::string("values")};
  e.insert(e.end(), p.elements().begin(), p.elements().end());
  return PropertyPath(std::move(e));
}

// The definition JSON for the value, as a secret or plain.
absl::StatusOr<json> ValueJson(const PropertyMap& in) {
  const PropertyValue* v = Find(in, "value");
  if (v == nullptr) return absl::InvalidArgumentError("value: missing");
  bool secret = BoolInput(in, "secret").value_or(true);
  if (secret) return ToDefinitionJson(PropertyValue::MakeSecret(v->Plain()), "value");
  return ToDefinitionJson(v->RemoveSecrets(), "value");
}

class SecretResource final : public CustomResource {
 public:
  explicit SecretResource(const ProviderContext* ctx) : ctx_(ctx) {}
  absl::string_view token() const override { return kToken; }

  absl::StatusOr<CheckResult> Check(const CallContext&, const CheckRequest& req) override {
    CheckResult r = SchemaCheck(Schema(), req);
    if (!r.failures.empty()) return r;
    if (Find(r.inputs, "secret") == nullptr) r.inputs["secret"] = true;
    auto b = ctx_->backend();
    CanonicalizeEnvironmentInput(b.ok() ? *b : nullptr, "environment", &r);
    if (auto path = StringInput(r.inputs, "path"); path.has_value()) {
      auto p = ValuesPath(*path);
      if (HasControlCharacter(*path)) {
        // A NUL or newline in a key cannot be shown, typed or diffed.
        r.failures.push_back({"path", absl::StrCat("\"", util::Echo(*path),
                                                   "\" contains a control character (such as "
                                                   "NUL, tab or newline); expected a printable "
                                                   "path such as secrets.api_key")});
      } else if (!p.ok()) {
        r.failures.push_back({"path", std::string(p.status().message())});
      } else {
        r.inputs["path"] = p->ToString();
      }
    }
    const PropertyValue* v = Find(r.inputs, "value");
    if (v != nullptr && !v->ContainsUnknowns() && BoolInput(r.inputs, "secret").value_or(true)) {
      const PropertyValue& plain = v->Plain();
      if (!plain.IsString() && !plain.IsNumber() && !plain.IsBool()) {
        r.failures.push_back({"value", absl::StrCat("a secret value must be a string, number or "
                                                    "boolean, not ",
                                                    Article(plain.TypeName()),
                                                    "; set `secret: false` to store structured "
                                                    "data")});
      }
    }
    return r;
  }

  absl::StatusOr<DiffResult> Diff(const CallContext&, const DiffRequest& req) override {
    return SchemaDiff(Schema(), req);
  }

  absl::StatusOr<CreateResult> Create(const CallContext&, const CreateRequest& req) override {
    CreateResult out;
    out.outputs = Outputs(req.properties);
    if (req.preview) {
      out.outputs["revision"] = PropertyValue::MakeUnknown(UnknownType::kNumber);
      return out;
    }
    ASSIGN_OR_RETURN(double revision, Write(req.properties, /*must_be_new=*/true, req.urn));
    out.outputs["revision"] = revision;
    out.id = absl::StrCat(*StringInput(req.properties, "environment"), "#",
                          *StringInput(req.properties, "path"));
    return out;
  }

  absl::StatusOr<ReadResult> Read(const CallContext&, const ReadRequest& req) override {
    ASSIGN_OR_RETURN(backend::Backend * b, ctx_->backend());
    size_t hash = req.id.find('#');
    if (hash == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "\"", req.id, "\" is not a Secret id; expected <organization/project/name>#<path>"));
    }
    ASSIGN_OR_RETURN(backend::EnvironmentRef ref,
                     ParseCanonicalRef(b, req.id.substr(0, hash), "environment"));
    ASSIGN_OR_RETURN(PropertyPath path, ValuesPath(req.id.substr(hash + 1)));
    auto def = b->GetDefinition(ref, "", /*decrypt=*/true);
    if (absl::IsNotFound(def.status())) return ReadResult{};
    if (!def.ok()) return Annotate(def.status(), absl::StrCat("reading ", req.id));
    ASSIGN_OR_RETURN(json live, esc::DefinitionToJson(def->yaml));
    const json* node = JsonAt(live, UnderValues(path));
    if (node == nullptr) return ReadResult{};  // removed behind our back

    const PropertyMap old = req.inputs.value_or(PropertyMap{});
    PropertyMap in;
    in["environment"] = RefString(ref);
    in["path"] = path.ToString();
    const bool is_secret = node->is_object() && node->size() == 1 && node->contains("fn::secret");
    in["secret"] = is_secret;
    PropertyValue live_value = is_secret ? FromJson((*node)["fn::secret"]) : FromJson(*node);
    // Keep the old input when it writes the same definition node, so a
    // secret number (stored as text) is not reported as drift.
    if (const PropertyValue* old_value = Find(old, "value"); old_value != nullptr) {
      PropertyMap probe = old;
      probe["secret"] = is_secret;
      auto old_json = ValueJson(probe);
      if (old_json.ok() && *old_json == *node) live_value = old_value->Plain();
    }
    in["value"] = PropertyValue::MakeSecret(std::move(live_value));
    ReadResult r;
    r.id = absl::StrCat(RefString(ref), "#", path.ToString());
    r.outputs = Outputs(in);
    (*r.outputs)["revision"] = static_cast<double>(def->revision);
    r.inputs = std::move(in);
    return r;
  }

  absl::StatusOr<UpdateResult> Update(const CallContext&, const UpdateRequest& req) override {
    UpdateResult out;
    out.outputs = Outputs(req.news);
    if (req.preview) {
      out.outputs["revision"] = PropertyValue::MakeUnknown(UnknownType::kNumber);
      return out;
    }
    ASSIGN_OR_RETURN(double revision, Write(req.news, /*must_be_new=*/false, req.urn));
    out.outputs["revision"] = revision;
    return out;
  }

  // Removes the value only while it is still the one this resource wrote
  // (compared decrypted with the old inputs' value). A value rewritten since
  // by an Environment resource, escctl or a person is theirs now: it stays,
  // with a warning that names the path, and the delete succeeds.
  absl::Status Delete(const CallContext& call, const DeleteRequest& req) override {
    ASSIGN_OR_RETURN(backend::Backend * b, ctx_->backend());
    size_t hash = req.id.find('#');
    if (hash == std::string::npos) return absl::OkStatus();
    auto ref = ParseCanonicalRef(b, req.id.substr(0, hash), "environment");
    auto path = ValuesPath(req.id.substr(hash + 1));
    if (!ref.ok() || !path.ok()) return absl::OkStatus();
    const PropertyPath at = UnderValues(*path);
    const std::string shown = absl::StrCat(RefString(*ref), " at ", util::Echo(path->ToString()));
    auto leave = [&](absl::string_view why) {
      call.Log(LogSeverity::kWarning,
               absl::StrCat("left the value in environment ", shown, " in place: ", why), req.urn);
      return absl::OkStatus();
    };
    // What this resource wrote: the old inputs (old engines send none; the
    // outputs carry no value, so then nothing proves ownership).
    const PropertyMap& old = req.old_inputs.empty() ? req.properties : req.old_inputs;
    std::optional<json> mine;
    if (Find(old, "value") != nullptr) {
      if (auto j = ValueJson(old); j.ok()) mine = *std::move(j);
    }
    for (int attempt = 0; attempt < kDeleteAttempts; ++attempt) {
      // The node as stored (ciphertext), then the same revision decrypted.
      auto stored = b->GetDefinition(*ref, "", /*decrypt=*/false);
      if (absl::IsNotFound(stored.status())) return absl::OkStatus();
      if (!stored.ok()) return Annotate(stored.status(), absl::StrCat("deleting ", req.id));
      auto plain = b->GetDefinition(*ref, absl::StrCat(stored->revision), /*decrypt=*/true);
      if (absl::IsNotFound(plain.status())) return absl::OkStatus();
      if (!plain.ok()) return Annotate(plain.status(), absl::StrCat("deleting ", req.id));
      ASSIGN_OR_RETURN(json stored_json, esc::DefinitionToJson(stored->yaml));
      ASSIGN_OR_RETURN(json plain_json, esc::DefinitionToJson(plain->yaml));
      const json* live = JsonAt(plain_json, at);
      const json* stored_node = JsonAt(stored_json, at);
      if (live == nullptr || stored_node == nullptr) return absl::OkStatus();  // already gone
      if (!mine.has_value()) {
        return leave("the engine sent no previous value to compare it with");
      }
      if (*live != *mine) {
        return leave(
            "it no longer holds the value this resource wrote (it was changed by "
            "another resource or by hand)");
      }
      const json expected = *stored_node;
      bool changed = false;
      auto written = ctx_->writer().Apply(b, *ref, [&](json& current) -> absl::Status {
        const json* node = JsonAt(current, at);
        changed = false;
        if (node == nullptr) return absl::NotFoundError("already gone");
        // Changed between the comparison and this write: compare again.
        changed = *node != expected;
        if (changed) return absl::NotFoundError("changed; not written");
        JsonErase(current, at);
        return absl::OkStatus();
      });
      if (changed) continue;
      if (written.ok() || absl::IsNotFound(written.status())) return absl::OkStatus();
      return Annotate(written.status(), absl::StrCat("deleting ", req.id));
    }
    return leave("it kept changing while this resource was being deleted");
  }

 private:
  static PropertyMap Outputs(const PropertyMap& in) {
    PropertyMap out;
    for (const char* key : {"environment", "path", "secret"}) {
      if (const PropertyValue* v = Find(in, key); v != nullptr) out[key] = *v;
    }
    return out;
  }

  static std::string Article(absl::string_view noun) {
    return absl::StrCat(std::string("aeiou").find(noun[0]) != std::string::npos ? "an " : "a ",
                        noun);
  }

  // Sets the value in the latest definition (batched with concurrent
  // writes to the same environment). Returns the revision written.
  absl::StatusOr<double> Write(const PropertyMap& in, bool must_be_new, const std::string& urn) {
    ASSIGN_OR_RETURN(backend::Backend * b, ctx_->backend());
    std::string env = StringInput(in, "environment").value_or("");
    std::string path_text = StringInput(in, "path").value_or("");
    ASSIGN_OR_RETURN(backend::EnvironmentRef ref, ParseCanonicalRef(b, env, "environment"));
    ASSIGN_OR_RETURN(PropertyPath path, ValuesPath(path_text));
    ASSIGN_OR_RETURN(json value, ValueJson(in));
    const std::string id = absl::StrCat(env, "#", path.ToString());
    auto written = ctx_->writer().Apply(b, ref, [&](json& live) -> absl::Status {
      if (must_be_new && JsonAt(live, UnderValues(path)) != nullptr) {
        return absl::AlreadyExistsError(
            absl::StrCat("environment ", env, " already has a value at ", path.ToString(),
                         "; to manage it with this program, import it: pulumi import ", kToken, " ",
                         NameFromUrn(urn), " '", id, "'"));
      }
      return JsonSet(live, UnderValues(path), value);
    });
    if (absl::IsNotFound(written.status())) return MissingEnvironmentError(ref);
    if (absl::IsAlreadyExists(written.status())) return written.status();
    if (!written.ok()) return Annotate(written.status(), absl::StrCat("writing ", id));
    return static_cast<double>(*written);
  }

  const ProviderContext* const ctx_;
};

}  // namespace

std::unique_ptr<CustomResource> NewSecretResource(const ProviderContext* ctx) {
  return std::make_unique<SecretResource>(ctx);
}

}  // namespace escnative::resources
