#include "provider/esc/value_schema.h"

#include "provider/esc/json_encoding.h"

namespace escnative::esc {
namespace {

SchemaPtr Constant(const char* json) { return *Schema::FromJson(nlohmann::json::parse(json)); }

}  // namespace

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
