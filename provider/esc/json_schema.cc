#include "provider/esc/json_schema.h"

#include <algorithm>
#include <cmath>
#include <regex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "provider/esc/json_encoding.h"
#include "provider/util/echo.h"

namespace escnative::esc {

class SchemaParser {
 public:
  absl::StatusOr<SchemaPtr> Parse(const nlohmann::json& j,
                                  const std::shared_ptr<std::map<std::string, SchemaPtr>>& defs,
                                  int depth, bool in_defs = false) {
    if (depth > 64) return absl::InvalidArgumentError("schema nesting is too deep");
    auto s = std::make_shared<Schema>();
    s->source_ = j;
    if (in_defs) {
      s->weak_defs_ = defs;
    } else {
      s->defs_ = defs;
    }
    if (j.is_boolean()) {
      s->boolean_ = j.get<bool>();
      return s;
    }
    if (!j.is_object())
      return absl::InvalidArgumentError("a schema must be an object or a boolean");
    auto sub = [&](const nlohmann::json& v) { return Parse(v, defs, depth + 1, in_defs); };
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& k = it.key();
      const nlohmann::json& v = it.value();
      auto num = [&](std::optional<double>* out) -> absl::Status {
        if (!v.is_number())
          return absl::InvalidArgumentError(absl::StrCat("'", k, "' must be a number"));
        *out = v.get<double>();
        return absl::OkStatus();
      };
      auto count = [&](std::optional<size_t>* out) -> absl::Status {
        if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0)) {
          return absl::InvalidArgumentError(
              absl::StrCat("'", k, "' must be a non-negative integer"));
        }
        *out = v.get<size_t>();
        return absl::OkStatus();
      };
      absl::Status st;
      if (k == "type") {
        if (v.is_string()) {
          // Go's encoder writes `"type": ""` for schemas without a type.
          if (!v.get<std::string>().empty()) s->types_.push_back(v.get<std::string>());
        } else if (v.is_array()) {
          for (const auto& t : v) {
            if (!t.is_string())
              return absl::InvalidArgumentError("'type' must be a string or a list of strings");
            s->types_.push_back(t.get<std::string>());
          }
        } else {
          return absl::InvalidArgumentError("'type' must be a string or a list of strings");
        }
        for (const std::string& t : s->types_) {
          if (t != "null" && t != "boolean" && t != "number" && t != "integer" && t != "string" &&
              t != "array" && t != "object") {
            return absl::InvalidArgumentError(absl::StrCat("unknown type \"", util::Echo(t), "\""));
          }
        }
      } else if (k == "properties") {
        if (!v.is_object()) return absl::InvalidArgumentError("'properties' must be an object");
        for (auto p = v.begin(); p != v.end(); ++p) {
          auto ps = sub(p.value());
          if (!ps.ok()) return ps.status();
          s->properties_[p.key()] = *ps;
        }
      } else if (k == "additionalProperties" || k == "items") {
        auto ps = sub(v);
        if (!ps.ok()) return ps.status();
        (k == "items" ? s->items_ : s->additional_properties_) = *ps;
      } else if (k == "prefixItems" || k == "anyOf" || k == "oneOf" || k == "allOf") {
        if (!v.is_array())
          return absl::InvalidArgumentError(absl::StrCat("'", k, "' must be a list"));
        std::vector<SchemaPtr>& dst = k == "prefixItems" ? s->prefix_items_
                                      : k == "anyOf"     ? s->any_of_
                                      : k == "oneOf"     ? s->one_of_
                                                         : s->all_of_;
        for (const auto& e : v) {
          auto ps = sub(e);
          if (!ps.ok()) return ps.status();
          dst.push_back(*ps);
        }
      } else if (k == "required") {
        if (!v.is_array())
          return absl::InvalidArgumentError("'required' must be a list of strings");
        for (const auto& e : v) {
          if (!e.is_string())
            return absl::InvalidArgumentError("'required' must be a list of strings");
          s->required_.push_back(e.get<std::string>());
        }
      } else if (k == "dependentRequired") {
        if (!v.is_object())
          return absl::InvalidArgumentError("'dependentRequired' must be an object");
        for (auto p = v.begin(); p != v.end(); ++p) {
          if (!p.value().is_array())
            return absl::InvalidArgumentError("'dependentRequired' values must be lists");
          for (const auto& e : p.value()) {
            if (e.is_string()) s->dependent_required_[p.key()].push_back(e.get<std::string>());
          }
        }
      } else if (k == "const") {
        s->const_ = v;
      } else if (k == "enum") {
        if (!v.is_array()) return absl::InvalidArgumentError("'enum' must be a list");
        s->enum_ = v;
      } else if (k == "minimum") {
        st = num(&s->minimum_);
      } else if (k == "maximum") {
        st = num(&s->maximum_);
      } else if (k == "exclusiveMinimum") {
        st = num(&s->exclusive_minimum_);
      } else if (k == "exclusiveMaximum") {
        st = num(&s->exclusive_maximum_);
      } else if (k == "multipleOf") {
        st = num(&s->multiple_of_);
        if (st.ok() && *s->multiple_of_ <= 0)
          st = absl::InvalidArgumentError("'multipleOf' must be positive");
      } else if (k == "minLength") {
        st = count(&s->min_length_);
      } else if (k == "maxLength") {
        st = count(&s->max_length_);
      } else if (k == "minItems") {
        st = count(&s->min_items_);
      } else if (k == "maxItems") {
        st = count(&s->max_items_);
      } else if (k == "minProperties") {
        st = count(&s->min_properties_);
      } else if (k == "maxProperties") {
        st = count(&s->max_properties_);
      } else if (k == "pattern") {
        if (!v.is_string()) return absl::InvalidArgumentError("'pattern' must be a string");
        s->pattern_ = v.get<std::string>();
        if (s->pattern_->size() > 1024) return absl::InvalidArgumentError("'pattern' is too long");
        try {
          std::regex re(*s->pattern_, std::regex::ECMAScript);
        } catch (const std::regex_error&) {
          return absl::InvalidArgumentError(
              absl::StrCat("invalid pattern ", GoJsonString(*s->pattern_)));
        }
      } else if (k == "$ref") {
        if (!v.is_string()) return absl::InvalidArgumentError("'$ref' must be a string");
        s->ref_ = v.get<std::string>();
      } else if (k == "secret") {
        s->secret_ = v.is_boolean() && v.get<bool>();
      } else if (k == "rotateOnly") {
        // Either a flag on the property itself or, as the reference
        // serialises it, a list of property names on the object.
        s->rotate_only_ = v.is_boolean() && v.get<bool>();
        if (v.is_array()) {
          for (const auto& e : v) {
            if (e.is_string()) s->rotate_only_properties_.push_back(e.get<std::string>());
          }
        }
      }
      if (!st.ok()) return st;
    }
    return s;
  }
};

