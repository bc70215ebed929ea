#include "tests/esc/testing/test_providers.h"

#include "provider/esc/json_encoding.h"

namespace escnative::esc::testing {
namespace {

std::string Rot128(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(static_cast<unsigned char>(c) + 128);
  return out;
}

class EchoProvider : public Provider {
 public:
  absl::StatusOr<ValuePtr> Open(const Value& inputs) const override {
    return std::make_shared<Value>(inputs);
  }
};

class ErrorProvider : public Provider {
 public:
  SchemaPtr InputSchema() const override {
    static const SchemaPtr kSchema = *Schema::FromJson(nlohmann::json::parse(
        R"({"properties":{"why":{"type":"string"}},"type":"object","required":["why"]})"));
    return kSchema;
  }
  absl::StatusOr<ValuePtr> Open(const Value& inputs) const override {
    auto it = inputs.object.find("why");
    bool text = it != inputs.object.end() && it->second->kind == Value::Kind::kString;
    return absl::UnknownError(text ? it->second->text : "error");
  }
};

class SecretWrapperProvider : public Provider {
 public:
  absl::StatusOr<ValuePtr> Open(const Value& inputs) const override {
    return MarkSecret(std::make_shared<Value>(inputs), true);
  }
};

// The reference harness's `schema` provider, as its results serialise it
// (Go writes `"type": ""` for schemas without a type).
constexpr char kSchemaProviderSchema[] = R"({
  "type": "object",
  "$defs": {"defRecord": {"properties": {"baz": {"type": "string", "const": "qux"}}, "type": "object", "required": ["baz"]}},
  "properties": {
    "always": true,
    "anyOf": {"anyOf": [{"type": "string"}, {"type": "number"}], "type": ""},
    "array": {"items": true, "type": "array"},
    "boolean": {"type": "boolean"},
    "const-array": {"type": "array", "const": ["hello", 42]},
    "const-object": {"type": "object", "const": {"hello": "world"}},
    "dependentReq": {"properties": {"bar": {"type": "number"}, "foo": {"type": "string"}}, "type": "object", "dependentRequired": {"foo": ["bar"]}},
    "double": {"prefixItems": [{"type": "string"}, {"type": "number"}], "items": false, "type": "array"},
    "enum": {"type": "string", "enum": ["foo", "bar"]},
    "exclusiveMaximum": {"type": "number", "exclusiveMaximum": 1},
    "exclusiveMinimum": {"type": "number", "exclusiveMinimum": 1},
    "false": {"type": "boolean", "const": false},
    "hello": {"type": "string", "const": "hello"},
    "map": {"additionalProperties": true, "type": "object"},
    "maxItems": {"type": "array", "maxItems": 2},
    "maxLength": {"type": "string", "maxLength": 1},
    "maxProperties": {"type": "object", "maxProperties": 1},
    "maximum": {"type": "number", "maximum": 1},
    "minItems": {"type": "array", "minItems": 3},
    "minLength": {"type": "string", "minLength": 1},
    "minProperties": {"type": "object", "minProperties": 1},
    "minimum": {"type": "number", "minimum": 1},
    "multiple": {"type": "number", "multipleOf": 2},
    "never": false,
    "null": {"type": "null"},
    "number": {"type": "number"},
    "oneOf": {"oneOf": [{"type": "string"}, {"type": "number"}], "type": ""},
    "pattern": {"type": "string", "pattern": "^foo[0-9]+$"},
    "pi": {"type": "number", "const": 3.14},
    "record": {"properties": {"foo": {"type": "string"}}, "type": "object", "required": ["foo"]},
    "ref": {"$ref": "#/$defs/defRecord", "type": ""},
    "string": {"type": "string"},
    "triple": {"prefixItems": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}], "items": false, "type": "array"},
    "true": {"type": "boolean", "const": true},
    "tuple": {"prefixItems": [{"type": "string", "const": "hello"}, {"type": "string", "const": "world"}], "items": false, "type": "array"}
  }
})";

