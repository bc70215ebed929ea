#include "provider/resources/environment.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "provider/api/names.h"
#include "provider/esc/ast.h"
#include "provider/esc/definition_data.h"
#include "provider/esc/diagnostic.h"
#include "provider/resources/definition_json.h"
#include "provider/resources/esc_values.h"
#include "provider/resources/resource_util.h"
#include "provider/resources/package_schema.h"
#include "provider/resources/schema_resource.h"
#include "provider/util/status_macros.h"

namespace escnative::resources {
namespace {

using json = nlohmann::ordered_json;

constexpr char kToken[] = "esc:index:Environment";
constexpr int kConflictRetries = 5;

const ResourceSchema& Schema() { return *PackageSchema::Get().FindResource(kToken); }

// `leaf` (relative to `values`) as a path from the definition's root.
PropertyPath UnderValues(const PropertyPath& leaf) {
  std::vector<PropertyPath::Element> e{std::string("values")};
  e.insert(e.end(), leaf.elements().begin(), leaf.elements().end());
  return PropertyPath(std::move(e));
}

bool IsStructured(const PropertyMap& inputs) {
  return Find(inputs, "imports") != nullptr || Find(inputs, "values") != nullptr;
}

backend::EnvironmentRef RefOf(const PropertyMap& inputs) {
  return {StringInput(inputs, "organization").value_or(""),
          StringInput(inputs, "project").value_or("default"),
          StringInput(inputs, "name").value_or("")};
}

// Builds the definition JSON the structured inputs declare, on top of
// `current` (the live definition): sets declared leaves, removes leaves that
// `old_inputs` declared and `news` no longer does.
absl::Status ApplyStructured(json& current, const PropertyMap& old_inputs,
                             const PropertyMap& news) {
  if (!current.is_object()) current = json::object();
  // imports are owned as a whole list when declared.
  if (const PropertyValue* imports = Find(news, "imports"); imports != nullptr) {
    ASSIGN_OR_RETURN(json list, ToDefinitionJson(*imports, "imports"));
    current["imports"] = std::move(list);
  } else if (Find(old_inputs, "imports") != nullptr) {
    current.erase("imports");
  }
  PropertyMap old_values, new_values;
  if (const PropertyValue* v = Find(old_inputs, "values"); v != nullptr && v->IsObject()) {
    old_values = v->AsObject();
  }
  if (const PropertyValue* v = Find(news, "values"); v != nullptr && v->IsObject()) {
    new_values = v->AsObject();
  }
  std::vector<PropertyPath> new_leaves = LeafPaths(new_values);
  for (const PropertyPath& leaf : LeafPaths(old_values)) {
    bool still = false;
    for (const PropertyPath& n : new_leaves) {
      if (n == leaf || n.HasPrefix(leaf) || leaf.HasPrefix(n)) still = true;
    }
    if (!still) JsonErase(current, UnderValues(leaf));
  }
  for (const PropertyPath& leaf : new_leaves) {
    PathLookup found = Lookup(new_values, leaf);
    if (found.value == nullptr) continue;
    std::string display = absl::StrCat("values.", leaf.ToString());
    // A leaf inside a secret object was already cut at the secret.
    ASSIGN_OR_RETURN(json value, ToDefinitionJson(*found.value, display));
    RETURN_IF_ERROR(JsonSet(current, UnderValues(leaf), std::move(value)));
  }
  if (current.contains("values") && current["values"].is_object() && current["values"].empty()) {
    current.erase("values");
  }
  return absl::OkStatus();
}

// A definition leaf as the program would have written it: `fn::secret`
// becomes a Pulumi secret; when it is the stringified form of `old`, the old
// value is kept so a secret number does not show as drift.
PropertyValue LiveLeaf(const json& node, const PropertyValue* old) {
  if (node.is_object() && node.size() == 1 && node.contains("fn::secret") &&
      node["fn::secret"].is_string()) {
    std::string text = node["fn::secret"].get<std::string>();
    if (old != nullptr && old->IsSecret()) {
      auto old_json = ToDefinitionJson(*old, "");
      if (old_json.ok() && (*old_json)["fn::secret"] == text) return *old;
    }
    return PropertyValue::MakeSecret(PropertyValue(text));
  }
  PropertyValue v = FromJson(node);
  if (old != nullptr && old->RemoveSecrets() == v) return *old;
  return v;
}

class EnvironmentResource final : public CustomResource {
 public:
  explicit EnvironmentResource(const ProviderContext* ctx) : ctx_(ctx) {}
  absl::string_view token() const override { return kToken; }

