// The package schema (provider/schema/schema.json, embedded at build time) and
// a typed view of its property specs, so validation, secret marking and
// replace-on-change flags are declared once, in the schema.
#ifndef PROVIDER_RESOURCES_PACKAGE_SCHEMA_H_
#define PROVIDER_RESOURCES_PACKAGE_SCHEMA_H_

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace escnative::resources {

struct ObjectSpec;

struct TypeSpec {
  enum class Kind { kString, kBoolean, kInteger, kNumber, kArray, kMap, kAny, kObject, kEnum };
  Kind kind = Kind::kAny;
  std::shared_ptr<const TypeSpec> element;  // kArray items / kMap additionalProperties
  const ObjectSpec* object = nullptr;       // kObject: the referenced object type
  std::vector<std::string> enum_values;     // kEnum (string enums only)
  std::string ref;                          // the $ref token, for messages
};

struct PropertySpec {
  TypeSpec type;
  bool secret = false;
  bool replace_on_changes = false;
  std::string description;
};

struct ObjectSpec {
  std::string token;  // resource/function/type token, or "provider"
  std::map<std::string, PropertySpec> properties;
  std::set<std::string> required;
};

struct ResourceSchema {
  std::string token;
  ObjectSpec inputs;
  ObjectSpec outputs;
};

struct FunctionSchema {
  std::string token;
  ObjectSpec inputs;
  ObjectSpec outputs;
};

// The package schema, parsed once. Thread-safe.
class PackageSchema {
 public:
  static const PackageSchema& Get();

  // The schema JSON as served by GetSchema, with `version` set.
  std::string Json(absl::string_view version) const;

  const ObjectSpec& config() const { return config_; }
  const ResourceSchema* FindResource(absl::string_view token) const;
  const FunctionSchema* FindFunction(absl::string_view token) const;
  std::vector<std::string> ResourceTokens() const;
  std::vector<std::string> FunctionTokens() const;

 private:
  PackageSchema();
  std::string raw_;
  ObjectSpec config_;
  std::map<std::string, std::unique_ptr<ObjectSpec>, std::less<>> types_;
  std::map<std::string, ResourceSchema, std::less<>> resources_;
  std::map<std::string, FunctionSchema, std::less<>> functions_;

  friend struct SchemaBuilder;
};

// The raw embedded schema.json text (generated translation unit).
absl::string_view EmbeddedSchemaJson();

}  // namespace escnative::resources

#endif  // PROVIDER_RESOURCES_PACKAGE_SCHEMA_H_
