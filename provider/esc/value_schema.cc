#include "provider/esc/value_schema.h"

#include <map>
#include <string>

#include "provider/esc/json_encoding.h"

namespace escnative::esc {
namespace {

SchemaPtr Constant(const char* json) { return *Schema::FromJson(nlohmann::json::parse(json)); }

// Layers `top` over `base` as JSON merge patch does with values.
nlohmann::json MergedSchema(const nlohmann::json& base, const nlohmann::json& top) {
  auto is_object = [](const nlohmann::json& s) {
    return s.is_object() && s.value("type", "") == "object";
  };
  if (!is_object(top) || !is_object(base)) return top;
  std::map<std::string, nlohmann::json> record;
  if (base.contains("properties")) {
    for (auto it = base["properties"].begin(); it != base["properties"].end(); ++it) {
      record[it.key()] = it.value();
    }
  }
  if (top.contains("properties")) {
    for (auto it = top["properties"].begin(); it != top["properties"].end(); ++it) {
      auto b = record.find(it.key());
      record[it.key()] = b == record.end() ? it.value() : MergedSchema(b->second, it.value());
    }
  }
  nlohmann::json out = nlohmann::json::object();
  nlohmann::json props = nlohmann::json::object();
  nlohmann::json required = nlohmann::json::array();
  for (const auto& [k, s] : record) {
    props[k] = s;
    required.push_back(k);
  }
  if (!props.empty()) out["properties"] = std::move(props);
  out["type"] = "object";
  if (!required.empty()) out["required"] = std::move(required);
  const bool top_extra = top.contains("additionalProperties");
  if (base.contains("additionalProperties")) {
    out["additionalProperties"] = top_extra ? nlohmann::json(true) : base["additionalProperties"];
  } else if (top_extra) {
    out["additionalProperties"] = top["additionalProperties"];
  }
  return out;
}

}  // namespace

nlohmann::json EnvironmentSchema(const Value& root) {
  nlohmann::json s = SchemaOf(root);
  return root.base == nullptr ? s : MergedSchema(SchemaOf(*root.base), s);
}

SchemaPtr StringSchema() {
  static const SchemaPtr kSchema = Constant(R"({"type":"string"})");
  return kSchema;
}
SchemaPtr StringArraySchema() {
  static const SchemaPtr kSchema = Constant(R"({"items":{"type":"string"},"type":"array"})");
  return kSchema;
}
SchemaPtr AnyArraySchema() {
  static const SchemaPtr kSchema = Constant(R"({"items":true,"type":"array"})");
  return kSchema;
}
SchemaPtr ArrayOfArraysSchema() {
  static const SchemaPtr kSchema =
      Constant(R"({"items":{"items":true,"type":"array"},"type":"array"})");
  return kSchema;
}

ValuePtr WithSchema(const ValuePtr& v, SchemaPtr schema) {
  if (v->schema == schema) return v;
  auto copy = std::make_shared<Value>(*v);
  copy->schema = std::move(schema);
  return copy;
}

nlohmann::json SchemaOf(const Value& v) {
  if (v.schema != nullptr) return v.schema->ToJson();
  if (v.unknown) return true;
  nlohmann::json s = nlohmann::json::object();
  switch (v.kind) {
    case Value::Kind::kNull:
      s["type"] = "null";
      break;
    case Value::Kind::kBool:
      s["type"] = "boolean";
      s["const"] = v.boolean;
      break;
    case Value::Kind::kNumber:
      s["type"] = "number";
      s["const"] = NumberJson(v.text);
      break;
    case Value::Kind::kString:
      s["type"] = "string";
      s["const"] = v.text;
      break;
    case Value::Kind::kArray: {
      // A tuple: exactly these elements.
      nlohmann::json items = nlohmann::json::array();
      for (const ValuePtr& i : v.array) items.push_back(SchemaOf(*i));
      if (!items.empty()) s["prefixItems"] = std::move(items);
      s["items"] = false;
      s["type"] = "array";
      break;
    }
    case Value::Kind::kObject: {
      // A record: exactly these properties, all required.
      nlohmann::json props = nlohmann::json::object();
      nlohmann::json required = nlohmann::json::array();
      for (const auto& [k, p] : v.object) {
        props[k] = SchemaOf(*p);
        required.push_back(k);
      }
      if (!props.empty()) s["properties"] = std::move(props);
      s["type"] = "object";
      if (!required.empty()) s["required"] = std::move(required);
      break;
    }
  }
  return s;
}

}  // namespace escnative::esc
