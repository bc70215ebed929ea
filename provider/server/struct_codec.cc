#include "provider/server/struct_codec.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "provider/server/wire_constants.h"
#include "provider/util/status_macros.h"
#include "provider/value/property_path.h"

namespace escnative::server {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

std::string Child(absl::string_view path, absl::string_view key) {
  // Reuse the property-path printer so error paths match CheckFailure paths.
  std::string tail = PropertyPath().Key(key).ToString();
  if (path.empty()) return tail;
  if (tail[0] == '[') return absl::StrCat(path, tail);
  return absl::StrCat(path, ".", tail);
}

absl::Status Malformed(absl::string_view path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path.empty() ? "value" : path, ": ", what));
}

bool UnknownSentinel(absl::string_view s, UnknownType* type) {
  struct Entry {
    const char* text;
    UnknownType type;
  };
  static constexpr Entry kEntries[] = {
      {wire::kUnknownString, UnknownType::kString}, {wire::kUnknownBool, UnknownType::kBool},
      {wire::kUnknownNumber, UnknownType::kNumber}, {wire::kUnknownArray, UnknownType::kArray},
      {wire::kUnknownObject, UnknownType::kObject}, {wire::kUnknownAsset, UnknownType::kAsset},
      {wire::kUnknownArchive, UnknownType::kArchive},
  };
  if (s.size() != 36) return false;  // all sentinels are UUIDs
  for (const auto& e : kEntries) {
    if (s == e.text) {
      *type = e.type;
      return true;
    }
  }
  return false;
}

const char* UnknownText(UnknownType t) {
  switch (t) {
    case UnknownType::kBool:
      return wire::kUnknownBool;
    case UnknownType::kNumber:
      return wire::kUnknownNumber;
    case UnknownType::kString:
      return wire::kUnknownString;
    case UnknownType::kArray:
      return wire::kUnknownArray;
    case UnknownType::kAsset:
      return wire::kUnknownAsset;
    case UnknownType::kArchive:
      return wire::kUnknownArchive;
    case UnknownType::kObject:
      return wire::kUnknownObject;
  }
  return wire::kUnknownString;
}

// Reads an optional string field of a signature object.
absl::Status OptionalString(const Struct& s, absl::string_view key, absl::string_view path,
                            std::optional<std::string>* out) {
  auto it = s.fields().find(std::string(key));
  if (it == s.fields().end()) return absl::OkStatus();
  if (it->second.kind_case() != Value::kStringValue) {
    return Malformed(Child(path, key), "expected a string");
  }
  *out = it->second.string_value();
  return absl::OkStatus();
}

