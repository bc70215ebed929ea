// YAML text -> syntax tree with source ranges (esc.md §1.1).
//
// This layer knows YAML only: it applies the YAML 1.2 core schema to plain
// scalars (so `yes`/`on` stay strings), turns explicitly tagged scalars into
// strings, rejects aliases and non-string mapping keys, and keeps duplicate
// keys (the caller decides whether they are warnings or errors).
#ifndef PROVIDER_ESC_YAML_SYNTAX_H_
#define PROVIDER_ESC_YAML_SYNTAX_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "provider/esc/diagnostic.h"

namespace escnative::esc {

struct SyntaxEntry;

struct SyntaxNode {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string text;  // kNumber: canonical decimal text; kString: the value
  Range range;
  bool quoted = false;               // a quoted or block (| >) scalar: not plain
  std::vector<SyntaxNode> items;     // kArray
  std::vector<SyntaxEntry> entries;  // kObject, in document order
};

struct SyntaxEntry {
  std::string key;
  Range key_range;
  SyntaxNode value;
};

struct SyntaxLimits {
  int max_depth = 128;         // nesting of sequences/mappings
  size_t max_bytes = 4 << 20;  // whole document
};

struct SyntaxParseResult {
  // Null when the document is empty or could not be parsed.
  SyntaxNode root;
  Diagnostics diagnostics;
  bool ok = true;  // false on a YAML syntax error
};

// Never throws. `environment` names the ranges.
SyntaxParseResult ParseYaml(std::string_view environment, std::string_view text,
                            const SyntaxLimits& limits = {});

// Applies YAML 1.2 core-schema resolution (as Go yaml.v3 does) to a plain
// scalar: returns the node kind and, for numbers, the canonical text
// (integers in base 10, floats in Go's shortest 'g' form).
SyntaxNode::Kind ResolvePlainScalar(std::string_view plain, std::string* text, bool* boolean);

// Go strconv.FormatFloat(f, 'g', -1, 64).
std::string FormatGoFloat(double f);

// Maps byte offsets to 1-based line/column (columns count characters,
// combining marks and variation selectors have no width).
class LineIndex {
 public:
  explicit LineIndex(std::string_view text);
  Pos At(int byte) const;
  // Number of display characters in s.
  static int Width(std::string_view s);

 private:
  std::string_view text_;
  std::vector<int> line_starts_;
  // Parsers ask for positions in increasing order; resuming from the last
  // answer keeps long lines (minified JSON) linear instead of quadratic.
  mutable int cached_byte_ = -1;
  mutable Pos cached_;
};

}  // namespace escnative::esc

#endif  // PROVIDER_ESC_YAML_SYNTAX_H_
