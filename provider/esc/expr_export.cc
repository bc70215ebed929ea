#include "provider/esc/expr_export.h"

#include <set>

#include "provider/esc/json_encoding.h"
#include "provider/esc/value_schema.h"

namespace escnative::esc {
namespace {

nlohmann::json Record(const std::map<std::string, nlohmann::json>& props) {
  nlohmann::json s = nlohmann::json::object();
  nlohmann::json p = nlohmann::json::object();
  nlohmann::json required = nlohmann::json::array();
  for (const auto& [k, v] : props) {
    p[k] = v;
    required.push_back(k);
  }
  if (!p.empty()) s["properties"] = std::move(p);
  s["type"] = "object";
  if (!required.empty()) s["required"] = std::move(required);
  return s;
}

nlohmann::json Tuple(std::vector<nlohmann::json> items) {
  return {{"prefixItems", std::move(items)}, {"items", false}, {"type", "array"}};
}

nlohmann::json Str() { return {{"type", "string"}}; }

nlohmann::json SchemaJson(const SchemaPtr& s) {
  return s == nullptr ? nlohmann::json(true) : s->ToJson();
}

class Exporter {
 public:
  Exporter(const ExprTrace& t, std::string environment)
      : t_(t), environment_(std::move(environment)) {}

  // An expression the definition lacks (e.g. a malformed builtin argument).
  nlohmann::json Missing() const { return {{"range", Here(Range{})}, {"schema", true}}; }

  nlohmann::json Export(const Expr* e, int depth) {
    return e == nullptr ? Missing() : Export(*e, depth);
  }

  nlohmann::json Export(const Expr& e, int depth = 0) {
    nlohmann::json j = nlohmann::json::object();
    j["range"] = Here(e.range);
    j["schema"] = SchemaFor(e);
    auto base = t_.bases.find(&e);
    if (base != t_.bases.end() && base->second != nullptr && depth < 64) {
      const Range& d = base->second->def;
      auto it = t_.by_range.find({d.environment, d.begin.byte, d.end.byte});
      if (it != t_.by_range.end()) j["base"] = Export(*it->second, depth + 1);
    }
    switch (e.kind) {
      case Expr::Kind::kNull:
        break;
      case Expr::Kind::kBool:
        j["literal"] = e.boolean;
        break;
      case Expr::Kind::kNumber:
        j["literal"] = NumberJson(e.text);
        break;
      case Expr::Kind::kString:
        j["literal"] = e.text;
        break;
      case Expr::Kind::kInterpolate: {
        nlohmann::json parts = nlohmann::json::array();
        for (const InterpolationPart& p : e.parts) {
          nlohmann::json part = nlohmann::json::object();
          if (!p.text.empty()) part["text"] = p.text;
          if (p.has_access) part["value"] = Accessors(p.accessors, e.quoted);
          parts.push_back(std::move(part));
        }
        j["interpolate"] = std::move(parts);
        break;
      }
      case Expr::Kind::kSymbol:
        j["symbol"] = Accessors(e.parts[0].accessors, e.quoted);
        break;
      case Expr::Kind::kArray: {
        nlohmann::json list = nlohmann::json::array();
        for (const ExprPtr& i : e.items) list.push_back(Export(*i, depth));
        if (!list.empty()) j["list"] = std::move(list);
        break;
      }
      case Expr::Kind::kObject: {
        nlohmann::json keys = nlohmann::json::object();
        nlohmann::json obj = nlohmann::json::object();
        for (const ObjectProperty& p : e.properties) {
          keys[p.key] = RangeToJson(p.key_range);
          if (!obj.contains(p.key)) obj[p.key] = Export(*p.value, depth);
        }
        // Go omits empty maps.
        if (!keys.empty()) j["keyRanges"] = std::move(keys);
        if (!obj.empty()) j["object"] = std::move(obj);
        break;
      }
      case Expr::Kind::kBuiltin:
        j["builtin"] = Builtin(e, depth);
        break;
    }
    return j;
  }

 private:
  nlohmann::json SchemaFor(const Expr& e) const {
    auto it = t_.values.find(&e);
    if (it != t_.values.end()) return SchemaOf(*it->second);
    // Never evaluated: the schema the expression was declared with.
    switch (e.kind) {
      case Expr::Kind::kNull:
        return {{"type", "null"}};
      case Expr::Kind::kBool:
        return {{"type", "boolean"}, {"const", e.boolean}};
      case Expr::Kind::kNumber:
        return {{"type", "number"}, {"const", NumberJson(e.text)}};
      case Expr::Kind::kString:
        return {{"type", "string"}, {"const", e.text}};
      case Expr::Kind::kInterpolate:
        return Str();
      case Expr::Kind::kArray:
        return {{"items", true}, {"type", "array"}};
      case Expr::Kind::kObject:
        return {{"additionalProperties", true}, {"type", "object"}};
      case Expr::Kind::kBuiltin:
        switch (e.builtin) {
          case esc::Builtin::kJoin:
          case esc::Builtin::kToJSON:
          case esc::Builtin::kToBase64:
          case esc::Builtin::kFromBase64:
          case esc::Builtin::kToString:
          case esc::Builtin::kSecret:
            return Str();
          case esc::Builtin::kSplit:
            return StringArraySchema()->ToJson();
          case esc::Builtin::kConcat:
            return AnyArraySchema()->ToJson();
          default:
            return true;
        }
      default:
        return true;
    }
  }