  absl::StatusOr<CheckResult> Check(const CallContext& call, const CheckRequest& req) override {
    CheckResult r = CheckInputs(req);
    // Last, on every path (failures included): the inputs go back to the
    // engine, which would keep a plaintext secret literal in state.
    ProtectSecretLiterals(call, req.urn, &r.inputs);
    return r;
  }

  absl::StatusOr<DiffResult> Diff(const CallContext&, const DiffRequest& req) override {
    return SchemaDiff(Schema(), req);
  }

  absl::StatusOr<CreateResult> Create(const CallContext& call, const CreateRequest& req) override {
    const PropertyMap& in = req.properties;
    CreateResult out;
    out.outputs = in;
    if (req.preview) {
      out.outputs["revision"] = PropertyValue::MakeUnknown(UnknownType::kNumber);
      out.outputs["etag"] = PropertyValue::MakeUnknown();
      if (!in.count("deletionProtected")) out.outputs["deletionProtected"] = false;
      return out;
    }
    ASSIGN_OR_RETURN(backend::Backend * b, ctx_->backend());
    backend::EnvironmentRef ref = RefOf(in);
    const std::string id = RefString(ref);
    auto created = b->CreateEnvironment(ref);
    if (absl::IsAlreadyExists(created.status())) {
      return absl::AlreadyExistsError(
          absl::StrCat("environment ", id,
                       " already exists; to manage it with this program, import it: "
                       "pulumi import ",
                       kToken, " ", NameFromUrn(req.urn), " ", id));
    }
    if (!created.ok()) return Annotate(created.status(), absl::StrCat("creating environment ", id));

    // Create is atomic: if anything after the environment exists fails, it
    // is removed again so the engine's "nothing was created" holds.
    auto result = Populate(b, ref, in, created->etag, &out.outputs);
    if (!result.ok()) {
      (void)b->SetDeletionProtected(ref, false);
      (void)b->DeleteEnvironment(ref);
      return Annotate(result, absl::StrCat("creating environment ", id));
    }
    out.id = id;
    call.Log(LogSeverity::kDebug, absl::StrCat("created environment ", id), req.urn);
    return out;
  }

  absl::StatusOr<ReadResult> Read(const CallContext&, const ReadRequest& req) override {
    ASSIGN_OR_RETURN(backend::Backend * b, ctx_->backend());
    auto parsed = b->ParseRef(req.id);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "\"", req.id, "\" is not an environment id; expected organization/project/name"));
    }
    const backend::EnvironmentRef ref = parsed->first;
    auto info = b->GetEnvironment(ref);
    if (absl::IsNotFound(info.status())) return ReadResult{};  // gone
    if (!info.ok()) return Annotate(info.status(), absl::StrCat("reading environment ", req.id));
    auto def = b->GetDefinition(ref, "", /*decrypt=*/true);
    if (absl::IsNotFound(def.status())) return ReadResult{};  // deleted meanwhile
    if (!def.ok()) return Annotate(def.status(), absl::StrCat("reading environment ", req.id));
    ASSIGN_OR_RETURN(json live, esc::DefinitionToJson(def->yaml));

