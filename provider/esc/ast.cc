#include "provider/esc/ast.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "provider/esc/property_access.h"
#include "provider/esc/str_util.h"
#include "provider/util/echo.h"
#include "provider/util/spell.h"

namespace escnative::esc {
namespace {

using Kind = SyntaxNode::Kind;

void AddError(Diagnostics* diags, std::string summary, const Range& range, const std::string& path,
              Severity severity = Severity::kError) {
  Diagnostic d;
  d.severity = severity;
  d.summary = std::move(summary);
  d.range = range;
  d.path = EchoPath(path);
  diags->push_back(std::move(d));
}

// The position `offset` bytes into a scalar that starts at `start`.
Pos Offset(const Pos& start, std::string_view decoded, int offset) {
  Pos p = start;
  offset = std::clamp(offset, 0, static_cast<int>(decoded.size()));
  p.column += LineIndex::Width(decoded.substr(0, offset));
  p.byte += offset;
  return p;
}

Range SubRange(const Range& node, std::string_view decoded, int begin, int end) {
  Range r;
  r.environment = node.environment;
  r.begin = Offset(node.begin, decoded, begin);
  r.end = Offset(node.begin, decoded, end);
  return r;
}

ExprPtr ParseString(const SyntaxNode& node, const std::string& path, Diagnostics* diags) {
  auto e = std::make_unique<Expr>();
  e->range = node.range;
  e->path = path;
  e->quoted = node.quoted;
  if (node.text.find('$') == std::string::npos) {  // most strings: a literal
    e->kind = Expr::Kind::kString;
    e->text = node.text;
    return e;
  }
  std::vector<AccessError> errors;
  std::vector<RawPart> raw = ParseInterpolation(node.text, &errors);
  for (const AccessError& err : errors) {
    AddError(diags, err.summary, SubRange(node.range, node.text, err.begin, err.end), path);
  }
  if (raw.size() == 1 && !raw[0].has_access) {
    e->kind = Expr::Kind::kString;
    e->text = std::move(raw[0].text);
    return e;
  }
  for (RawPart& rp : raw) {
    InterpolationPart part;
    part.text = std::move(rp.text);
    part.has_access = rp.has_access;
    part.range = SubRange(node.range, node.text, rp.begin, rp.end);
    for (RawAccessor& ra : rp.accessors) {
      PropertyAccessor a;
      a.is_index = ra.is_index;
      a.key = std::move(ra.key);
      a.index = ra.index;
      a.range = SubRange(node.range, node.text, ra.begin, ra.end);
      part.accessors.push_back(std::move(a));
    }
    e->parts.push_back(std::move(part));
  }
  bool symbol = e->parts.size() == 1 && e->parts[0].has_access && e->parts[0].text.empty();
  e->kind = symbol ? Expr::Kind::kSymbol : Expr::Kind::kInterpolate;
  return e;
}

const SyntaxEntry* FindEntry(const SyntaxNode& obj, std::string_view key) {
  for (const SyntaxEntry& e : obj.entries) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

const Expr* FindProperty(const Expr& obj, std::string_view key) {
  for (const ObjectProperty& p : obj.properties) {
    if (p.key == key) return p.value.get();
  }
  return nullptr;
}

bool IsKnownBuiltin(std::string_view name, Builtin* b) {
  static const std::pair<const char*, Builtin> kNames[] = {
      {"fn::secret", Builtin::kSecret},     {"fn::join", Builtin::kJoin},
      {"fn::split", Builtin::kSplit},       {"fn::concat", Builtin::kConcat},
      {"fn::toJSON", Builtin::kToJSON},     {"fn::fromJSON", Builtin::kFromJSON},
      {"fn::toBase64", Builtin::kToBase64}, {"fn::fromBase64", Builtin::kFromBase64},
      {"fn::toString", Builtin::kToString}, {"fn::open", Builtin::kOpen},
      {"fn::rotate", Builtin::kRotate},     {"fn::final", Builtin::kFinal},
      {"fn::validate", Builtin::kValidate},
  };
  for (const auto& [n, kind] : kNames) {
    if (name == n) {
      *b = kind;
      return true;
    }
  }
  if (StartsWith(name, "fn::open::") && name.size() > 10) {
    *b = Builtin::kOpen;
    return true;
  }
  if (StartsWith(name, "fn::rotate::") && name.size() > 12) {
    *b = Builtin::kRotate;
    return true;
  }
  return false;
}

bool HasFnPrefix(std::string_view key) {
  return key.size() >= 4 && EqualsIgnoreCase(key.substr(0, 4), "fn::");
}

void ParseProviderCall(Expr* e, const SyntaxNode& arg_node, bool rotate, Diagnostics* diags) {
  const std::string& apath = e->arg->path;
  std::string short_prefix = rotate ? "fn::rotate::" : "fn::open::";
  bool short_form = StartsWith(e->name, short_prefix);
  if (short_form) {
    e->provider = e->name.substr(short_prefix.size());
    if (!rotate) {
      if (arg_node.kind == Kind::kNull) {
        AddError(diags, "missing provider inputs ('inputs')", e->arg->range, apath);
        e->arg_valid = false;
      }
      e->inputs = e->arg.get();
      return;
    }
  }
  const char* shape =
      rotate ? "the argument to fn::rotate must be an object containing 'provider', 'inputs' and "
               "'state'"
             : "the argument to fn::open must be an object containing 'provider' and 'inputs'";
  if (e->arg->kind != Expr::Kind::kObject) {
    AddError(diags, shape, e->arg->range, apath);
    e->arg_valid = false;
    return;
  }
  if (!short_form) {
    const SyntaxEntry* p = FindEntry(arg_node, "provider");
    if (p == nullptr) {
      AddError(diags, "missing provider name ('provider')", e->arg->range, apath);
      e->arg_valid = false;
    } else if (p->value.kind != Kind::kString) {
      AddError(diags, "provider name must be a string literal", p->value.range,
               JoinKey(apath, "provider"));
      e->arg_valid = false;
    } else {
      e->provider = p->value.text;
    }
  }
  e->inputs = FindProperty(*e->arg, "inputs");
  if (e->inputs == nullptr) {
    AddError(diags, "missing provider inputs ('inputs')", e->arg->range, apath);
    e->arg_valid = false;
  }
  if (rotate) {
    e->state = FindProperty(*e->arg, "state");
    if (e->state != nullptr && e->state->kind != Expr::Kind::kObject &&
        e->state->kind != Expr::Kind::kNull) {
      AddError(diags, "rotation state must be an object literal", e->state->range, e->state->path);
      e->arg_valid = false;
    }
  }
}

ExprPtr ParseBuiltin(const SyntaxNode& node, const SyntaxEntry& entry, Builtin builtin,
                     const std::string& path, Diagnostics* diags) {
  auto e = std::make_unique<Expr>();
  e->kind = Expr::Kind::kBuiltin;
  e->range = node.range;
  e->path = path;
  e->builtin = builtin;
  e->name = entry.key;
  e->name_range = entry.key_range;
  std::string apath = JoinKey(path, entry.key);
  const SyntaxNode& arg = entry.value;
  e->arg = ParseExpr(arg, apath, diags);
  auto two_valued = [&](const char* fn) {
    if (arg.kind != Kind::kArray || arg.items.size() != 2) {
      AddError(diags, absl::StrCat("the argument to ", fn, " must be a two-valued list"),
               e->arg->range, apath);
      e->arg_valid = false;
      return;
    }
    e->arg0 = e->arg->items[0].get();
    e->arg1 = e->arg->items[1].get();
  };
  switch (builtin) {
    case Builtin::kSecret: {
      const SyntaxEntry* ct = arg.kind == Kind::kObject && arg.entries.size() == 1
                                  ? FindEntry(arg, "ciphertext")
                                  : nullptr;
      if (ct != nullptr && ct->value.kind == Kind::kString) {
        e->ciphertext = true;
        e->secret = ct->value.text;
      } else if (e->arg->kind == Expr::Kind::kString) {
        e->secret = e->arg->text;
      } else {
        AddError(diags, "secret values must be string literals", e->arg->range, apath);
      }
      break;
    }
    case Builtin::kJoin:
      two_valued("fn::join");
      break;
    case Builtin::kSplit:
      two_valued("fn::split");
      break;
    case Builtin::kConcat:
      if (arg.kind != Kind::kArray) {
        AddError(diags, "the argument to fn::concat must be an array of arrays", e->arg->range,
                 apath);
      }
      break;
    case Builtin::kOpen:
      ParseProviderCall(e.get(), arg, /*rotate=*/false, diags);
      break;
    case Builtin::kRotate:
      ParseProviderCall(e.get(), arg, /*rotate=*/true, diags);
      break;
    case Builtin::kValidate:
      if (e->arg->kind != Expr::Kind::kObject) {
        AddError(diags,
                 "the argument to fn::validate must be an object containing 'schema' and "
                 "'value'",
                 e->arg->range, apath);
        e->arg_valid = false;
        break;
      }
      e->arg0 = FindProperty(*e->arg, "schema");
      e->arg1 = FindProperty(*e->arg, "value");
      if (e->arg0 == nullptr) {
        AddError(diags, "missing required property 'schema'", e->arg->range, apath);
        e->arg_valid = false;
      }
      if (e->arg1 == nullptr) {
        AddError(diags, "missing required property 'value'", e->arg->range, apath);
        e->arg_valid = false;
      }
      break;
    default:
      break;
  }
  return e;
}

ExprPtr ParseObject(const SyntaxNode& node, const std::string& path, Diagnostics* diags,
                    bool allow_builtin) {
  if (allow_builtin && !node.entries.empty()) {
    for (const SyntaxEntry& entry : node.entries) {
      if (!HasFnPrefix(entry.key)) continue;
      if (node.entries.size() == 1) {
        Builtin b;
        if (IsKnownBuiltin(entry.key, &b)) return ParseBuiltin(node, entry, b, path, diags);
        AddError(diags, "'fn::' is a reserved prefix", entry.key_range, path);
      } else {
        AddError(diags,
                 absl::StrCat("illegal call to builtin function: \"", util::Echo(entry.key),
                              "\" must be the only key within its containing object"),
                 entry.key_range, path);
      }
      break;
    }
  }
  auto e = std::make_unique<Expr>();
  e->kind = Expr::Kind::kObject;
  e->range = node.range;
  e->path = path;
  for (const SyntaxEntry& entry : node.entries) {
    std::string kpath = JoinKey(path, entry.key);
    if (entry.key.find("${") != std::string::npos) {
      AddError(diags, "object keys must be strings", entry.key_range, kpath);
      continue;
    }
    ObjectProperty p;
    p.key = entry.key;
    p.key_range = entry.key_range;
    p.value = ParseExpr(entry.value, kpath, diags);
    e->properties.push_back(std::move(p));
  }
  return e;
}

}  // namespace

ExprPtr ParseExpr(const SyntaxNode& node, const std::string& path, Diagnostics* diags) {
  switch (node.kind) {
    case Kind::kString:
      return ParseString(node, path, diags);
    case Kind::kArray: {
      auto e = std::make_unique<Expr>();
      e->kind = Expr::Kind::kArray;
      e->range = node.range;
      e->path = path;
      for (size_t i = 0; i < node.items.size(); ++i) {
        e->items.push_back(ParseExpr(node.items[i], JoinIndex(path, i), diags));
      }
      return e;
    }
    case Kind::kObject:
      return ParseObject(node, path, diags, /*allow_builtin=*/true);
    default: {
      auto e = std::make_unique<Expr>();
      e->kind = node.kind == Kind::kNull   ? Expr::Kind::kNull
                : node.kind == Kind::kBool ? Expr::Kind::kBool
                                           : Expr::Kind::kNumber;
      e->range = node.range;
      e->path = path;
      e->boolean = node.boolean;
      e->text = node.text;
      return e;
    }
  }
}

namespace {

void ParseImports(const SyntaxNode& node, EnvironmentDecl* env, Diagnostics* diags) {
  if (node.kind == Kind::kNull) return;
  if (node.kind != Kind::kArray) {
    AddError(diags, "imports must be a list", node.range, "imports");
    return;
  }
  for (size_t i = 0; i < node.items.size(); ++i) {
    const SyntaxNode& item = node.items[i];
    std::string path = JoinIndex("imports", i);
    ImportDecl decl;
    decl.range = item.range;
    decl.path = path;
    if (item.kind == Kind::kString) {
      decl.environment = item.text;
    } else if (item.kind == Kind::kObject && item.entries.size() == 1) {
      const SyntaxEntry& entry = item.entries[0];
      decl.environment = entry.key;
      if (entry.value.kind == Kind::kObject) {
        if (const SyntaxEntry* merge = FindEntry(entry.value, "merge")) {
          if (merge->value.kind == Kind::kBool) {
            decl.merge = merge->value.boolean;
          } else {
            AddError(diags, "merge must be a boolean", merge->value.range,
                     JoinKey(JoinKey(path, entry.key), "merge"));
          }
        }
      }
    } else if (item.kind == Kind::kObject) {
      AddError(diags, "import must have a single key", item.range, path);
      continue;
    } else {
      AddError(diags, "import must be a string or an object", item.range, path);
      continue;
    }
    env->imports.push_back(std::move(decl));
  }
}

}  // namespace

ParseResult ParseEnvironment(std::string_view name, std::string_view yaml,
                             const SyntaxLimits& limits) {
  return ParseEnvironment(name, ParseYaml(name, yaml, limits));
}

ParseResult ParseEnvironment(std::string_view name, const SyntaxParseResult& syntax) {
  ParseResult result;
  auto env = std::make_shared<EnvironmentDecl>();
  env->name = std::string(name);
  result.diagnostics = syntax.diagnostics;
  result.syntax_ok = syntax.ok;
  const SyntaxNode& root = syntax.root;
  const SyntaxNode* values = nullptr;
  const SyntaxNode* imports = nullptr;
  if (syntax.ok && root.kind == Kind::kObject) {
    static const std::vector<std::string> kFields = {"imports", "values", "description"};
    std::vector<std::string> seen;
    for (const SyntaxEntry& entry : root.entries) {
      std::string lower = absl::AsciiStrToLower(entry.key);
      // An error, as for duplicate keys under `values` (the reference
      // refuses duplicate keys): which copy would win is anybody's guess.
      if (std::find(seen.begin(), seen.end(), lower) != seen.end()) {
        AddError(&result.diagnostics, absl::StrCat("duplicate key \"", util::Echo(entry.key), "\""),
                 entry.key_range, JoinKey("", entry.key));
      }
      seen.push_back(lower);
      if (lower == "imports") {
        imports = &entry.value;
      } else if (lower == "values") {
        values = &entry.value;
      } else if (lower == "description") {
        env->description = entry.value.kind == Kind::kString ? entry.value.text : "";
      } else {
        std::vector<std::string> fields = kFields;
        std::stable_sort(fields.begin(), fields.end(),
                         [&](const std::string& a, const std::string& b) {
                           return util::Levenshtein(entry.key, a) < util::Levenshtein(entry.key, b);
                         });
        std::vector<std::string> quoted;
        for (const std::string& f : fields) quoted.push_back(absl::StrCat("'", f, "'"));
        AddError(&result.diagnostics,
                 absl::StrCat("Field '", util::Echo(entry.key),
                              "' does not exist on Object 'environment'. Existing fields are: ",
                              absl::StrJoin(quoted, ", ")),
                 entry.key_range, JoinKey("", entry.key), Severity::kWarning);
      }
    }
  } else if (syntax.ok && root.kind != Kind::kNull) {
    AddError(&result.diagnostics, "environment must be an object", root.range, "");
  }
  if (imports != nullptr) ParseImports(*imports, env.get(), &result.diagnostics);
  if (values != nullptr && values->kind == Kind::kObject) {
    env->values = ParseObject(*values, "values", &result.diagnostics, /*allow_builtin=*/false);
  } else {
    if (values != nullptr && values->kind != Kind::kNull) {
      AddError(&result.diagnostics, "values must be an object", values->range, "values");
    }
    env->values = std::make_unique<Expr>();
    env->values->kind = Expr::Kind::kObject;
    env->values->path = "values";
    env->values->range.environment = std::string(name);
  }
  result.environment = std::move(env);
  CapDiagnostics(&result.diagnostics);
  return result;
}

}  // namespace escnative::esc