  // Accessor ranges name the environment being exported.
  nlohmann::json Accessors(const std::vector<PropertyAccessor>& acc, bool quoted) const {
    nlohmann::json out = nlohmann::json::array();
    for (const PropertyAccessor& a : acc) {
      nlohmann::json j = nlohmann::json::object();
      if (a.is_index) {
        j["index"] = a.index;
      } else {
        j["key"] = a.key;
      }
      Range r = quoted ? Range{} : a.range;
      r.environment = environment_;
      j["range"] = RangeToJson(r);
      auto it = t_.accessors.find(&a);
      // Never resolved (not evaluated): no range at all.
      j["value"] = it == t_.accessors.end() ? RangeToJson(Range{}) : Here(it->second);
      out.push_back(std::move(j));
    }
    return out;
  }

  nlohmann::json Builtin(const Expr& e, int depth) {
    nlohmann::json b = nlohmann::json::object();
    b["name"] = e.name;
    b["nameRange"] = Here(e.name_range);
    const Expr& arg = *e.arg;
    auto list_arg = [&](nlohmann::json schema) {
      b["argSchema"] = std::move(schema);
      nlohmann::json a = {{"range", Here(arg.range)}};
      a["list"] = {Export(e.arg0, depth), Export(e.arg1, depth)};
      b["arg"] = std::move(a);
    };
    switch (e.builtin) {
      case esc::Builtin::kJoin:
        list_arg(Tuple({Str(), StringArraySchema()->ToJson()}));
        return b;
      case esc::Builtin::kSplit:
        list_arg(Tuple({Str(), Str()}));
        return b;
      case esc::Builtin::kToBase64:
      case esc::Builtin::kFromBase64:
        b["argSchema"] = Str();
        break;
      case esc::Builtin::kConcat:
        b["argSchema"] = ArrayOfArraysSchema()->ToJson();
        break;
      case esc::Builtin::kOpen:
      case esc::Builtin::kRotate:
        return Call(e, depth, b);
      case esc::Builtin::kSecret:
        b["argSchema"] = true;
        if (e.ciphertext && arg.kind == Expr::Kind::kObject) {
          const Expr* c = Property(arg, "ciphertext");
          b["arg"] = {{"range", Here(arg.range)}, {"object", {{"ciphertext", Export(c, depth)}}}};
          return b;
        }
        break;
      default:
        b["argSchema"] = true;
        break;
    }
    b["arg"] = Export(arg, depth);
    return b;
  }

  nlohmann::json Call(const Expr& e, int depth, nlohmann::json b) {
    bool rotate = e.builtin == esc::Builtin::kRotate;
    auto it = t_.call_schemas.find(&e);
    nlohmann::json inputs = true, state = true;
    if (it != t_.call_schemas.end()) {
      inputs = SchemaJson(it->second.first);
      state = SchemaJson(it->second.second);
    }
    bool short_form = e.name != (rotate ? "fn::rotate" : "fn::open");
    if (!rotate && short_form) {
      b["argSchema"] = inputs;
      b["arg"] = Export(*e.arg, depth);
      return b;
    }
    std::map<std::string, nlohmann::json> schema;
    nlohmann::json obj = nlohmann::json::object();
    if (!short_form) {
      schema["provider"] = Str();
      // Only a string literal names a provider.
      const Expr* p = Property(*e.arg, "provider");
      obj["provider"] = Export(p != nullptr && p->kind == Expr::Kind::kString ? p : nullptr, depth);
    }
    schema["inputs"] = inputs;
    obj["inputs"] = Export(e.inputs, depth);
    if (rotate) {
      schema["state"] = state;
      obj["state"] = Export(e.state, depth);
    }
    b["argSchema"] = Record(schema);
    // A synthesised argument: at no position, in no environment.
    b["arg"] = {{"range", RangeToJson(Range{})}, {"object", std::move(obj)}};
    return b;
  }

  static const Expr* Property(const Expr& obj, const std::string& key) {
    if (obj.kind != Expr::Kind::kObject) return nullptr;
    for (const ObjectProperty& p : obj.properties) {
      if (p.key == key) return p.value.get();
    }
    return nullptr;
  }

  // Positions unknown to the reference are reported in the exported
  // environment.
  nlohmann::json Here(Range r) const {
    if (r.empty()) r.environment = environment_;
    return RangeToJson(r);
  }

  const ExprTrace& t_;
  std::string environment_;
};

}  // namespace

void ExprTrace::Index(const Expr& e) {
  by_range.emplace(std::make_tuple(e.range.environment, e.range.begin.byte, e.range.end.byte), &e);
  for (const ExprPtr& i : e.items) Index(*i);
  for (const ObjectProperty& p : e.properties) Index(*p.value);
  if (e.arg != nullptr) Index(*e.arg);
}

nlohmann::json ExportExprs(const Expr& values, const ExprTrace& trace,
                           const std::string& environment) {
  Exporter ex(trace, environment);
  nlohmann::json out = nlohmann::json::object();
  for (const ObjectProperty& p : values.properties) {
    if (p.key == "imports" || p.key == "context" || p.key == "environments") continue;
    if (!out.contains(p.key)) out[p.key] = ex.Export(*p.value);
  }
  return out;
}

}  // namespace escnative::esc