    const PropertyMap old = req.inputs.value_or(PropertyMap{});
    PropertyMap in;
    in["organization"] = ref.organization;
    in["project"] = ref.project;
    in["name"] = ref.name;
    if (!req.inputs.has_value() || !IsStructured(old)) {
      // yaml form (also what an import adopts): keep the old text when it
      // means the same, so formatting differences are not drift.
      std::optional<std::string> old_yaml = StringInput(old, "yaml");
      std::string text = def->yaml;
      if (old_yaml.has_value()) {
        auto old_json = esc::DefinitionToJson(*old_yaml);
        if (old_json.ok() && *old_json == live) text = *old_yaml;
      }
      const PropertyValue* old_value = Find(old, "yaml");
      bool secret = ContainsFnSecret(live) || (old_value != nullptr && old_value->IsSecret());
      if (!text.empty() || old_yaml.has_value()) {
        in["yaml"] = secret ? PropertyValue::MakeSecret(text) : PropertyValue(text);
      }
    } else {
      ReadStructured(old, live, &in);
    }
    if (Find(old, "tags") != nullptr || !req.inputs.has_value()) {
      auto tags = b->ListEnvironmentTags(ref);
      if (absl::IsNotFound(tags.status())) return ReadResult{};
      if (!tags.ok()) return Annotate(tags.status(), absl::StrCat("reading environment ", req.id));
      PropertyMap m;
      for (const auto& t : *tags) m[t.name] = t.value;
      if (!m.empty() || Find(old, "tags") != nullptr) in["tags"] = PropertyValue(std::move(m));
    }
    if (Find(old, "deletionProtected") != nullptr || info->deletion_protected) {
      in["deletionProtected"] = info->deletion_protected;
    }
    ReadResult r;
    r.id = RefString(ref);
    r.inputs = in;
    PropertyMap outputs = in;
    if (!outputs.count("deletionProtected")) {
      outputs["deletionProtected"] = info->deletion_protected;
    }
    outputs["revision"] = static_cast<double>(info->latest_revision);
    outputs["etag"] = info->etag;
    r.outputs = std::move(outputs);
    return r;
  }

  absl::StatusOr<UpdateResult> Update(const CallContext&, const UpdateRequest& req) override {
    UpdateResult out;
    out.outputs = req.news;
    if (req.preview) {
      out.outputs["revision"] = PropertyValue::MakeUnknown(UnknownType::kNumber);
      out.outputs["etag"] = PropertyValue::MakeUnknown();
      if (!req.news.count("deletionProtected")) out.outputs["deletionProtected"] = false;
      return out;
    }
    ASSIGN_OR_RETURN(backend::Backend * b, ctx_->backend());
    const backend::EnvironmentRef ref = RefOf(req.news);
    const std::string id = RefString(ref);
    std::optional<std::string> etag = StringInput(req.olds, "etag");
    if (!IsStructured(req.news)) {
      std::string yaml = StringInput(req.news, "yaml").value_or("");
      bool changed = !(Find(req.old_inputs, "yaml") != nullptr &&
                       Find(req.old_inputs, "yaml")->RemoveSecrets() ==
                           Find(req.news, "yaml")->RemoveSecrets());
      if (changed || IsStructured(req.old_inputs)) {
        auto updated = b->UpdateDefinition(ref, yaml, etag);
        if (absl::IsAborted(updated.status())) {
          return absl::AbortedError(absl::StrCat(
              "environment ", id,
              " changed since the last refresh (it was edited outside this "
              "program); run `pulumi refresh` to see the change, then `pulumi up` again"));
        }
        if (!updated.ok()) return Annotate(updated.status(), absl::StrCat("updating ", id));
      }
    } else {
      RETURN_IF_ERROR(UpdateStructured(b, ref, req.old_inputs, req.news));
    }
    RETURN_IF_ERROR(ApplySettings(b, ref, req.old_inputs, req.news));
    ASSIGN_OR_RETURN(auto info, b->GetEnvironment(ref));
    out.outputs["revision"] = static_cast<double>(info.latest_revision);
    out.outputs["etag"] = info.etag;
    out.outputs["deletionProtected"] = info.deletion_protected;
    return out;
  }

  absl::Status Delete(const CallContext& call, const DeleteRequest& req) override {
    ASSIGN_OR_RETURN(backend::Backend * b, ctx_->backend());
    auto parsed = b->ParseRef(req.id);
    if (!parsed.ok()) return absl::OkStatus();  // nothing we could have created
    absl::Status s = b->DeleteEnvironment(parsed->first);
    if (absl::IsNotFound(s)) {
      call.Log(LogSeverity::kDebug, absl::StrCat("environment ", req.id, " was already gone"),
               req.urn);
      return absl::OkStatus();
    }
    if (absl::IsFailedPrecondition(s)) {
      return absl::FailedPreconditionError(
          absl::StrCat("environment ", req.id,
                       " is deletion protected; set deletionProtected: false and run "
                       "`pulumi up` before deleting it"));
    }
    return Annotate(s, absl::StrCat("deleting environment ", req.id));
  }

 private:
  CheckResult CheckInputs(const CheckRequest& req) {
    CheckResult r = SchemaCheck(Schema(), req);
    if (!r.failures.empty()) return r;
    PropertyMap& in = r.inputs;

    if (auto config = ctx_->config(); config.has_value()) {
      if (Find(in, "organization") == nullptr && !config->organization.empty()) {
        in["organization"] = config->organization;
      }
      if (Find(in, "project") == nullptr) in["project"] = config->project;
    } else if (Find(in, "project") == nullptr) {
      in["project"] = "default";
    }
    // The API's name rules (esc.md §3.1), as the backends apply them.
    const std::string ref = absl::StrCat(StringInput(in, "organization").value_or(""), "/",
                                         StringInput(in, "project").value_or(""), "/",
                                         StringInput(in, "name").value_or(""));
    const std::pair<const char*, absl::Status (*)(absl::string_view, absl::string_view)>
        rules[] = {{"organization", api::ValidateOrganizationName},
                   {"project", api::ValidateProjectName},
                   {"name", api::ValidateEnvironmentName}};
    for (const auto& [key, validate] : rules) {
      std::optional<std::string> v = StringInput(in, key);
      if (!v.has_value()) continue;
      if (absl::Status valid = validate(*v, ref); !valid.ok()) {
        r.failures.push_back({key, std::string(valid.message())});
      }
    }
    const bool has_yaml = Find(in, "yaml") != nullptr;
    if (has_yaml && IsStructured(in)) {
      r.failures.push_back(
          {"yaml",
           "`yaml` owns the whole definition and cannot be combined with `imports` or "
           "`values`; use one form"});
      return r;
    }
    if (has_yaml) {
      CheckYaml(&r);
    } else {
      CheckStructured(&r);
    }
    return r;
  }

  // Writes the definition, tags and protection of a new environment.
  absl::Status Populate(backend::Backend* b, const backend::EnvironmentRef& ref,
                        const PropertyMap& in, const std::string& etag, PropertyMap* outputs) {
    std::string yaml;
    if (IsStructured(in)) {
      json def = json::object();
      RETURN_IF_ERROR(ApplyStructured(def, {}, in));
      yaml = esc::DefinitionToYaml(def);
    } else {
      yaml = StringInput(in, "yaml").value_or("");
    }
    if (!yaml.empty()) {
      ASSIGN_OR_RETURN(auto updated, b->UpdateDefinition(ref, yaml, etag));
      (void)updated;
    }
    RETURN_IF_ERROR(ApplySettings(b, ref, {}, in));
    ASSIGN_OR_RETURN(auto info, b->GetEnvironment(ref));
    (*outputs)["revision"] = static_cast<double>(info.latest_revision);
    (*outputs)["etag"] = info.etag;
    (*outputs)["deletionProtected"] = info.deletion_protected;
    return absl::OkStatus();
  }

  absl::Status ApplySettings(backend::Backend* b, const backend::EnvironmentRef& ref,
                             const PropertyMap& olds, const PropertyMap& news) {
    const PropertyValue* tags = Find(news, "tags");
    if (tags != nullptr || Find(olds, "tags") != nullptr) {
      std::map<std::string, std::string> want;
      const PropertyValue plain = tags != nullptr ? tags->Unsecret() : PropertyValue();
      if (plain.IsObject()) {
        for (const auto& [k, v] : plain.AsObject()) {
          const PropertyValue value = v.Unsecret();
          if (value.IsString()) want[k] = value.AsString();
        }
      }
      const PropertyValue* old_tags = Find(olds, "tags");
      if (old_tags == nullptr || tags == nullptr || *old_tags != *tags) {
        RETURN_IF_ERROR(b->SetEnvironmentTags(ref, want));
      }
    }
    std::optional<bool> want = BoolInput(news, "deletionProtected");
    std::optional<bool> had = BoolInput(olds, "deletionProtected");
    if (want.value_or(false) != had.value_or(false)) {
      RETURN_IF_ERROR(b->SetDeletionProtected(ref, want.value_or(false)));
    }
    return absl::OkStatus();
  }

  absl::Status UpdateStructured(backend::Backend* b, const backend::EnvironmentRef& ref,
                                const PropertyMap& old_inputs, const PropertyMap& news) {
    const std::string id = RefString(ref);
    absl::MutexLock lock(&ctx_->WriteLock(id));
    for (int attempt = 0;; ++attempt) {
      ASSIGN_OR_RETURN(backend::Definition def, b->GetDefinition(ref, "", /*decrypt=*/true));
      ASSIGN_OR_RETURN(json current, esc::DefinitionToJson(def.yaml));
      json next = current;
      RETURN_IF_ERROR(ApplyStructured(next, old_inputs, news));
      if (next == current) return absl::OkStatus();
      auto updated = b->UpdateDefinition(ref, esc::DefinitionToYaml(next), def.etag);
      if (updated.ok()) return absl::OkStatus();
      // Someone else wrote between our read and write: re-read and re-apply,
      // which keeps their keys and ours.
      if (!absl::IsAborted(updated.status()) || attempt + 1 >= kConflictRetries) {
        return Annotate(updated.status(), absl::StrCat("updating ", id));
      }
    }
  }

  void ReadStructured(const PropertyMap& old, const json& live, PropertyMap* in) {
    if (Find(old, "imports") != nullptr) {
      const json* imports = JsonAt(live, PropertyPath().Key("imports"));
      in->emplace("imports", imports != nullptr && imports->is_array()
                                 ? FromJson(*imports)
                                 : PropertyValue(PropertyArray{}));
    }
    const PropertyValue* old_values = Find(old, "values");
    if (old_values == nullptr || !old_values->IsObject()) return;
    PropertyMap values;
    for (const PropertyPath& leaf : LeafPaths(old_values->AsObject())) {
      const json* node = JsonAt(live, UnderValues(leaf));
      if (node == nullptr) continue;  // removed behind our back: drift
      PathLookup old_leaf = Lookup(old_values->AsObject(), leaf);
      (void)SetPath(values, leaf, LiveLeaf(*node, old_leaf.value));
    }
    in->emplace("values", PropertyValue(std::move(values)));
  }

  void CheckYaml(CheckResult* r) {
    const PropertyValue& yaml = r->inputs["yaml"];
    if (yaml.ContainsUnknowns()) return;
    PropertyValue plain = yaml.Unsecret();
    if (!plain.IsString()) return;
    auto data = esc::DefinitionToJson(plain.AsString());
    if (!data.ok()) {
      r->failures.push_back({"yaml", std::string(data.status().message())});
      return;
    }
    size_t before = r->failures.size();
    ReportParseDiagnostics(plain.AsString(), "yaml", r);
    if (r->failures.size() == before) ReportEvaluationDiagnostics(*data, plain.AsString(), r);
  }

  // Wraps `yaml` as a secret unless it provably holds no `fn::secret` (a
  // string that parses and never mentions it), and every `fn::secret` object written
  // literally inside `values`. Conservative on purpose: text that does not
  // parse (a tab, an unterminated quote, a duplicate key) may still carry a
  // plaintext secret, and a failed Check still returns its inputs.
  static void ProtectSecretLiterals(const CallContext& call, const std::string& urn,
                                    PropertyMap* inputs) {
    if (auto it = inputs->find("yaml"); it != inputs->end()) {
      PropertyValue& yaml = it->second;
      if (!yaml.IsNull() && !yaml.IsSecret() && !yaml.IsComputed()) {
        bool clean = false;
        bool has_secret = false;
        if (yaml.IsString()) {
          // The text as well as the parsed data: a duplicate key can hide a
          // `fn::secret` from the parsed form.
          auto data = esc::DefinitionToJson(yaml.AsString());
          has_secret = absl::StrContains(yaml.AsString(), "fn::secret") ||
                       (data.ok() && ContainsFnSecret(*data));
          clean = data.ok() && !has_secret && !HasParseErrors(yaml.AsString());
        }
        if (!clean) yaml = PropertyValue::MakeSecret(std::move(yaml));
        if (has_secret) {
          call.Log(LogSeverity::kWarning,
                   "`yaml` holds fn::secret values but is not a Pulumi secret; it is treated as "
                   "a secret. Wrap it with pulumi.secret() (or `fn::secret` in Pulumi YAML) to "
                   "say so.",
                   urn);
        }
      }
    }
    if (auto it = inputs->find("values"); it != inputs->end()) WrapFnSecretObjects(&it->second);
  }

  static bool HasParseErrors(const std::string& text) {
    for (const esc::Diagnostic& d : esc::ParseEnvironment("definition", text).diagnostics) {
      if (d.severity == esc::Severity::kError) return true;
    }
    return false;
  }

  // `values: {key: {"fn::secret": "..."}}` is a secret literal too.
  static void WrapFnSecretObjects(PropertyValue* v) {
    if (v->IsSecret() || v->IsComputed()) return;
    if (v->IsArray()) {
      for (PropertyValue& e : v->AsArray()) WrapFnSecretObjects(&e);
    } else if (v->IsObject()) {
      if (v->AsObject().count("fn::secret") != 0) {
        *v = PropertyValue::MakeSecret(std::move(*v));
        return;
      }
      for (auto& [k, e] : v->AsObject()) WrapFnSecretObjects(&e);
    }
  }

  // An imported `@version` (a revision or a tag) may be made later in the
  // same deployment, like the environment itself.
  static bool VersionExists(backend::Backend* b, const backend::EnvironmentRef& ref,
                            const std::string& version, const backend::EnvironmentInfo& info) {
    if (version.empty() || version == "latest") return true;
    int64_t number = 0;
    if (absl::SimpleAtoi(version, &number)) return number >= 1 && number <= info.latest_revision;
    return b->GetRevisionTag(ref, version).ok();
  }

  // Full check-mode evaluation at preview time (unknown references, bad
  // builtin arguments, cycles), when every import already exists; imports
  // created in the same deployment are validated when the definition is
  // written instead.
  void ReportEvaluationDiagnostics(const json& data, const std::string& text, CheckResult* r) {
    auto b = ctx_->backend();
    if (!b.ok()) return;
    auto org = StringInput(r->inputs, "organization");
    auto project = StringInput(r->inputs, "project");
    auto name = StringInput(r->inputs, "name");
    if (!org.has_value() || !project.has_value() || !name.has_value()) return;
    backend::EnvironmentRef ref{*org, *project, *name};
    if (const json* imports = JsonAt(data, PropertyPath().Key("imports"));
        imports != nullptr && imports->is_array()) {
      for (const auto& imp : *imports) {
        std::string import_ref;
        if (imp.is_string()) {
          import_ref = imp.get<std::string>();
        } else if (imp.is_object() && imp.size() == 1) {
          import_ref = imp.begin().key();
        } else {
          return;
        }
        // Relative to this environment: its organization, and its project
        // for a bare name.
        const auto slashes = std::count(import_ref.begin(), import_ref.end(), '/');
        if (slashes == 0) import_ref = absl::StrCat(ref.project, "/", import_ref);
        if (slashes <= 1) import_ref = absl::StrCat(ref.organization, "/", import_ref);
        auto parsed = (*b)->ParseRef(import_ref);
        if (!parsed.ok()) return;
        auto info = (*b)->GetEnvironment(parsed->first);
        if (!info.ok() || !VersionExists(*b, parsed->first, parsed->second, *info)) return;
      }
    }
    auto checked = (*b)->CheckDefinition(ref, text, /*show_secrets=*/false);
    esc::Diagnostics diags =
        checked.ok() ? checked->diagnostics : backend::DiagnosticsFromStatus(checked.status());
    for (const esc::Diagnostic& d : diags) {
      if (d.severity != esc::Severity::kError) continue;
      r->failures.push_back(
          {"yaml",
           absl::StrCat(d.path.empty() ? "" : d.path + ": ", d.summary,
                        d.range.empty() ? ""
                                        : absl::StrCat(" (line ", d.range.begin.line, ", column ",
                                                       d.range.begin.column, ")"))});
    }
  }

  void CheckStructured(CheckResult* r) {
    if (const PropertyValue* v = Find(r->inputs, "values"); v != nullptr) {
      const PropertyValue values = v->Unsecret();
      const PropertyMap empty;
      const PropertyMap& map = values.IsObject() ? values.AsObject() : empty;
      for (const PropertyPath& leaf : LeafPaths(map)) {
        PathLookup found = Lookup(map, leaf);
        if (found.value == nullptr || found.value->ContainsUnknowns()) continue;
        auto j = ToDefinitionJson(*found.value, absl::StrCat("values.", leaf.ToString()));
        if (!j.ok()) {
          r->failures.push_back(
              {absl::StrCat("values.", leaf.ToString()),
               std::string(j.status().message().substr(j.status().message().find(": ") + 2))});
        }
      }
    }
    if (!r->failures.empty()) return;
    if (IsUnknownInput(r->inputs, "values") || IsUnknownInput(r->inputs, "imports")) return;
    json def = json::object();
    if (!ApplyStructured(def, {}, r->inputs).ok()) return;
    ReportParseDiagnostics(esc::DefinitionToYaml(def), "", r);
  }

  // Syntax and shape errors of a definition (interpolations, builtins,
  // reserved keys) are reported at preview time; evaluation against imports
  // happens on write, when those exist.
  static void ReportParseDiagnostics(const std::string& text, const std::string& prefix,
                                     CheckResult* r) {
    esc::ParseResult parsed = esc::ParseEnvironment("definition", text);
    for (const esc::Diagnostic& d : parsed.diagnostics) {
      if (d.severity != esc::Severity::kError) continue;
      std::string where = prefix.empty() ? d.path : absl::StrCat(prefix);
      std::string reason = d.summary;
      if (!prefix.empty()) {
        reason =
            absl::StrCat(d.path.empty() ? "" : d.path + ": ", d.summary,
                         d.range.empty() ? ""
                                         : absl::StrCat(" (line ", d.range.begin.line, ", column ",
                                                        d.range.begin.column, ")"));
      }
      r->failures.push_back({where, reason});
    }
  }

  const ProviderContext* const ctx_;
};

}  // namespace

std::unique_ptr<CustomResource> NewEnvironmentResource(const ProviderContext* ctx) {
  return std::make_unique<EnvironmentResource>(ctx);
}

}  // namespace escnative::resources
