// A JSON-Schema subset for provider inputs/outputs, fn::validate and access
// checks on unknown values (esc.md §1.13, §1.14).
#ifndef PROVIDER_ESC_JSON_SCHEMA_H_
#define PROVIDER_ESC_JSON_SCHEMA_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "provider/esc/value.h"

namespace escnative::esc {

class Schema;
using SchemaPtr = std::shared_ptr<const Schema>;

struct SchemaError {
  std::string summary;
  std::vector<std::string> path;  // keys/indexes ("[0]") below the validated value
  const Value* at = nullptr;      // the offending value (for its range)
};

class Schema {
 public:
  // `true` (anything) and `false` (nothing).
  static SchemaPtr Always();
  static SchemaPtr Never();
  // Parses a schema; errors read "invalid schema: …" material.
  static absl::StatusOr<SchemaPtr> FromJson(const nlohmann::json& j);

  void Validate(const Value& v, std::vector<SchemaError>* errors) const;

  // Schema of `.key` / `[index]` of a value of this schema; sets *error to
  // the access diagnostic when the access cannot succeed.
  SchemaPtr Property(const std::string& key, std::string* error) const;
  SchemaPtr Item(int64_t index, std::string* error) const;

  bool secret() const { return secret_; }
  // The schema as JSON, as it was given (results report it, esc.md §1.14).
  nlohmann::json ToJson() const;
  // Top-level properties flagged `rotateOnly`.
  std::vector<std::string> RotateOnlyProperties() const;

 private:
  friend class SchemaParser;
  const Schema& Resolve() const;
  bool Allows(const char* type) const;
  void ValidateAt(const Value& v, std::vector<std::string>* path, std::vector<SchemaError>* errors,
                  int depth) const;

  std::optional<bool> boolean_;  // boolean schema
  std::vector<std::string> types_;
  std::map<std::string, SchemaPtr> properties_;
  SchemaPtr additional_properties_;
  std::vector<std::string> required_;
  std::vector<SchemaPtr> prefix_items_;
  SchemaPtr items_;
  std::optional<nlohmann::json> const_;
  std::optional<nlohmann::json> enum_;
  std::vector<SchemaPtr> any_of_, one_of_, all_of_;
  std::optional<double> minimum_, maximum_, exclusive_minimum_, exclusive_maximum_, multiple_of_;
  std::optional<size_t> min_length_, max_length_, min_items_, max_items_, min_properties_,
      max_properties_;
  std::optional<std::string> pattern_;
  std::map<std::string, std::vector<std::string>> dependent_required_;
  std::string ref_;
  // `$defs` of the root schema. Schemas outside `$defs` own the table;
  // those inside it only observe it, so the table and its entries do not
  // keep each other alive.
  std::shared_ptr<std::map<std::string, SchemaPtr>> defs_;
  std::weak_ptr<std::map<std::string, SchemaPtr>> weak_defs_;
  bool secret_ = false;
  bool rotate_only_ = false;
  std::vector<std::string> rotate_only_properties_;  // object-level "rotateOnly": [names]
  nlohmann::json source_;
};

}  // namespace escnative::esc

#endif  // PROVIDER_ESC_JSON_SCHEMA_H_
