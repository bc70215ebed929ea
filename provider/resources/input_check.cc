#include "provider/resources/input_check.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "provider/util/spell.h"
#include "provider/value/property_path.h"

namespace escnative::resources {
namespace {

std::string JoinPath(const std::string& parent, absl::string_view key) {
  std::string tail = PropertyPath().Key(key).ToString();
  if (parent.empty()) return tail;
  return tail[0] == '[' ? parent + tail : absl::StrCat(parent, ".", tail);
}

std::string Article(absl::string_view noun) {
  return absl::StrCat(std::string("aeiou").find(noun[0]) != std::string::npos ? "an " : "a ",
                      noun);
}

}  // namespace

std::string Describe(const TypeSpec& type) {
  switch (type.kind) {
    case TypeSpec::Kind::kString:
      return "a string";
    case TypeSpec::Kind::kBoolean:
      return "a boolean";
    case TypeSpec::Kind::kInteger:
      return "an integer";
    case TypeSpec::Kind::kNumber:
      return "a number";
    case TypeSpec::Kind::kArray:
      return "an array";
    case TypeSpec::Kind::kMap:
    case TypeSpec::Kind::kObject:
      return "an object";
    case TypeSpec::Kind::kAny:
      return "any value";
    case TypeSpec::Kind::kEnum: {
      std::vector<std::string> quoted;
      for (const auto& v : type.enum_values) quoted.push_back(absl::StrCat("\"", v, "\""));
      return absl::StrCat("one of ", absl::StrJoin(quoted, ", "));
    }
  }
  return "a value";
}

void ValidateValue(const TypeSpec& type, const PropertyValue& raw, const std::string& path,
                   std::vector<CheckFailure>* failures) {
  if (raw.IsComputed()) return;
  const PropertyValue value = raw.IsSecret() || raw.IsOutput() ? raw.Unsecret() : raw;
  if (value.IsComputed()) return;
  auto mismatch = [&] {
    failures->push_back({path, absl::StrCat("expected ", Describe(type), ", got ",
                                            Article(value.TypeName()))});
  };
  switch (type.kind) {
    case TypeSpec::Kind::kAny:
      return;
    case TypeSpec::Kind::kString:
      if (!value.IsString()) mismatch();
      return;
    case TypeSpec::Kind::kBoolean:
      if (!value.IsBool()) mismatch();
      return;
    case TypeSpec::Kind::kNumber:
      if (!value.IsNumber()) mismatch();
      return;
    case TypeSpec::Kind::kInteger:
      if (!value.IsNumber()) {
        mismatch();
      } else if (!std::isfinite(value.AsNumber()) ||
                 std::trunc(value.AsNumber()) != value.AsNumber() ||
                 std::fabs(value.AsNumber()) > 9007199254740992.0) {
        failures->push_back({path, "expected an integer, got a number with a fraction or out of range"});
      }
      return;
    case TypeSpec::Kind::kEnum:
      if (!value.IsString()) {
        mismatch();
        return;
      }
      for (const auto& v : type.enum_values) {
        if (v == value.AsString()) return;
      }
      {
        if (raw.IsSecret()) {
          failures->push_back({path, absl::StrCat("expected ", Describe(type))});
          return;
        }
        std::string hint = util::ClosestMatch(value.AsString(), type.enum_values);
        // The value of an enum property is a fixed word, never a secret, so it
        // may be quoted back.
        failures->push_back(
            {path, absl::StrCat("expected ", Describe(type), ", got \"", value.AsString(), "\"",
                                hint.empty() ? "" : absl::StrCat("; did you mean \"", hint, "\"?"))});
      }
      return;
    case TypeSpec::Kind::kArray:
      if (!value.IsArray()) {
        mismatch();
        return;
      }
      for (size_t i = 0; i < value.AsArray().size(); ++i) {
        ValidateValue(*type.element, value.AsArray()[i], absl::StrCat(path, "[", i, "]"), failures);
      }
      return;
    case TypeSpec::Kind::kMap:
      if (!value.IsObject()) {
        mismatch();
        return;
      }
      for (const auto& [k, v] : value.AsObject()) {
        ValidateValue(*type.element, v, JoinPath(path, k), failures);
      }
      return;
    case TypeSpec::Kind::kObject:
      if (!value.IsObject()) {
        mismatch();
        return;
      }
      {
        std::vector<CheckFailure> nested;
        ValidateObject(*type.object, value.AsObject(), &nested);
        for (auto& f : nested) {
          failures->push_back({f.property.empty() ? path
                                                  : (f.property[0] == '['
                                                         ? path + f.property
                                                         : absl::StrCat(path, ".", f.property)),
                               std::move(f.reason)});
        }
      }
      return;
  }
}

void ValidateObject(const ObjectSpec& spec, const PropertyMap& inputs,
                    std::vector<CheckFailure>* failures) {
  std::vector<std::string> known;
  for (const auto& [name, p] : spec.properties) known.push_back(name);
  for (const auto& [name, value] : inputs) {
    auto it = spec.properties.find(name);
    if (it == spec.properties.end()) {
      std::string hint = util::ClosestMatch(name, known);
      failures->push_back(
          {JoinPath("", name),
           absl::StrCat("unknown property \"", name, "\" of ", spec.token,
                        hint.empty() ? absl::StrCat("; known properties are ",
                                                    absl::StrJoin(known, ", "))
                                     : absl::StrCat("; did you mean \"", hint, "\"?"))});
      continue;
    }
    if (value.IsNull()) continue;
    ValidateValue(it->second.type, value, JoinPath("", name), failures);
  }
  for (const auto& name : spec.required) {
    const PropertyValue* v = Find(inputs, name);
    if (v == nullptr || v->IsNull()) {
      auto it = spec.properties.find(name);
      failures->push_back(
          {JoinPath("", name),
           absl::StrCat("missing required property \"", name, "\"",
                        it != spec.properties.end()
                            ? absl::StrCat(" (", Describe(it->second.type), ")")
                            : "")});
    }
  }
}

void MarkSecrets(const ObjectSpec& spec, PropertyMap* inputs) {
  for (auto& [name, value] : *inputs) {
    auto it = spec.properties.find(name);
    if (it == spec.properties.end() || !it->second.secret) continue;
    if (value.IsNull() || value.IsSecret()) continue;
    value = PropertyValue::MakeSecret(std::move(value));
  }
}

}  // namespace escnative::resources
