// Block-style YAML output for definitions and CLI renderings.
#ifndef PROVIDER_ESC_YAML_EMIT_H_
#define PROVIDER_ESC_YAML_EMIT_H_

#include <string>

#include "provider/esc/json_encoding.h"
#include "provider/esc/value.h"
#include "provider/esc/yaml_syntax.h"

namespace escnative::esc {

// Re-serialises a syntax tree with `indent` spaces per level. Comments and
// original scalar styles are not kept; strings that would read back as
// another type are quoted.
std::string EmitYaml(const SyntaxNode& node, int indent = 2);

// A value as YAML (the CLI's `--format yaml`).
std::string ValueToYaml(const Value& v, Redaction redaction, int indent = 2);

// Converts JSON data to a syntax node (no ranges).
SyntaxNode SyntaxFromJson(const nlohmann::json& j);

}  // namespace escnative::esc

#endif  // PROVIDER_ESC_YAML_EMIT_H_
