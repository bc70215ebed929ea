// Source positions and diagnostics of the ESC evaluator, as plain data.
#ifndef PROVIDER_ESC_DIAGNOSTIC_H_
#define PROVIDER_ESC_DIAGNOSTIC_H_

#include <string>
#include <string_view>
#include <vector>

namespace escnative::esc {

// 1-based line and column (columns count display characters), 0-based byte.
struct Pos {
  int line = 0;
  int column = 0;
  int byte = 0;
  bool operator==(const Pos& o) const {
    return line == o.line && column == o.column && byte == o.byte;
  }
};

// A half-open source range inside one environment's definition.
struct Range {
  std::string environment;
  Pos begin;
  Pos end;
  bool empty() const { return begin.line == 0; }
};

enum class Severity { kError = 1, kWarning = 2 };

struct Diagnostic {
  Severity severity = Severity::kError;
  std::string summary;
  std::string detail;
  std::string path;  // syntax path, e.g. values.builtins[0]["fn::open::test"]
  Range range;       // empty when unknown (e.g. YAML syntax errors)
};

using Diagnostics = std::vector<Diagnostic>;

bool HasErrors(const Diagnostics& diags);

// `env:line:col: summary` followed by the source line and a caret, as the
// CLI prints diagnostics for set/rm/open/run. `source` may be empty.
std::string Format(const Diagnostic& diag, std::string_view source);

// Appends a key to a syntax path: bare when it is an identifier, else ["k"].
std::string JoinKey(std::string_view path, std::string_view key);
std::string JoinIndex(std::string_view path, size_t index);

}  // namespace escnative::esc

#endif  // PROVIDER_ESC_DIAGNOSTIC_H_