class SchemaProvider : public Provider {
 public:
  SchemaPtr InputSchema() const override { return Get(); }
  SchemaPtr OutputSchema() const override { return Get(); }
  absl::StatusOr<ValuePtr> Open(const Value& inputs) const override {
    return std::make_shared<Value>(inputs);
  }

 private:
  static SchemaPtr Get() {
    static const SchemaPtr kSchema =
        *Schema::FromJson(nlohmann::json::parse(kSchemaProviderSchema));
    return kSchema;
  }
};

SchemaPtr Parsed(const char* json) { return *Schema::FromJson(nlohmann::json::parse(json)); }

// Opens to its state; rotating swaps `a` and `b`.
class SwapRotator : public Rotator {
 public:
  SchemaPtr StateSchema() const override { return State(); }
  SchemaPtr OutputSchema() const override { return State(); }
  absl::StatusOr<ValuePtr> Open(const Value&, const Value& state) const override {
    return std::make_shared<Value>(state);
  }
  absl::StatusOr<ValuePtr> Rotate(const Value&, const Value& state) const override {
    std::map<std::string, ValuePtr> next;
    auto get = [&](const char* k) {
      auto it = state.object.find(k);
      return it == state.object.end() ? MakeNull() : it->second;
    };
    next["a"] = get("b");
    next["b"] = get("a");
    return MakeObject(std::move(next));
  }

 private:
  static SchemaPtr State() {
    static const SchemaPtr kSchema = Parsed(
        R"({"properties":{"a":{"type":"string"},"b":{"type":"string"}},"type":"object","required":["a","b"]})");
    return kSchema;
  }
};

// Opens to its state; rotating stores the rotate-only input `next` as
// `current` and the old `current` as `previous`.
class EchoRotator : public Rotator {
 public:
  SchemaPtr InputSchema() const override {
    static const SchemaPtr kSchema = Parsed(
        R"({"properties":{"next":{"type":"string"}},"type":"object","required":["next"],"rotateOnly":["next"]})");
    return kSchema;
  }
  SchemaPtr StateSchema() const override { return State(); }
  SchemaPtr OutputSchema() const override { return State(); }
  absl::StatusOr<ValuePtr> Open(const Value&, const Value& state) const override {
    return std::make_shared<Value>(state);
  }
  absl::StatusOr<ValuePtr> Rotate(const Value& inputs, const Value& state) const override {
    std::map<std::string, ValuePtr> next;
    auto it = inputs.object.find("next");
    next["current"] = it == inputs.object.end() ? MakeNull() : it->second;
    auto prev = state.object.find("current");
    if (prev != state.object.end()) next["previous"] = prev->second;
    return MakeObject(std::move(next));
  }

 private:
  static SchemaPtr State() {
    static const SchemaPtr kSchema = Parsed(
        R"({"properties":{"current":{"type":"string"},"previous":{"type":"string"}},"type":"object","required":["current"]})");
    return kSchema;
  }
};

}  // namespace

absl::StatusOr<std::string> Rot128Crypter::Encrypt(std::string_view plaintext) const {
  return Rot128(plaintext);
}
absl::StatusOr<std::string> Rot128Crypter::Decrypt(std::string_view ciphertext) const {
  return Rot128(ciphertext);
}

TestProviders::TestProviders() {
  providers_["test"] = std::make_unique<EchoProvider>();
  providers_["error"] = std::make_unique<ErrorProvider>();
  providers_["secret-wrapper"] = std::make_unique<SecretWrapperProvider>();
  providers_["schema"] = std::make_unique<SchemaProvider>();
  rotators_["swap"] = std::make_unique<SwapRotator>();
  rotators_["echo"] = std::make_unique<EchoRotator>();
}

const Provider* TestProviders::FindProvider(std::string_view name) const {
  auto it = providers_.find(name);
  return it == providers_.end() ? nullptr : it->second.get();
}

const Rotator* TestProviders::FindRotator(std::string_view name) const {
  auto it = rotators_.find(name);
  return it == rotators_.end() ? nullptr : it->second.get();
}

}  // namespace escnative::esc::testing
