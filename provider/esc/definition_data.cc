#include "provider/esc/definition_data.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
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

}  // namespace

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
