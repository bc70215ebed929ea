#include "provider/resources/esc_values.h"

#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "provider/value/property_path.h"

namespace escnative::resources {
namespace {

std::string Child(const std::string& path, const std::string& key) {
  std::string tail = PropertyPath().Key(key).ToString();
  if (path.empty()) return tail;
  return tail[0] == '[' ? path + tail : absl::StrCat(path, ".", tail);
}

std::string NumberText(double d) {
  if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9007199254740992.0) {
    return absl::StrCat(static_cast<int64_t>(d));
  }
  return absl::StrCat(d);
}

nlohmann::ordered_json Number(double d) {
  if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9007199254740992.0) {
    return static_cast<int64_t>(d);
  }
  return d;
}

}  // namespace

PropertyValue FromEscValue(const esc::Value& v) {
  PropertyValue out;
  if (v.unknown) {
    out = PropertyValue::MakeUnknown();
  } else {
    switch (v.kind) {
      case esc::Value::Kind::kNull:
        break;
      case esc::Value::Kind::kBool:
        out = PropertyValue(v.boolean);
        break;
      case esc::Value::Kind::kNumber: {
        double d = 0;
        if (absl::SimpleAtod(v.text, &d)) {
          out = PropertyValue(d);
        } else {
          out = PropertyValue(v.text);  // out of double range: keep the digits
        }
        break;
      }
      case esc::Value::Kind::kString:
        out = PropertyValue(v.text);
        break;
      case esc::Value::Kind::kArray: {
        PropertyArray a;
        a.reserve(v.array.size());
        for (const auto& e : v.array) a.push_back(FromEscValue(*e));
        out = PropertyValue(std::move(a));
        break;
      }
      case esc::Value::Kind::kObject: {
        PropertyMap m;
        for (const auto& [k, e] : v.object) m.emplace(k, FromEscValue(*e));
        out = PropertyValue(std::move(m));
        break;
      }
    }
  }
  return v.secret ? PropertyValue::MakeSecret(std::move(out)) : out;
}

PropertyValue FromJson(const nlohmann::ordered_json& j) {
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::boolean:
      return PropertyValue(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
    case nlohmann::ordered_json::value_t::number_unsigned:
    case nlohmann::ordered_json::value_t::number_float:
      return PropertyValue(j.get<double>());
    case nlohmann::ordered_json::value_t::string:
      return PropertyValue(j.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      PropertyArray a;
      for (const auto& e : j) a.push_back(FromJson(e));
      return PropertyValue(std::move(a));
    }
    case nlohmann::ordered_json::value_t::object: {
      PropertyMap m;
      for (const auto& [k, e] : j.items()) m.emplace(k, FromJson(e));
      return PropertyValue(std::move(m));
    }
    default:
      return PropertyValue();
  }
}

absl::StatusOr<nlohmann::ordered_json> ToDefinitionJson(const PropertyValue& v,
                                                        const std::string& path) {
  using Kind = PropertyValue::Kind;
  if (v.IsSecret()) {
    PropertyValue inner = v.Unsecret();
    std::string text;
    if (inner.IsString()) {
      text = inner.AsString();
    } else if (inner.IsNumber()) {
      text = NumberText(inner.AsNumber());
    } else if (inner.IsBool()) {
      text = inner.AsBool() ? "true" : "false";
    } else if (inner.IsComputed()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": the value is not known yet"));
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": a secret must be a string, number or boolean, not ", inner.TypeName(),
          "; mark its leaves secret instead"));
    }
    return nlohmann::ordered_json{{"fn::secret", text}};
  }
  switch (v.kind()) {
    case Kind::kNull:
      return nlohmann::ordered_json(nullptr);
    case Kind::kBool:
      return nlohmann::ordered_json(v.AsBool());
    case Kind::kNumber:
      return Number(v.AsNumber());
    case Kind::kString:
      return nlohmann::ordered_json(v.AsString());
    case Kind::kArray: {
      auto a = nlohmann::ordered_json::array();
      for (size_t i = 0; i < v.AsArray().size(); ++i) {
        auto e = ToDefinitionJson(v.AsArray()[i], absl::StrCat(path, "[", i, "]"));
        if (!e.ok()) return e.status();
        a.push_back(*std::move(e));
      }
      return a;
    }
    case Kind::kObject: {
      auto o = nlohmann::ordered_json::object();
      for (const auto& [k, e] : v.AsObject()) {
        auto c = ToDefinitionJson(e, Child(path, k));
        if (!c.ok()) return c.status();
        o[k] = *std::move(c);
      }
      return o;
    }
    case Kind::kUnknown:
      return absl::InvalidArgumentError(absl::StrCat(path, ": the value is not known yet"));
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": a ", v.TypeName(), " cannot be stored in an environment"));
  }
}

}  // namespace escnative::resources
