// PropertyValue: the provider's model of a Pulumi property value.
//
// It covers every kind the engine can send (null, bool, number, string, array,
// object, secret, unknown, resource reference, asset, archive, output value),
// so resource logic never sees protobuf types. The protobuf codec lives in
// provider/server/struct_codec.h.
//
//   PropertyMap inputs = ...;
//   const PropertyValue* key = Find(inputs, "apiKey");
//   if (key != nullptr && key->IsSecret()) { ... key->Unsecret().AsString() ... }
//
// Values are plain data: copyable, comparable, not thread-safe to mutate.
#ifndef PROVIDER_VALUE_PROPERTY_VALUE_H_
#define PROVIDER_VALUE_PROPERTY_VALUE_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"

namespace escnative {

class PropertyValue;
using PropertyArray = std::vector<PropertyValue>;
// Ordered so that iteration (diffs, encodings, tests) is deterministic.
using PropertyMap = std::map<std::string, PropertyValue, std::less<>>;

// Heap box with value semantics, so variant alternatives can nest values.
template <typename T>
class Box {
 public:
  Box() : p_(std::make_unique<T>()) {}
  Box(T v) : p_(std::make_unique<T>(std::move(v))) {}  // NOLINT: implicit by design
  Box(const Box& o) : p_(std::make_unique<T>(*o.p_)) {}
  Box(Box&& o) noexcept = default;
  Box& operator=(const Box& o) {
    if (this != &o) p_ = std::make_unique<T>(*o.p_);
    return *this;
  }
  Box& operator=(Box&& o) noexcept = default;
  const T& operator*() const { return *p_; }
  T& operator*() { return *p_; }
  const T* operator->() const { return p_.get(); }
  T* operator->() { return p_.get(); }

 private:
  std::unique_ptr<T> p_;  // never null except after a move
};

// Compares the boxed values (defined below PropertyValue). Declared here so
// PropertyValue's inline operator== finds it: clang instantiates the variant
// comparison where that operator is defined.
template <typename T>
bool operator==(const Box<T>& a, const Box<T>& b);

// Which unknown sentinel a computed value carries. The engine usually loses the
// type and sends kString; the others are kept so a value round-trips exactly.
enum class UnknownType { kBool, kNumber, kString, kArray, kAsset, kArchive, kObject };

struct Unknown {
  UnknownType type = UnknownType::kString;
  bool operator==(const Unknown& o) const { return type == o.type; }
};

struct Secret {
  Box<PropertyValue> value;
  bool operator==(const Secret& o) const;
};

struct ResourceReference {
  std::string urn;
  std::optional<std::string> id;  // absent: component; present but empty: unknown id
  std::string package_version;
  std::optional<std::string> name;
  std::optional<std::string> type;
  bool operator==(const ResourceReference& o) const;
};

struct Asset {
  std::string hash;  // hex SHA-256; may be the only field when the engine elides contents
  std::optional<std::string> text;
  std::optional<std::string> path;
  std::optional<std::string> uri;
  bool operator==(const Asset& o) const;
};

struct Archive {
  std::string hash;
  std::optional<Box<PropertyMap>> assets;  // name -> asset or archive
  std::optional<std::string> path;
  std::optional<std::string> uri;
  bool operator==(const Archive& o) const;
};

struct OutputValue {
  std::optional<Box<PropertyValue>> value;  // absent: unknown
  bool secret = false;
  std::vector<std::string> dependencies;  // URNs
  bool operator==(const OutputValue& o) const;
};

class PropertyValue {
 public:
  enum class Kind {
    kNull,
    kBool,
    kNumber,
    kString,
    kArray,
    kObject,
    kSecret,
    kUnknown,
    kResourceReference,
    kAsset,
    kArchive,
    kOutput,
  };

  PropertyValue() = default;  // null
  PropertyValue(std::nullptr_t) {}                                     // NOLINT
  PropertyValue(bool b) : v_(b) {}                                     // NOLINT
  PropertyValue(double d) : v_(d) {}                                   // NOLINT
  PropertyValue(int i) : v_(static_cast<double>(i)) {}                 // NOLINT
  PropertyValue(int64_t i) : v_(static_cast<double>(i)) {}             // NOLINT
  PropertyValue(const char* s) : v_(std::string(s)) {}                 // NOLINT
  PropertyValue(std::string s) : v_(std::move(s)) {}                   // NOLINT
  PropertyValue(absl::string_view s) : v_(std::string(s)) {}           // NOLINT
  PropertyValue(PropertyArray a) : v_(std::move(a)) {}                 // NOLINT
  PropertyValue(PropertyMap m) : v_(Box<PropertyMap>(std::move(m))) {}  // NOLINT
  PropertyValue(Secret s) : v_(std::move(s)) {}                        // NOLINT
  PropertyValue(Unknown u) : v_(u) {}                                  // NOLINT
  PropertyValue(ResourceReference r) : v_(std::move(r)) {}             // NOLINT
  PropertyValue(Asset a) : v_(std::move(a)) {}                         // NOLINT
  PropertyValue(Archive a) : v_(std::move(a)) {}                       // NOLINT
  PropertyValue(OutputValue o) : v_(std::move(o)) {}                   // NOLINT

