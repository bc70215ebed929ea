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
        R"({"type":"object","properties":{"why":{"type":"string"}},"required":["why"]})"));
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

constexpr char kSchemaProviderSchema[] = R"({
  "type": "object",
  "additionalProperties": false,
  "$defs": {"ref": {"type": "object", "properties": {"baz": {"type": "string"}}}},
  "properties": {
    "null": {"type": "null"},
    "boolean": {"type": "boolean"},
    "false": {"const": false},
    "true": {"const": true},
    "number": {"type": "number"},
    "pi": {"type": "number"},
    "string": {"type": "string"},
    "hello": {"const": "hello"},
    "array": {"type": "array", "prefixItems": [
      {"type": "number"}, {"type": "string"},
      {"type": "object", "properties": {"some": {"type": "string"}}},
      {"type": "array", "items": {"type": "string"}}]},
    "tuple": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "string"}], "items": false},
    "map": {"type": "object", "additionalProperties": {"anyOf": [{"type": "string"}, {"type": "number"}]}},
    "record": {"type": "object", "properties": {"foo": {"type": "string"}}, "required": ["foo"], "additionalProperties": false},
    "anyOf": {"anyOf": [{"type": "string"}, {"type": "number"}]},
    "oneOf": {"oneOf": [{"type": "string"}, {"type": "boolean"}, {"type": "number"}]},
    "ref": {"$ref": "#/$defs/ref"},
    "const-array": {"const": ["hello", 42]},
    "const-object": {"const": {"hello": "world"}},
    "enum": {"enum": ["foo", "bar"]},
    "always": true,
    "double": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "number"}]},
    "triple": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]},
    "dependentReq": {"type": "object", "dependentRequired": {"foo": ["bar"]}},
    "multiple": {"type": "number", "multipleOf": 2},
    "minimum": {"type": "number", "minimum": 1},
    "exclusiveMinimum": {"type": "number", "exclusiveMinimum": 1},
    "maximum": {"type": "number", "maximum": 1},
    "exclusiveMaximum": {"type": "number", "exclusiveMaximum": 1},
    "minLength": {"type": "string", "minLength": 1},
    "maxLength": {"type": "string", "maxLength": 1},
    "pattern": {"type": "string", "pattern": "^foo[0-9]+$"},
    "minProperties": {"type": "object", "minProperties": 1},
    "maxProperties": {"type": "object", "maxProperties": 1}
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

// Opens to its state; rotating swaps `a` and `b`.
class SwapRotator : public Rotator {
 public:
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
};

// Opens to its state; rotating stores the rotate-only input `next` as `current`.
class EchoRotator : public Rotator {
 public:
  SchemaPtr InputSchema() const override {
    static const SchemaPtr kSchema = *Schema::FromJson(
        nlohmann::json::parse(R"({"type":"object","properties":{"next":{"rotateOnly":true}}})"));
    return kSchema;
  }
  absl::StatusOr<ValuePtr> Open(const Value&, const Value& state) const override {
    return std::make_shared<Value>(state);
  }
  absl::StatusOr<ValuePtr> Rotate(const Value& inputs, const Value&) const override {
    auto it = inputs.object.find("next");
    return MakeObject({{"current", it == inputs.object.end() ? MakeNull() : it->second}});
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
