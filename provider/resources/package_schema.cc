#include "provider/resources/package_schema.h"

#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

namespace escnative::resources {

using json = nlohmann::json;

// Builds the typed view. The schema is our own embedded file, checked by tests,
// so a malformed one is a build defect: fail loudly at first use.
struct SchemaBuilder {
  PackageSchema& s;
  const json& root;

  [[noreturn]] static void Fatal(const std::string& what) {
    std::fprintf(stderr, "embedded schema.json is invalid: %s\n", what.c_str());
    std::abort();
  }

  ObjectSpec* TypeObject(const std::string& token) {
    auto it = s.types_.find(token);
    if (it != s.types_.end()) return it->second.get();
    auto& spec = s.types_[token];
    spec = std::make_unique<ObjectSpec>();
    spec->token = token;
    const json& t = root.at("types").at(token);
    if (t.value("type", "") == "object") FillObject(*spec, t);
    return spec.get();
  }

  TypeSpec Type(const json& j) {
    TypeSpec t;
    if (j.contains("$ref")) {
      std::string ref = j["$ref"];
      t.ref = ref;
      if (ref == "pulumi.json#/Any" || ref == "pulumi.json#/Json") {
        t.kind = TypeSpec::Kind::kAny;
        return t;
      }
      const std::string prefix = "#/types/";
      if (ref.rfind(prefix, 0) != 0) Fatal("unsupported $ref " + ref);
      std::string token = ref.substr(prefix.size());
      const json& def = root.at("types").at(token);
      if (def.contains("enum")) {
        t.kind = TypeSpec::Kind::kEnum;
        for (const auto& e : def["enum"]) t.enum_values.push_back(e.at("value").get<std::string>());
      } else {
        t.kind = TypeSpec::Kind::kObject;
        t.object = TypeObject(token);
      }
      return t;
    }
    std::string type = j.value("type", "");
    if (type == "string") {
      t.kind = TypeSpec::Kind::kString;
    } else if (type == "boolean") {
      t.kind = TypeSpec::Kind::kBoolean;
    } else if (type == "integer") {
      t.kind = TypeSpec::Kind::kInteger;
    } else if (type == "number") {
      t.kind = TypeSpec::Kind::kNumber;
    } else if (type == "array") {
      t.kind = TypeSpec::Kind::kArray;
      t.element = std::make_shared<TypeSpec>(Type(j.at("items")));
    } else if (type == "object") {
      t.kind = TypeSpec::Kind::kMap;
      json elem = j.contains("additionalProperties") ? j["additionalProperties"]
                                                     : json{{"type", "string"}};
      t.element = std::make_shared<TypeSpec>(Type(elem));
    } else {
      Fatal("property without a type");
    }
    return t;
  }

  void FillObject(ObjectSpec& spec, const json& obj, const char* props_key = "properties",
                  const char* required_key = "required") {
    if (obj.contains(props_key)) {
      for (const auto& [name, p] : obj[props_key].items()) {
        PropertySpec ps;
        ps.type = Type(p);
        ps.secret = p.value("secret", false);
        ps.replace_on_changes = p.value("replaceOnChanges", false);
        ps.description = p.value("description", "");
        spec.properties.emplace(name, std::move(ps));
      }
    }
    if (obj.contains(required_key)) {
      for (const auto& r : obj[required_key]) spec.required.insert(r.get<std::string>());
    }
  }

  void Build() {
    s.config_.token = "provider";
    if (root.contains("config")) {
      FillObject(s.config_, root["config"], "variables", "defaults");
    }
    for (const auto& [token, r] : root.at("resources").items()) {
      ResourceSchema rs;
      rs.token = token;
      rs.inputs.token = token;
      rs.outputs.token = token;
      FillObject(rs.inputs, r, "inputProperties", "requiredInputs");
      FillObject(rs.outputs, r, "properties", "required");
      s.resources_.emplace(token, std::move(rs));
    }
    for (const auto& [token, f] : root.at("functions").items()) {
      FunctionSchema fs;
      fs.token = token;
      fs.inputs.token = token;
      fs.outputs.token = token;
      if (f.contains("inputs")) FillObject(fs.inputs, f["inputs"]);
      if (f.contains("outputs")) FillObject(fs.outputs, f["outputs"]);
      s.functions_.emplace(token, std::move(fs));
    }
  }
};

PackageSchema::PackageSchema() : raw_(EmbeddedSchemaJson()) {
  json root = json::parse(raw_, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) SchemaBuilder::Fatal("not JSON");
  try {
    SchemaBuilder{*this, root}.Build();
  } catch (const json::exception& e) {
    SchemaBuilder::Fatal(e.what());
  }
}

const PackageSchema& PackageSchema::Get() {
  static const PackageSchema* schema = new PackageSchema();  // never destroyed
  return *schema;
}

std::string PackageSchema::Json(absl::string_view version) const {
  json root = json::parse(raw_);
  root["version"] = std::string(version);
  return root.dump();
}

const ResourceSchema* PackageSchema::FindResource(absl::string_view token) const {
  auto it = resources_.find(token);
  return it == resources_.end() ? nullptr : &it->second;
}

const FunctionSchema* PackageSchema::FindFunction(absl::string_view token) const {
  auto it = functions_.find(token);
  return it == functions_.end() ? nullptr : &it->second;
}

std::vector<std::string> PackageSchema::ResourceTokens() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : resources_) out.push_back(k);
  return out;
}

std::vector<std::string> PackageSchema::FunctionTokens() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : functions_) out.push_back(k);
  return out;
}

}  // namespace escnative::resources