absl::StatusOr<PropertyValue> DecodeSignature(const Struct& s, const std::string& sig,
                                              absl::string_view path) {
  const auto& f = s.fields();
  if (sig == wire::kSigSecret) {
    auto it = f.find("value");
    if (it == f.end()) return Malformed(path, "secret is missing its \"value\" field");
    ASSIGN_OR_RETURN(PropertyValue inner, DecodeValue(it->second, path));
    return PropertyValue::MakeSecret(std::move(inner));
  }
  if (sig == wire::kSigResourceReference) {
    ResourceReference ref;
    std::optional<std::string> urn;
    RETURN_IF_ERROR(OptionalString(s, "urn", path, &urn));
    if (!urn.has_value()) return Malformed(path, "resource reference is missing its \"urn\"");
    ref.urn = *urn;
    RETURN_IF_ERROR(OptionalString(s, "id", path, &ref.id));
    std::optional<std::string> version;
    RETURN_IF_ERROR(OptionalString(s, "packageVersion", path, &version));
    ref.package_version = version.value_or("");
    RETURN_IF_ERROR(OptionalString(s, "name", path, &ref.name));
    RETURN_IF_ERROR(OptionalString(s, "type", path, &ref.type));
    return PropertyValue(std::move(ref));
  }
  if (sig == wire::kSigOutput) {
    OutputValue out;
    if (auto it = f.find("value"); it != f.end()) {
      ASSIGN_OR_RETURN(PropertyValue inner, DecodeValue(it->second, path));
      out.value = Box<PropertyValue>(std::move(inner));
    }
    if (auto it = f.find("secret"); it != f.end()) {
      if (it->second.kind_case() != Value::kBoolValue) {
        return Malformed(Child(path, "secret"), "expected a boolean");
      }
      out.secret = it->second.bool_value();
    }
    if (auto it = f.find("dependencies"); it != f.end()) {
      if (it->second.kind_case() != Value::kListValue) {
        return Malformed(Child(path, "dependencies"), "expected an array of URN strings");
      }
      for (const auto& d : it->second.list_value().values()) {
        if (d.kind_case() != Value::kStringValue) {
          return Malformed(Child(path, "dependencies"), "expected an array of URN strings");
        }
        out.dependencies.push_back(d.string_value());
      }
    }
    return PropertyValue(std::move(out));
  }
  if (sig == wire::kSigAsset) {
    Asset a;
    std::optional<std::string> hash;
    RETURN_IF_ERROR(OptionalString(s, "hash", path, &hash));
    a.hash = hash.value_or("");
    RETURN_IF_ERROR(OptionalString(s, "text", path, &a.text));
    RETURN_IF_ERROR(OptionalString(s, "path", path, &a.path));
    RETURN_IF_ERROR(OptionalString(s, "uri", path, &a.uri));
    return PropertyValue(std::move(a));
  }
  if (sig == wire::kSigArchive) {
    Archive a;
    std::optional<std::string> hash;
    RETURN_IF_ERROR(OptionalString(s, "hash", path, &hash));
    a.hash = hash.value_or("");
    RETURN_IF_ERROR(OptionalString(s, "path", path, &a.path));
    RETURN_IF_ERROR(OptionalString(s, "uri", path, &a.uri));
    if (auto it = f.find("assets"); it != f.end()) {
      if (it->second.kind_case() != Value::kStructValue) {
        return Malformed(Child(path, "assets"), "expected an object of assets and archives");
      }
      ASSIGN_OR_RETURN(PropertyMap assets,
                       DecodeStruct(it->second.struct_value(), Child(path, "assets")));
      for (const auto& [name, member] : assets) {
        if (!member.IsAsset() && !member.IsArchive()) {
          return Malformed(Child(Child(path, "assets"), name), "expected an asset or archive");
        }
      }
      a.assets = Box<PropertyMap>(std::move(assets));
    }
    return PropertyValue(std::move(a));
  }
  if (sig == wire::kSigByteString) {
    return Malformed(path, "byte-string values are not supported by this provider");
  }
  return Malformed(path, "unrecognized signature");
}

}  // namespace

absl::StatusOr<PropertyValue> DecodeValue(const Value& v, absl::string_view path) {
  switch (v.kind_case()) {
    case Value::KIND_NOT_SET:
    case Value::kNullValue:
      return PropertyValue();
    case Value::kBoolValue:
      return PropertyValue(v.bool_value());
    case Value::kNumberValue:
      return PropertyValue(v.number_value());
    case Value::kStringValue: {
      UnknownType t;
      if (UnknownSentinel(v.string_value(), &t)) return PropertyValue::MakeUnknown(t);
      return PropertyValue(v.string_value());
    }
    case Value::kListValue: {
      PropertyArray arr;
      arr.reserve(v.list_value().values_size());
      for (int i = 0; i < v.list_value().values_size(); ++i) {
        ASSIGN_OR_RETURN(PropertyValue e,
                         DecodeValue(v.list_value().values(i), absl::StrCat(path, "[", i, "]")));
        arr.push_back(std::move(e));
      }
      return PropertyValue(std::move(arr));
    }
    case Value::kStructValue: {
      const Struct& s = v.struct_value();
      auto sig = s.fields().find(wire::kSigKey);
      if (sig != s.fields().end()) {
        if (sig->second.kind_case() != Value::kStringValue) {
          return Malformed(path, "signature key must hold a string");
        }
        return DecodeSignature(s, sig->second.string_value(), path);
      }
      ASSIGN_OR_RETURN(PropertyMap m, DecodeStruct(s, path));
      return PropertyValue(std::move(m));
    }
  }
  return Malformed(path, "unsupported value kind");
}