nlohmann::json Schema::ToJson() const {
  if (boolean_.has_value()) return *boolean_;
  return source_;
}

SchemaPtr Schema::Always() {
  static const SchemaPtr kAlways = [] {
    auto s = std::make_shared<Schema>();
    s->boolean_ = true;
    return s;
  }();
  return kAlways;
}

SchemaPtr Schema::Never() {
  static const SchemaPtr kNever = [] {
    auto s = std::make_shared<Schema>();
    s->boolean_ = false;
    return s;
  }();
  return kNever;
}

absl::StatusOr<SchemaPtr> Schema::FromJson(const nlohmann::json& j) {
  auto defs = std::make_shared<std::map<std::string, SchemaPtr>>();
  SchemaParser parser;
  if (j.is_object() && j.contains("$defs")) {
    const auto& d = j["$defs"];
    if (!d.is_object()) return absl::InvalidArgumentError("'$defs' must be an object");
    for (auto it = d.begin(); it != d.end(); ++it) {
      auto s = parser.Parse(it.value(), defs, 1, /*in_defs=*/true);
      if (!s.ok()) return s.status();
      (*defs)[it.key()] = *s;
    }
  }
  auto root = parser.Parse(j, defs, 0);
  if (!root.ok()) return root.status();
  for (const auto& [name, s] : *defs) {
    (void)name;
    if (!s->ref_.empty() && s->ref_.rfind("#/$defs/", 0) != 0) {
      return absl::InvalidArgumentError(absl::StrCat("unsupported $ref ", GoJsonString(s->ref_)));
    }
  }
  return root;
}

const Schema& Schema::Resolve() const {
  const Schema* s = this;
  for (int hops = 0; hops < 16 && !s->ref_.empty(); ++hops) {
    std::shared_ptr<std::map<std::string, SchemaPtr>> defs =
        s->defs_ != nullptr ? s->defs_ : s->weak_defs_.lock();
    const std::string prefix = "#/$defs/";
    if (defs == nullptr || s->ref_.rfind(prefix, 0) != 0) break;
    auto it = defs->find(s->ref_.substr(prefix.size()));
    if (it == defs->end()) break;
    // The table outlives this loop: `root` (or whoever called) owns it.
    s = it->second.get();
  }
  return *s;
}

