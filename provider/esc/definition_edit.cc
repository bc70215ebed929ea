#include "provider/esc/definition_edit.h"

#include <memory>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "provider/esc/json_encoding.h"
#include "provider/esc/str_util.h"
#include "provider/esc/yaml_emit.h"
#include "provider/esc/yaml_syntax.h"
#include "provider/util/echo.h"
#include "provider/value/property_path.h"

namespace escnative::esc {
namespace {

using Kind = SyntaxNode::Kind;

bool IsValidJsonUtf8(const nlohmann::json& j) {
  if (j.is_string()) return IsValidUtf8(std::string_view(j.get_ref<const std::string&>()));
  if (j.is_array()) {
    for (const auto& e : j) {
      if (!IsValidJsonUtf8(e)) return false;
    }
  }
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!IsValidUtf8(it.key()) || !IsValidJsonUtf8(it.value())) return false;
    }
  }
  return true;
}

// YAML cannot carry arbitrary bytes, so a definition that is not UTF-8
// could not be written back faithfully.
absl::StatusOr<SyntaxNode> LoadParsed(std::string_view yaml, SyntaxParseResult parsed) {
  if (!IsValidUtf8(yaml)) return absl::InvalidArgumentError("the definition is not valid UTF-8");
  if (!parsed.ok) {
    std::string why = parsed.diagnostics.empty() ? "" : parsed.diagnostics[0].summary;
    return absl::InvalidArgumentError(absl::StrCat("the definition is not valid YAML: ", why));
  }
  for (const Diagnostic& d : parsed.diagnostics) {
    if (d.severity == Severity::kError) {
      return absl::InvalidArgumentError(absl::StrCat("the definition is invalid: ", d.summary));
    }
  }
  if (parsed.root.kind == Kind::kNull) {
    SyntaxNode root;
    root.kind = Kind::kObject;
    return root;
  }
  if (parsed.root.kind != Kind::kObject) {
    return absl::InvalidArgumentError("the definition must be an object");
  }
  return std::move(parsed.root);
}

absl::StatusOr<SyntaxNode> Load(std::string_view yaml, std::string_view environment) {
  if (!IsValidUtf8(yaml)) return absl::InvalidArgumentError("the definition is not valid UTF-8");
  return LoadParsed(yaml, ParseYaml(environment, yaml));
}

SyntaxNode* Find(SyntaxNode* obj, std::string_view key) {
  for (SyntaxEntry& e : obj->entries) {
    if (e.key == key) return &e.value;
  }
  return nullptr;
}

SyntaxNode* Add(SyntaxNode* obj, std::string key, Kind kind) {
  SyntaxNode n;
  n.kind = kind;
  obj->entries.push_back(SyntaxEntry{std::move(key), Range{}, std::move(n)});
  return &obj->entries.back().value;
}

// A secret call `{fn::secret: arg}`: returns arg, else nullptr.
SyntaxNode* SecretArg(SyntaxNode* n) {
  if (n->kind != Kind::kObject || n->entries.size() != 1 || n->entries[0].key != "fn::secret") {
    return nullptr;
  }
  return &n->entries[0].value;
}

const SyntaxNode* CiphertextOf(const SyntaxNode& arg) {
  if (arg.kind != Kind::kObject || arg.entries.size() != 1 || arg.entries[0].key != "ciphertext" ||
      arg.entries[0].value.kind != Kind::kString) {
    return nullptr;
  }
  return &arg.entries[0].value;
}

