#include "provider/esc/definition_data.h"

#include <algorithm>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "provider/esc/yaml_emit.h"
#include "provider/esc/yaml_syntax.h"
#include "provider/util/status_macros.h"
#include "provider/util/utf8.h"

namespace escnative::esc {
namespace {

bool HasDuplicateKeys(const std::vector<SyntaxEntry>& entries) {
  std::vector<std::string_view> keys;
  keys.reserve(entries.size());
  for (const SyntaxEntry& e : entries) keys.push_back(e.key);
  std::sort(keys.begin(), keys.end());
  return std::adjacent_find(keys.begin(), keys.end()) != keys.end();
}

nlohmann::ordered_json ToData(const SyntaxNode& n) {
  switch (n.kind) {
    case SyntaxNode::Kind::kNull:
      return nullptr;
    case SyntaxNode::Kind::kBool:
      return n.boolean;
    case SyntaxNode::Kind::kNumber: {
      // Canonical decimal text; keep integers exact, floats as doubles.
      auto j = nlohmann::ordered_json::parse(n.text, nullptr, false);
      return j.is_discarded() ? nlohmann::ordered_json(n.text) : j;
    }
    case SyntaxNode::Kind::kString:
      return n.text;
    case SyntaxNode::Kind::kArray: {
      auto a = nlohmann::ordered_json::array();
      for (const SyntaxNode& i : n.items) a.push_back(ToData(i));
      return a;
    }
    case SyntaxNode::Kind::kObject: {
      auto o = nlohmann::ordered_json::object();
      if (HasDuplicateKeys(n.entries)) {
        // The last one wins, as in evaluation.
        for (const SyntaxEntry& e : n.entries) o[e.key] = ToData(e.value);
        return o;
      }
      // ordered_json's operator[] searches linearly: appending keys known to
      // be unique keeps a large object linear instead of quadratic.
      auto& members = o.get_ref<nlohmann::ordered_json::object_t&>();
      members.reserve(n.entries.size());
      for (const SyntaxEntry& e : n.entries) members.emplace_back(e.key, ToData(e.value));
      return o;
    }
  }
  return nullptr;
}

bool DataIsUtf8(const nlohmann::ordered_json& j) {
  if (j.is_string()) return util::IsValidUtf8(j.get_ref<const std::string&>());
  if (j.is_array()) {
    return std::all_of(j.begin(), j.end(), [](const auto& e) { return DataIsUtf8(e); });
  }
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!util::IsValidUtf8(it.key()) || !DataIsUtf8(it.value())) return false;
    }
  }
  return true;
}

SyntaxNode FromData(const nlohmann::ordered_json& j) {
  SyntaxNode n;
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::boolean:
      n.kind = SyntaxNode::Kind::kBool;
      n.boolean = j.get<bool>();
      break;
    case nlohmann::ordered_json::value_t::number_integer:
    case nlohmann::ordered_json::value_t::number_unsigned:
      n.kind = SyntaxNode::Kind::kNumber;
      n.text = j.dump();
      break;
    case nlohmann::ordered_json::value_t::number_float:
      n.kind = SyntaxNode::Kind::kNumber;
      n.text = FormatGoFloat(j.get<double>());
      break;
    case nlohmann::ordered_json::value_t::string:
      n.kind = SyntaxNode::Kind::kString;
      n.text = j.get<std::string>();
      break;
    case nlohmann::ordered_json::value_t::array:
      n.kind = SyntaxNode::Kind::kArray;
      for (const auto& e : j) n.items.push_back(FromData(e));
      break;
    case nlohmann::ordered_json::value_t::object:
      n.kind = SyntaxNode::Kind::kObject;
      for (const auto& [k, e] : j.items()) {
        SyntaxEntry entry;
        entry.key = k;
        entry.value = FromData(e);
        n.entries.push_back(std::move(entry));
      }
      break;
    default:
      break;
  }
  return n;
}

}  // namespace

std::string DefinitionToYaml(const nlohmann::ordered_json& definition) {
  if (definition.is_object() && definition.empty()) return "";
  return EmitYaml(FromData(definition), 2);
}

SyntaxParseResult DefinitionDataToSyntax(std::string_view environment,
                                         const nlohmann::ordered_json& definition) {
  SyntaxParseResult out;
  if (!DataIsUtf8(definition)) {
    Diagnostic d;
    d.summary = "the definition is not valid UTF-8";
    d.range.environment = std::string(environment);
    out.diagnostics.push_back(std::move(d));
    out.ok = false;
    return out;
  }
  if (definition.is_object() && definition.empty()) return out;  // an empty document
  out.root = FromData(definition);
  return out;
}

