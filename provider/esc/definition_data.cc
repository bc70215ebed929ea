#include "provider/esc/definition_data.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "provider/esc/yaml_emit.h"
#include "provider/esc/yaml_syntax.h"

namespace escnative::esc {
namespace {

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
      // Duplicate keys: the last one wins, as in evaluation.
      for (const SyntaxEntry& e : n.entries) o[e.key] = ToData(e.value);
      return o;
    }
  }
  return nullptr;
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

absl::StatusOr<nlohmann::ordered_json> DefinitionToJson(std::string_view yaml) {
  SyntaxParseResult parsed = ParseYaml("definition", yaml);
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

}  // namespace escnative::esc
