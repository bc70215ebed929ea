// A definition's YAML document as JSON data, in document order, for callers
// that compare or rebuild whole definitions (the provider's Environment
// resource). `fn::secret` nodes stay as they are written
// ({"fn::secret": "plaintext"} or {"fn::secret": {"ciphertext": "..."}}).
#ifndef PROVIDER_ESC_DEFINITION_DATA_H_
#define PROVIDER_ESC_DEFINITION_DATA_H_

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "provider/esc/crypter.h"
#include "provider/esc/yaml_syntax.h"

namespace escnative::esc {

// An empty document is an empty object. InvalidArgument for YAML that does
// not parse or whose root is not an object (messages carry no values).
absl::StatusOr<nlohmann::ordered_json> DefinitionToJson(std::string_view yaml);
// The same from a parse the caller already has (ParseYaml of the definition).
absl::StatusOr<nlohmann::ordered_json> DefinitionToJson(const SyntaxParseResult& parsed);
// A definition's tree (an object, or null for an empty document) as JSON data.
nlohmann::ordered_json DefinitionTreeToJson(const SyntaxNode& root);

// The inverse: JSON data as a block-style YAML definition (2-space indent,
// key order kept), the form definitions are stored in.
std::string DefinitionToYaml(const nlohmann::ordered_json& definition);
// What ParseYaml(environment, DefinitionToYaml(definition)) gives, without
// the text: the same tree with no positions. Not ok (a diagnostic, no
// values) when a key or string is not valid UTF-8.
SyntaxParseResult DefinitionDataToSyntax(std::string_view environment,
                                         const nlohmann::ordered_json& definition);

// Leaf paths of a definition document with their JSON: `values.a.b`,
// `values["x.y"]`, `imports[0]`. A `fn::secret` node (plaintext or
// ciphertext) is one leaf, and so is an empty object or array. The nodes
// point into `definition` (no copies: a write compares every leaf), valid
// while it lives unchanged.
using DefinitionLeafMap = std::map<std::string, const nlohmann::ordered_json*>;
DefinitionLeafMap DefinitionLeaves(const nlohmann::ordered_json& definition);

// The leaf paths whose content differs between two definitions, sorted.
// Secrets compare by plaintext: ciphertext that differs is decrypted with
// `decrypter` (both sides belong to one environment), so re-encrypting a
// value is not a change. Only paths leave this function, never values.
absl::StatusOr<std::vector<std::string>> ChangedDefinitionPaths(std::string_view before,
                                                                std::string_view after,
                                                                const Decrypter& decrypter);
// The same on leaves already collected (DefinitionLeaves of each side).
std::vector<std::string> ChangedLeafPaths(const DefinitionLeafMap& before,
                                          const DefinitionLeafMap& after,
                                          const Decrypter& decrypter);

}  // namespace escnative::esc

#endif  // PROVIDER_ESC_DEFINITION_DATA_H_