absl::StatusOr<nlohmann::ordered_json> DefinitionToJson(std::string_view yaml) {
  return DefinitionToJson(ParseYaml("definition", yaml));
}

nlohmann::ordered_json DefinitionTreeToJson(const SyntaxNode& root) {
  if (root.kind == SyntaxNode::Kind::kNull) return nlohmann::ordered_json::object();
  return ToData(root);
}

absl::StatusOr<nlohmann::ordered_json> DefinitionToJson(const SyntaxParseResult& parsed) {
  if (!parsed.ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the definition is not valid YAML",
        parsed.diagnostics.empty() ? "" : absl::StrCat(": ", parsed.diagnostics[0].summary)));
  }
  if (parsed.root.kind == SyntaxNode::Kind::kNull) return nlohmann::ordered_json::object();
  if (parsed.root.kind != SyntaxNode::Kind::kObject) {
    return absl::InvalidArgumentError("the definition must be an object");
  }
  return ToData(parsed.root);
}

namespace {

bool IsIdentifier(const std::string& key) {
  if (key.empty() || absl::ascii_isdigit(static_cast<unsigned char>(key[0]))) return false;
  for (char c : key) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

void CollectLeaves(const nlohmann::ordered_json& j, const std::string& path,
                   DefinitionLeafMap* out) {
  bool secret = j.is_object() && j.size() == 1 && j.contains("fn::secret");
  if (j.is_object() && !j.empty() && !secret) {
    for (const auto& [k, v] : j.items()) {
      std::string child = IsIdentifier(k) ? (path.empty() ? k : absl::StrCat(path, ".", k))
                                          : absl::StrCat(path, "[", nlohmann::json(k).dump(), "]");
      CollectLeaves(v, child, out);
    }
  } else if (j.is_array() && !j.empty()) {
    for (size_t i = 0; i < j.size(); ++i) CollectLeaves(j[i], absl::StrCat(path, "[", i, "]"), out);
  } else {
    (*out)[path] = &j;
  }
}

// The plaintext of a `fn::secret` leaf, or nullopt for any other node.
absl::StatusOr<std::optional<std::string>> SecretText(const nlohmann::ordered_json& leaf,
                                                      const Decrypter& decrypter) {
  if (!leaf.is_object() || leaf.size() != 1 || !leaf.contains("fn::secret")) return std::nullopt;
  const auto& arg = leaf["fn::secret"];
  if (arg.is_string()) return arg.get<std::string>();
  if (arg.is_object() && arg.size() == 1 && arg.contains("ciphertext") &&
      arg["ciphertext"].is_string()) {
    ASSIGN_OR_RETURN(std::string plain,
                     DecryptSecret(arg["ciphertext"].get<std::string>(), &decrypter));
    return plain;
  }
  return std::nullopt;
}

}  // namespace

DefinitionLeafMap DefinitionLeaves(const nlohmann::ordered_json& definition) {
  DefinitionLeafMap out;
  if (definition.is_object() && definition.empty()) return out;
  CollectLeaves(definition, "", &out);
  return out;
}

absl::StatusOr<std::vector<std::string>> ChangedDefinitionPaths(std::string_view before,
                                                                std::string_view after,
                                                                const Decrypter& decrypter) {
  ASSIGN_OR_RETURN(nlohmann::ordered_json a, DefinitionToJson(before));
  ASSIGN_OR_RETURN(nlohmann::ordered_json b, DefinitionToJson(after));
  return ChangedLeafPaths(DefinitionLeaves(a), DefinitionLeaves(b), decrypter);
}

std::vector<std::string> ChangedLeafPaths(const DefinitionLeafMap& la, const DefinitionLeafMap& lb,
                                          const Decrypter& decrypter) {
  std::vector<std::string> changed;
  for (const auto& [path, leaf] : la) {
    auto it = lb.find(path);
    if (it == lb.end()) {
      changed.push_back(path);
      continue;
    }
    if (*it->second == *leaf) continue;
    // Two secrets may hold one value in different encryptions.
    absl::StatusOr<std::optional<std::string>> x = SecretText(*leaf, decrypter);
    absl::StatusOr<std::optional<std::string>> y = SecretText(*it->second, decrypter);
    bool same = x.ok() && y.ok() && x->has_value() && y->has_value() && **x == **y;
    if (!same) changed.push_back(path);
  }
  for (const auto& [path, leaf] : lb) {
    if (la.count(path) == 0) changed.push_back(path);
  }
  std::sort(changed.begin(), changed.end());
  return changed;
}

}  // namespace escnative::esc