template <typename F>
absl::Status WalkSecrets(SyntaxNode* n, const std::string& path, F&& f, int depth) {
  if (depth > 256) return absl::InvalidArgumentError("the definition is nested too deeply");
  if (SyntaxNode* arg = SecretArg(n)) return f(arg, path);
  for (size_t i = 0; i < n->items.size(); ++i) {
    absl::Status s = WalkSecrets(&n->items[i], JoinIndex(path, i), f, depth + 1);
    if (!s.ok()) return s;
  }
  for (SyntaxEntry& e : n->entries) {
    absl::Status s = WalkSecrets(&e.value, JoinKey(path, e.key), f, depth + 1);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

// Rewrites the secrets of a loaded definition and returns it as YAML; the
// rewritten tree is left in `*root`.
template <typename F>
absl::StatusOr<std::string> RewriteLoaded(absl::StatusOr<SyntaxNode>* root, F&& f) {
  if (!root->ok()) return root->status();
  if (SyntaxNode* values = Find(&**root, "values")) {
    absl::Status s = WalkSecrets(values, "values", f, 0);
    if (!s.ok()) return s;
  }
  return EmitYaml(**root);
}

template <typename F>
absl::StatusOr<std::string> RewriteSecrets(std::string_view yaml, std::string_view environment,
                                           F&& f) {
  absl::StatusOr<SyntaxNode> root = Load(yaml, environment);
  return RewriteLoaded(&root, std::forward<F>(f));
}

struct Target {
  SyntaxNode* parent = nullptr;  // object or array holding the value
  PropertyPath::Element last;
};

bool IsIndex(const PropertyPath::Element& e) { return std::holds_alternative<size_t>(e); }
size_t IndexOf(const PropertyPath::Element& e) { return std::get<size_t>(e); }
const std::string& KeyOf(const PropertyPath::Element& e) { return std::get<std::string>(e); }

// Errors about a path name it as a JSON string (it may hold any character).
absl::Status PathError(std::string_view path, std::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("path ", util::Echo(GoJsonString(path, false)), ": ", util::ToAbsl(problem)));
}
absl::Status NoValueAt(std::string_view path) {
  return absl::NotFoundError(
      absl::StrCat("no value at path ", util::Echo(GoJsonString(path, false))));
}

// Paths are relative to `values` unless they start with `imports` (esc.md §5.4).
absl::StatusOr<std::vector<PropertyPath::Element>> ParseDefinitionPath(std::string_view path) {
  absl::StatusOr<PropertyPath> parsed = PropertyPath::Parse(util::ToAbsl(path));
  if (!parsed.ok()) return parsed.status();
  std::vector<PropertyPath::Element> elems = parsed->elements();
  if (IsIndex(elems[0]) || KeyOf(elems[0]) != "imports") {
    elems.insert(elems.begin(), std::string("values"));
  }
  return elems;
}

// Walks to the parent of the last element; `create` makes missing parents.
absl::StatusOr<Target> Navigate(SyntaxNode* root, const std::vector<PropertyPath::Element>& elems,
                                bool create, std::string_view path) {
  SyntaxNode* cur = root;
  for (size_t i = 0; i + 1 < elems.size(); ++i) {
    const PropertyPath::Element& e = elems[i];
    Kind want = IsIndex(elems[i + 1]) ? Kind::kArray : Kind::kObject;
    if (cur->kind == Kind::kNull && create) cur->kind = IsIndex(e) ? Kind::kArray : Kind::kObject;
    SyntaxNode* child = nullptr;
    if (IsIndex(e)) {
      const size_t index = IndexOf(e);
      if (cur->kind != Kind::kArray) {
        return PathError(path, "expected an array or an object");
      }
      if (index < cur->items.size()) {
        child = &cur->items[index];
      } else if (create && index == cur->items.size()) {
        cur->items.emplace_back();
        cur->items.back().kind = want;
        child = &cur->items.back();
      } else {
        return create ? PathError(path, "array index out of range") : NoValueAt(path);
      }
    } else {
      if (cur->kind != Kind::kObject) {
        return PathError(path, "expected an array or an object");
      }
      child = Find(cur, KeyOf(e));
      if (child == nullptr) {
        if (!create) return NoValueAt(path);
        child = Add(cur, KeyOf(e), want);
      }
    }
    cur = child;
  }
  if (cur->kind == Kind::kNull && create)
    cur->kind = IsIndex(elems.back()) ? Kind::kArray : Kind::kObject;
  Target t;
  t.parent = cur;
  t.last = elems.back();
  return t;
}

SyntaxNode* Child(const Target& t) {
  if (IsIndex(t.last)) {
    if (t.parent->kind != Kind::kArray || IndexOf(t.last) >= t.parent->items.size()) return nullptr;
    return &t.parent->items[IndexOf(t.last)];
  }
  if (t.parent->kind != Kind::kObject) return nullptr;
  return Find(t.parent, KeyOf(t.last));
}

nlohmann::json ToJsonData(const SyntaxNode& n) {
  switch (n.kind) {
    case Kind::kNull:
      return nullptr;
    case Kind::kBool:
      return n.boolean;
    case Kind::kNumber: {
      nlohmann::json j = nlohmann::json::parse(n.text, nullptr, false);
      return j.is_discarded() ? nlohmann::json(n.text) : j;
    }
    case Kind::kString:
      return n.text;
    case Kind::kArray: {
      nlohmann::json a = nlohmann::json::array();
      for (const SyntaxNode& i : n.items) a.push_back(ToJsonData(i));
      return a;
    }
    case Kind::kObject: {
      nlohmann::json o = nlohmann::json::object();
      for (const SyntaxEntry& e : n.entries) {
        if (!o.contains(e.key)) o[e.key] = ToJsonData(e.value);
      }
      return o;
    }
  }
  return nullptr;
}

}  // namespace