absl::StatusOr<PropertyMap> DecodeStruct(const Struct& s, absl::string_view what) {
  PropertyMap out;
  for (const auto& [key, value] : s.fields()) {
    ASSIGN_OR_RETURN(PropertyValue v, DecodeValue(value, Child(what, key)));
    out.emplace(key, std::move(v));
  }
  return out;
}

void EncodeStruct(const PropertyMap& map, Struct* out) {
  auto* fields = out->mutable_fields();
  for (const auto& [key, value] : map) EncodeValue(value, &(*fields)[key]);
}

namespace {

void SetString(Struct* s, const char* key, const std::string& v) {
  (*s->mutable_fields())[key].set_string_value(v);
}

}  // namespace

void EncodeValue(const PropertyValue& value, Value* out) {
  using Kind = PropertyValue::Kind;
  switch (value.kind()) {
    case Kind::kNull:
      out->set_null_value(google::protobuf::NULL_VALUE);
      return;
    case Kind::kBool:
      out->set_bool_value(value.AsBool());
      return;
    case Kind::kNumber:
      out->set_number_value(value.AsNumber());
      return;
    case Kind::kString:
      out->set_string_value(value.AsString());
      return;
    case Kind::kArray: {
      auto* list = out->mutable_list_value();
      for (const auto& e : value.AsArray()) EncodeValue(e, list->add_values());
      return;
    }
    case Kind::kObject:
      EncodeStruct(value.AsObject(), out->mutable_struct_value());
      return;
    case Kind::kUnknown:
      out->set_string_value(UnknownText(value.AsUnknown().type));
      return;
    case Kind::kSecret: {
      auto* s = out->mutable_struct_value();
      SetString(s, wire::kSigKey, wire::kSigSecret);
      EncodeValue(*value.AsSecret().value, &(*s->mutable_fields())["value"]);
      return;
    }
    case Kind::kResourceReference: {
      const auto& r = value.AsResourceReference();
      auto* s = out->mutable_struct_value();
      SetString(s, wire::kSigKey, wire::kSigResourceReference);
      SetString(s, "urn", r.urn);
      if (r.id.has_value()) SetString(s, "id", *r.id);
      if (!r.package_version.empty()) SetString(s, "packageVersion", r.package_version);
      if (r.name.has_value()) SetString(s, "name", *r.name);
      if (r.type.has_value()) SetString(s, "type", *r.type);
      return;
    }
    case Kind::kAsset: {
      const auto& a = value.AsAsset();
      auto* s = out->mutable_struct_value();
      SetString(s, wire::kSigKey, wire::kSigAsset);
      if (!a.hash.empty()) SetString(s, "hash", a.hash);
      if (a.text.has_value()) SetString(s, "text", *a.text);
      if (a.path.has_value()) SetString(s, "path", *a.path);
      if (a.uri.has_value()) SetString(s, "uri", *a.uri);
      return;
    }
    case Kind::kArchive: {
      const auto& a = value.AsArchive();
      auto* s = out->mutable_struct_value();
      SetString(s, wire::kSigKey, wire::kSigArchive);
      if (!a.hash.empty()) SetString(s, "hash", a.hash);
      if (a.path.has_value()) SetString(s, "path", *a.path);
      if (a.uri.has_value()) SetString(s, "uri", *a.uri);
      if (a.assets.has_value()) {
        EncodeStruct(**a.assets, (*s->mutable_fields())["assets"].mutable_struct_value());
      }
      return;
    }
    case Kind::kOutput: {
      const auto& o = value.AsOutput();
      auto* s = out->mutable_struct_value();
      SetString(s, wire::kSigKey, wire::kSigOutput);
      if (o.value.has_value()) EncodeValue(**o.value, &(*s->mutable_fields())["value"]);
      if (o.secret) (*s->mutable_fields())["secret"].set_bool_value(true);
      if (!o.dependencies.empty()) {
        auto* deps = (*s->mutable_fields())["dependencies"].mutable_list_value();
        for (const auto& d : o.dependencies) deps->add_values()->set_string_value(d);
      }
      return;
    }
  }
}

}  // namespace escnative::server