  static PropertyValue MakeSecret(PropertyValue inner);
  static PropertyValue MakeUnknown(UnknownType type = UnknownType::kString) {
    return PropertyValue(Unknown{type});
  }

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool IsNull() const { return kind() == Kind::kNull; }
  bool IsBool() const { return kind() == Kind::kBool; }
  bool IsNumber() const { return kind() == Kind::kNumber; }
  bool IsString() const { return kind() == Kind::kString; }
  bool IsArray() const { return kind() == Kind::kArray; }
  bool IsObject() const { return kind() == Kind::kObject; }
  bool IsUnknown() const { return kind() == Kind::kUnknown; }
  bool IsResourceReference() const { return kind() == Kind::kResourceReference; }
  bool IsAsset() const { return kind() == Kind::kAsset; }
  bool IsArchive() const { return kind() == Kind::kArchive; }
  bool IsOutput() const { return kind() == Kind::kOutput; }
  // A secret wrapper, or an output value flagged secret.
  bool IsSecret() const;
  // Unknown itself, or an output value without a value.
  bool IsComputed() const;

  // Accessors. REQUIRES: the matching Is*() is true.
  bool AsBool() const { return std::get<bool>(v_); }
  double AsNumber() const { return std::get<double>(v_); }
  const std::string& AsString() const { return std::get<std::string>(v_); }
  const PropertyArray& AsArray() const { return std::get<PropertyArray>(v_); }
  PropertyArray& AsArray() { return std::get<PropertyArray>(v_); }
  const PropertyMap& AsObject() const { return *std::get<Box<PropertyMap>>(v_); }
  PropertyMap& AsObject() { return *std::get<Box<PropertyMap>>(v_); }
  const Secret& AsSecret() const { return std::get<Secret>(v_); }
  const Unknown& AsUnknown() const { return std::get<Unknown>(v_); }
  const ResourceReference& AsResourceReference() const {
    return std::get<ResourceReference>(v_);
  }
  const Asset& AsAsset() const { return std::get<Asset>(v_); }
  const Archive& AsArchive() const { return std::get<Archive>(v_); }
  const OutputValue& AsOutput() const { return std::get<OutputValue>(v_); }

  // The value without its outermost secret/output wrappers (a known output's
  // value; an unknown output becomes Unknown). Other kinds are returned as is.
  PropertyValue Unsecret() const;
  // The same without a copy: a reference to the innermost value (a shared
  // unknown for an unknown output). Lives as long as this value.
  const PropertyValue& Plain() const;
  // A deep copy with every secret and output wrapper removed.
  PropertyValue RemoveSecrets() const;
  // True if a secret (or secret output) occurs anywhere inside.
  bool ContainsSecrets() const;
  // True if an unknown (or unknown output) occurs anywhere inside.
  bool ContainsUnknowns() const;

  // "null", "boolean", "number", "string", "array", "object", "secret",
  // "unknown", "resource reference", "asset", "archive", "output".
  absl::string_view TypeName() const;
  static absl::string_view KindName(Kind kind);

  // Structure for logs and errors: every string, number and bool is elided
  // (`"…"`), so no value, secret or not, can leak through it.
  std::string ShapeString() const;

  bool operator==(const PropertyValue& o) const { return v_ == o.v_; }
  bool operator!=(const PropertyValue& o) const { return !(*this == o); }

 private:
  // Alternative order must match Kind.
  std::variant<std::monostate, bool, double, std::string, PropertyArray, Box<PropertyMap>,
               Secret, Unknown, ResourceReference, Asset, Archive, OutputValue>
      v_;
};

// Box equality compares the boxed values.
template <typename T>
bool operator==(const Box<T>& a, const Box<T>& b) {
  return *a == *b;
}

// Convenience lookup in an object: nullptr when absent.
const PropertyValue* Find(const PropertyMap& map, absl::string_view key);

}  // namespace escnative

#endif  // PROVIDER_VALUE_PROPERTY_VALUE_H_