bool Schema::Allows(const char* type) const {
  if (types_.empty()) return true;
  for (const std::string& t : types_) {
    if (t == type || (t == "integer" && std::string_view(type) == "number")) return true;
  }
  return false;
}

namespace {

const char* TypeOf(const Value& v) { return KindName(v); }

// Compact JSON for messages; values may hold raw bytes, so never throw.
std::string DumpJson(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool JsonEquals(const Value& v, const nlohmann::json& j) {
  if (v.unknown) return true;
  return ToJson(v, Redaction::kReveal) == j;
}

}  // namespace

void Schema::Validate(const Value& v, std::vector<SchemaError>* errors) const {
  std::vector<std::string> path;
  ValidateAt(v, &path, errors, 0);
}

void Schema::ValidateAt(const Value& v, std::vector<std::string>* path,
                        std::vector<SchemaError>* errors, int depth) const {
  const Schema& s = Resolve();
  if (v.unknown || depth > 64) return;
  auto fail = [&](std::string summary) {
    errors->push_back(SchemaError{std::move(summary), *path, &v});
  };
  if (s.boolean_.has_value()) {
    if (!*s.boolean_) fail("no value is allowed here");
    return;
  }
  const char* type = TypeOf(v);
  if (!s.Allows(type)) {
    std::vector<std::string> want;
    for (const std::string& t : s.types_) want.push_back(t == "integer" ? "number" : t);
    fail(absl::StrCat("expected ", absl::StrJoin(want, " or "), ", got ", type));
    return;
  }
  if (s.const_.has_value() && !JsonEquals(v, *s.const_)) {
    fail(absl::StrCat("expected ", DumpJson(*s.const_)));
  }
  if (s.enum_.has_value()) {
    bool found = false;
    for (const auto& e : *s.enum_) found = found || JsonEquals(v, e);
    if (!found) fail(absl::StrCat("expected one of ", DumpJson(*s.enum_)));
  }
  if (v.kind == Value::Kind::kNumber) {
    double d = std::strtod(v.text.c_str(), nullptr);
    auto fmt = [](double x) { return nlohmann::json(x).dump(); };
    auto fmt_num = [&](double x) {
      return std::floor(x) == x && std::fabs(x) < 1e15 ? absl::StrCat(static_cast<int64_t>(x))
                                                       : fmt(x);
    };
    if (s.multiple_of_ && std::fmod(d, *s.multiple_of_) != 0)
      fail(absl::StrCat("expected a multiple of ", fmt_num(*s.multiple_of_)));
    if (s.minimum_ && d < *s.minimum_)
      fail(absl::StrCat("expected a number greater than or equal to ", fmt_num(*s.minimum_)));
    if (s.exclusive_minimum_ && d <= *s.exclusive_minimum_)
      fail(absl::StrCat("expected a number greater than ", fmt_num(*s.exclusive_minimum_)));
    if (s.maximum_ && d > *s.maximum_)
      fail(absl::StrCat("expected a number less than or equal to", fmt_num(*s.maximum_)));
    if (s.exclusive_maximum_ && d >= *s.exclusive_maximum_)
      fail(absl::StrCat("expected a number less than ", fmt_num(*s.exclusive_maximum_)));
  }
  if (v.kind == Value::Kind::kString) {
    size_t len = 0;
    for (unsigned char c : v.text) len += (c & 0xC0) != 0x80;
    if (s.min_length_ && len < *s.min_length_)
      fail(absl::StrCat("expected a string of at least length ", *s.min_length_));
    if (s.max_length_ && len > *s.max_length_)
      fail(absl::StrCat("expected a string of at most length ", *s.max_length_));
    if (s.pattern_ && v.text.size() <= 4096) {
      try {
        if (!std::regex_search(v.text, std::regex(*s.pattern_, std::regex::ECMAScript))) {
          fail(absl::StrCat("string must match the pattern ", GoJsonString(*s.pattern_)));
        }
      } catch (const std::exception&) {
        fail(absl::StrCat("string must match the pattern ", GoJsonString(*s.pattern_)));
      }
    }
  }
  if (v.kind == Value::Kind::kArray) {
    if (s.min_items_ && v.array.size() < *s.min_items_)
      fail(absl::StrCat("expected an array with at least ", *s.min_items_, " items"));
    if (s.max_items_ && v.array.size() > *s.max_items_)
      fail(absl::StrCat("expected an array with at most ", *s.max_items_, " items"));
    for (size_t i = 0; i < v.array.size(); ++i) {
      SchemaPtr item = i < s.prefix_items_.size() ? s.prefix_items_[i] : s.items_;
      if (item == nullptr) continue;
      path->push_back(absl::StrCat("[", i, "]"));
      item->ValidateAt(*v.array[i], path, errors, depth + 1);
      path->pop_back();
    }
  }
  if (v.kind == Value::Kind::kObject) {
    std::vector<std::string> missing;
    for (const std::string& r : s.required_) {
      if (v.object.count(r) == 0) missing.push_back(r);
    }
    for (const auto& [k, deps] : s.dependent_required_) {
      if (v.object.count(k) == 0) continue;
      for (const std::string& d : deps) {
        if (v.object.count(d) == 0) missing.push_back(d);
      }
    }
    if (!missing.empty())
      fail(absl::StrCat("missing required properties: ", absl::StrJoin(missing, ", ")));
    if (s.min_properties_ && v.object.size() < *s.min_properties_)
      fail(absl::StrCat("expected an object with at least ", *s.min_properties_, " properties"));
    if (s.max_properties_ && v.object.size() > *s.max_properties_)
      fail(absl::StrCat("expected an object with at most ", *s.max_properties_, " properties"));
    for (const auto& [k, e] : v.object) {
      auto it = s.properties_.find(k);
      SchemaPtr ps = it != s.properties_.end() ? it->second : s.additional_properties_;
      if (ps == nullptr) continue;
      path->push_back(k);
      if (ps->boolean_.has_value() && !*ps->boolean_) {
        errors->push_back(
            SchemaError{absl::StrCat("unknown property \"", util::Echo(k), "\""), *path, e.get()});
      } else {
        ps->ValidateAt(*e, path, errors, depth + 1);
      }
      path->pop_back();
    }
  }
  for (const SchemaPtr& a : s.all_of_) a->ValidateAt(v, path, errors, depth + 1);
  if (!s.any_of_.empty() || !s.one_of_.empty()) {
    bool one = s.any_of_.empty();
    const auto& alts = one ? s.one_of_ : s.any_of_;
    std::vector<SchemaError> all;
    int matches = 0;
    for (const SchemaPtr& a : alts) {
      std::vector<SchemaError> errs;
      a->ValidateAt(v, path, &errs, depth + 1);
      if (errs.empty()) ++matches;
      all.insert(all.end(), errs.begin(), errs.end());
    }
    if (one ? matches != 1 : matches == 0) {
      fail(one ? "exactly one subschema must match" : "at least one subschema must match");
      errors->insert(errors->end(), all.begin(), all.end());
    }
  }
}

SchemaPtr Schema::Property(const std::string& key, std::string* error) const {
  const Schema& s = Resolve();
  if (s.boolean_.has_value()) return Always();
  if (!s.Allows("object")) {
    *error = s.Allows("array") ? "cannot access an array element using a property name"
                               : "receiver must be an array or an object";
    return nullptr;
  }
  auto it = s.properties_.find(key);
  if (it != s.properties_.end()) return it->second;
  if (s.additional_properties_ != nullptr) {
    if (s.additional_properties_->boolean_.has_value() && !*s.additional_properties_->boolean_) {
      *error = absl::StrCat("unknown property \"", util::Echo(key), "\"");
      return nullptr;
    }
    return s.additional_properties_;
  }
  return Always();
}

SchemaPtr Schema::Item(int64_t index, std::string* error) const {
  const Schema& s = Resolve();
  if (s.boolean_.has_value()) return Always();
  if (!s.Allows("array")) {
    *error = s.Allows("object") ? "cannot access an object property using an integer index"
                                : "receiver must be an array or an object";
    return nullptr;
  }
  if (index < 0) {
    *error = "array indices must not be negative";
    return nullptr;
  }
  if (static_cast<size_t>(index) < s.prefix_items_.size()) return s.prefix_items_[index];
  if (s.items_ != nullptr) return s.items_;
  return Always();
}

std::vector<std::string> Schema::RotateOnlyProperties() const {
  std::vector<std::string> out;
  const Schema& r = Resolve();
  for (const auto& [k, p] : r.properties_) {
    if (p->rotate_only_ ||
        std::find(r.rotate_only_properties_.begin(), r.rotate_only_properties_.end(), k) !=
            r.rotate_only_properties_.end()) {
      out.push_back(k);
    }
  }
  return out;
}

}  // namespace escnative::esc
