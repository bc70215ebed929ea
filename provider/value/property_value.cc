#include "provider/value/property_value.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace escnative {

bool Secret::operator==(const Secret& o) const { return *value == *o.value; }

bool ResourceReference::operator==(const ResourceReference& o) const {
  return urn == o.urn && id == o.id && package_version == o.package_version && name == o.name &&
         type == o.type;
}

bool Asset::operator==(const Asset& o) const {
  return hash == o.hash && text == o.text && path == o.path && uri == o.uri;
}

bool Archive::operator==(const Archive& o) const {
  if (assets.has_value() != o.assets.has_value()) return false;
  if (assets.has_value() && !(**assets == **o.assets)) return false;
  return hash == o.hash && path == o.path && uri == o.uri;
}

bool OutputValue::operator==(const OutputValue& o) const {
  if (value.has_value() != o.value.has_value()) return false;
  if (value.has_value() && !(**value == **o.value)) return false;
  return secret == o.secret && dependencies == o.dependencies;
}

PropertyValue PropertyValue::MakeSecret(PropertyValue inner) {
  // Secrets do not nest: a secret of a secret is the same secret.
  if (inner.kind() == Kind::kSecret) return inner;
  return PropertyValue(Secret{Box<PropertyValue>(std::move(inner))});
}

bool PropertyValue::IsSecret() const {
  if (kind() == Kind::kSecret) return true;
  return kind() == Kind::kOutput && AsOutput().secret;
}

bool PropertyValue::IsComputed() const {
  if (kind() == Kind::kUnknown) return true;
  return kind() == Kind::kOutput && !AsOutput().value.has_value();
}

PropertyValue PropertyValue::Unsecret() const {
  const PropertyValue* v = this;
  for (;;) {
    if (v->kind() == Kind::kSecret) {
      v = &*v->AsSecret().value;
    } else if (v->kind() == Kind::kOutput) {
      if (!v->AsOutput().value.has_value()) return MakeUnknown();
      v = &**v->AsOutput().value;
    } else {
      return *v;
    }
  }
}

const PropertyValue& PropertyValue::Plain() const {
  static const PropertyValue* const kUnknownValue = new PropertyValue(Unknown{});
  const PropertyValue* v = this;
  for (;;) {
    if (v->kind() == Kind::kSecret) {
      v = &*v->AsSecret().value;
    } else if (v->kind() == Kind::kOutput) {
      if (!v->AsOutput().value.has_value()) return *kUnknownValue;
      v = &**v->AsOutput().value;
    } else {
      return *v;
    }
  }
}

PropertyValue PropertyValue::RemoveSecrets() const {
  switch (kind()) {
    case Kind::kSecret:
    case Kind::kOutput: {
      PropertyValue inner = Unsecret();
      return inner.RemoveSecrets();
    }
    case Kind::kArray: {
      PropertyArray out;
      out.reserve(AsArray().size());
      for (const auto& e : AsArray()) out.push_back(e.RemoveSecrets());
      return PropertyValue(std::move(out));
    }
    case Kind::kObject: {
      PropertyMap out;
      for (const auto& [k, e] : AsObject()) out.emplace(k, e.RemoveSecrets());
      return PropertyValue(std::move(out));
    }
    default:
      return *this;
  }
}

bool PropertyValue::ContainsSecrets() const {
  switch (kind()) {
    case Kind::kSecret:
      return true;
    case Kind::kOutput:
      return AsOutput().secret ||
             (AsOutput().value.has_value() && (*AsOutput().value)->ContainsSecrets());
    case Kind::kArray:
      for (const auto& e : AsArray()) {
        if (e.ContainsSecrets()) return true;
      }
      return false;
    case Kind::kObject:
      for (const auto& [k, e] : AsObject()) {
        if (e.ContainsSecrets()) return true;
      }
      return false;
    default:
      return false;
  }
}

bool PropertyValue::ContainsUnknowns() const {
  switch (kind()) {
    case Kind::kUnknown:
      return true;
    case Kind::kSecret:
      return AsSecret().value->ContainsUnknowns();
    case Kind::kOutput:
      return !AsOutput().value.has_value() || (*AsOutput().value)->ContainsUnknowns();
    case Kind::kResourceReference:
      // An empty id is the engine's "id not known yet".
      return AsResourceReference().id.has_value() && AsResourceReference().id->empty();
    case Kind::kArray:
      for (const auto& e : AsArray()) {
        if (e.ContainsUnknowns()) return true;
      }
      return false;
    case Kind::kObject:
      for (const auto& [k, e] : AsObject()) {
        if (e.ContainsUnknowns()) return true;
      }
      return false;
    default:
      return false;
  }
}

absl::string_view PropertyValue::KindName(Kind kind) {
  switch (kind) {
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return "boolean";
    case Kind::kNumber:
      return "number";
    case Kind::kString:
      return "string";
    case Kind::kArray:
      return "array";
    case Kind::kObject:
      return "object";
    case Kind::kSecret:
      return "secret";
    case Kind::kUnknown:
      return "unknown";
    case Kind::kResourceReference:
      return "resource reference";
    case Kind::kAsset:
      return "asset";
    case Kind::kArchive:
      return "archive";
    case Kind::kOutput:
      return "output";
  }
  return "invalid";
}

absl::string_view PropertyValue::TypeName() const { return KindName(kind()); }

std::string PropertyValue::ShapeString() const {
  switch (kind()) {
    case Kind::kNull:
      return "null";
    case Kind::kBool:
    case Kind::kNumber:
    case Kind::kString:
      return absl::StrCat("<", TypeName(), ">");
    case Kind::kArray: {
      std::vector<std::string> parts;
      for (const auto& e : AsArray()) parts.push_back(e.ShapeString());
      return absl::StrCat("[", absl::StrJoin(parts, ","), "]");
    }
    case Kind::kObject: {
      std::vector<std::string> parts;
      for (const auto& [k, e] : AsObject()) parts.push_back(absl::StrCat(k, ":", e.ShapeString()));
      return absl::StrCat("{", absl::StrJoin(parts, ","), "}");
    }
    case Kind::kSecret:
      return "<secret>";
    default:
      return absl::StrCat("<", TypeName(), ">");
  }
}

const PropertyValue* Find(const PropertyMap& map, absl::string_view key) {
  auto it = map.find(key);
  return it == map.end() ? nullptr : &it->second;
}

}  // namespace escnative