namespace {

// `root`: the loaded definition; rewritten in place into its stored form.
absl::StatusOr<std::string> EncryptLoaded(absl::StatusOr<SyntaxNode>* root,
                                          std::string_view environment,
                                          const Encrypter& encrypter) {
  return RewriteLoaded(root, [&](SyntaxNode* arg, const std::string& path) {
    if (arg->kind != Kind::kString) return absl::OkStatus();
    absl::StatusOr<std::string> ct = EncryptSecret(arg->text, encrypter);
    if (!ct.ok()) {
      return absl::Status(ct.status().code(),
                          absl::StrCat("encrypting the secret at ", util::Echo(path), " of ",
                                       util::ToAbsl(environment), ": ", ct.status().message()));
    }
    SyntaxNode wrapped;
    wrapped.kind = Kind::kObject;
    SyntaxNode text;
    text.kind = Kind::kString;
    text.text = *std::move(ct);
    wrapped.entries.push_back(SyntaxEntry{"ciphertext", Range{}, std::move(text)});
    *arg = std::move(wrapped);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::string> DecryptSecretsImpl(std::string_view yaml, std::string_view environment,
                                               const Decrypter& decrypter) {
  return RewriteSecrets(yaml, environment, [&](SyntaxNode* arg, const std::string& path) {
    const SyntaxNode* ct = CiphertextOf(*arg);
    if (ct == nullptr) return absl::OkStatus();
    absl::StatusOr<std::string> plain = DecryptSecret(ct->text, &decrypter);
    if (!plain.ok()) {
      return absl::Status(plain.status().code(),
                          absl::StrCat("the secret at ", util::Echo(path), " of ",
                                       util::ToAbsl(environment), ": ", plain.status().message()));
    }
    SyntaxNode text;
    text.kind = Kind::kString;
    text.text = *std::move(plain);
    *arg = std::move(text);
    return absl::OkStatus();
  });
}

// A definition loaded for an edit, and the parent `path` names in it. The
// root is on the heap: the target points into it.
struct Located {
  std::unique_ptr<SyntaxNode> root;
  Target target;
};

absl::StatusOr<Located> Locate(std::string_view yaml,
                               const std::vector<PropertyPath::Element>& elems,
                               std::string_view path, bool create) {
  absl::StatusOr<SyntaxNode> root = Load(yaml, "definition");
  if (!root.ok()) return root.status();
  Located out{std::make_unique<SyntaxNode>(*std::move(root)), Target{}};
  absl::StatusOr<Target> t = Navigate(out.root.get(), elems, create, path);
  if (!t.ok()) return t.status();
  out.target = *std::move(t);
  return out;
}

// The value `path` names, which must exist.
absl::StatusOr<std::pair<Located, SyntaxNode*>> LocateExisting(std::string_view yaml,
                                                               std::string_view path) {
  absl::StatusOr<std::vector<PropertyPath::Element>> elems = ParseDefinitionPath(path);
  if (!elems.ok()) return elems.status();
  absl::StatusOr<Located> at = Locate(yaml, *elems, path, /*create=*/false);
  if (!at.ok()) return at.status();
  SyntaxNode* node = Child(at->target);
  if (node == nullptr) return NoValueAt(path);
  return std::make_pair(*std::move(at), node);
}

absl::StatusOr<std::string> SetDefinitionValueImpl(std::string_view yaml, std::string_view path,
                                                   const nlohmann::json& value, bool secret) {
  if (!IsValidUtf8(path) || !IsValidJsonUtf8(value)) {
    return absl::InvalidArgumentError("paths and values must be valid UTF-8");
  }
  absl::StatusOr<std::vector<PropertyPath::Element>> elems = ParseDefinitionPath(path);
  if (!elems.ok()) return elems.status();
  SyntaxNode node;
  if (secret) {
    SyntaxNode text;
    text.kind = Kind::kString;
    if (value.is_string()) {
      text.text = value.get<std::string>();
    } else if (value.is_number() || value.is_boolean()) {
      text.text = value.dump();
    } else {
      return absl::InvalidArgumentError("secret values must be string literals");
    }
    node.kind = Kind::kObject;
    node.entries.push_back(SyntaxEntry{"fn::secret", Range{}, std::move(text)});
  } else {
    node = SyntaxFromJson(value);
  }
  absl::StatusOr<Located> at = Locate(yaml, *elems, path, /*create=*/true);
  if (!at.ok()) return at.status();
  Target* t = &at->target;
  if (SyntaxNode* existing = Child(*t)) {
    *existing = std::move(node);
  } else if (IsIndex(t->last)) {
    if (t->parent->kind != Kind::kArray) {
      return PathError(path, "expected an array");
    }
    if (IndexOf(t->last) != t->parent->items.size()) {
      return PathError(path, "array index out of range");
    }
    t->parent->items.push_back(std::move(node));
  } else {
    if (t->parent->kind != Kind::kObject) {
      return PathError(path, "expected an array or an object");
    }
    t->parent->entries.push_back(SyntaxEntry{KeyOf(t->last), Range{}, std::move(node)});
  }
  return EmitYaml(*at->root);
}

absl::StatusOr<std::string> RemoveDefinitionValueImpl(std::string_view yaml,
                                                      std::string_view path) {
  auto at = LocateExisting(yaml, path);
  if (!at.ok()) return at.status();
  const Target& t = at->first.target;
  if (IsIndex(t.last)) {
    t.parent->items.erase(t.parent->items.begin() + IndexOf(t.last));
  } else {
    auto& entries = t.parent->entries;
    for (auto it = entries.begin(); it != entries.end(); ++it) {
      if (it->key == KeyOf(t.last)) {
        entries.erase(it);
        break;
      }
    }
  }
  return EmitYaml(*at->first.root);
}

absl::StatusOr<DefinitionNode> GetDefinitionNodeImpl(std::string_view yaml, std::string_view path) {
  auto at = LocateExisting(yaml, path);
  if (!at.ok()) return at.status();
  SyntaxNode* n = at->second;
  DefinitionNode out;
  if (SyntaxNode* arg = SecretArg(n)) {
    out.is_secret = true;
    if (const SyntaxNode* ct = CiphertextOf(*arg)) {
      out.is_ciphertext = true;
      out.value = ct->text;
    } else {
      out.value = ToJsonData(*arg);
    }
    return out;
  }
  out.value = ToJsonData(*n);
  return out;
}

// Library exceptions (allocation failure, JSON type errors) stop at the API.
template <typename F>
auto Guard(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("editing the definition failed: ", e.what()));
  }
}

}  // namespace

absl::StatusOr<std::string> EncryptSecrets(std::string_view yaml, std::string_view environment,
                                           const Encrypter& encrypter) {
  return Guard([&]() -> absl::StatusOr<std::string> {
    absl::StatusOr<SyntaxNode> root = Load(yaml, environment);
    return EncryptLoaded(&root, environment, encrypter);
  });
}

absl::StatusOr<std::string> EncryptSecrets(std::string_view yaml, SyntaxParseResult parsed,
                                           std::string_view environment, const Encrypter& encrypter,
                                           SyntaxNode* stored) {
  return Guard([&]() -> absl::StatusOr<std::string> {
    absl::StatusOr<SyntaxNode> root = LoadParsed(yaml, std::move(parsed));
    absl::StatusOr<std::string> out = EncryptLoaded(&root, environment, encrypter);
    if (out.ok() && stored != nullptr) *stored = *std::move(root);
    return out;
  });
}

absl::StatusOr<std::string> DecryptSecrets(std::string_view yaml, std::string_view environment,
                                           const Decrypter& decrypter) {
  return Guard([&] { return DecryptSecretsImpl(yaml, environment, decrypter); });
}

absl::StatusOr<std::string> SetDefinitionValue(std::string_view yaml, std::string_view path,
                                               const nlohmann::json& value, bool secret) {
  return Guard([&] { return SetDefinitionValueImpl(yaml, path, value, secret); });
}

absl::StatusOr<std::string> RemoveDefinitionValue(std::string_view yaml, std::string_view path) {
  return Guard([&] { return RemoveDefinitionValueImpl(yaml, path); });
}

absl::StatusOr<DefinitionNode> GetDefinitionNode(std::string_view yaml, std::string_view path) {
  return Guard([&] { return GetDefinitionNodeImpl(yaml, path); });
}

}  // namespace escnative::esc
