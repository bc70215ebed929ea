// Plug-in points for `fn::open::<name>` and `fn::rotate::<name>`.
#ifndef PROVIDER_ESC_PROVIDER_H_
#define PROVIDER_ESC_PROVIDER_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "provider/esc/json_schema.h"
#include "provider/esc/value.h"

namespace escnative::esc {

// Inputs arrive fully known with secrets in plaintext. Build returned values
// with the Make*/MarkSecret helpers of value.h (they keep cached flags). A returned value
// marked secret is made secret deeply by the evaluator. Error messages become
// diagnostics verbatim, so they must not contain secrets.
class Provider {
 public:
  virtual ~Provider() = default;
  virtual SchemaPtr InputSchema() const { return Schema::Always(); }
  virtual SchemaPtr OutputSchema() const { return Schema::Always(); }
  virtual absl::StatusOr<ValuePtr> Open(const Value& inputs) const = 0;
};

// A rotator is opened with its stored state; Rotate returns the new state,
// which the caller writes back at `<path>["fn::rotate…"].state`. Input
// properties flagged `rotateOnly` in InputSchema are evaluated only when
// rotating (and when checking the root environment).
class Rotator {
 public:
  virtual ~Rotator() = default;
  virtual SchemaPtr InputSchema() const { return Schema::Always(); }
  virtual SchemaPtr StateSchema() const { return Schema::Always(); }
  virtual SchemaPtr OutputSchema() const { return Schema::Always(); }
  virtual absl::StatusOr<ValuePtr> Open(const Value& inputs, const Value& state) const = 0;
  virtual absl::StatusOr<ValuePtr> Rotate(const Value& inputs, const Value& state) const = 0;
};

class ProviderRegistry {
 public:
  virtual ~ProviderRegistry() = default;
  // nullptr when unknown. Returned objects must outlive the evaluation.
  virtual const Provider* FindProvider(std::string_view name) const = 0;
  virtual const Rotator* FindRotator(std::string_view name) const = 0;
};

}  // namespace escnative::esc

#endif  // PROVIDER_ESC_PROVIDER_H_
