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
  // Set on the one entry CapDiagnostics leaves for what it dropped.
  size_t omitted_errors = 0;
  size_t omitted_warnings = 0;
};

using Diagnostics = std::vector<Diagnostic>;

bool HasErrors(const Diagnostics& diags);

// How many diagnostics an evaluation reports. A definition can produce one
// per reference (100k in 2 MB); every consumer formats, serialises or sends
// each one, so the tail is summarised instead.
inline constexpr size_t kMaxDiagnostics = 100;

// Keeps the first `limit` diagnostics and replaces the rest with one entry,
// "… and N more errors" (an error when any dropped one was). Summary entries
// already in `diags` are folded into the new one, so capping a concatenation
// of capped lists is exact. Linear; a no-op when nothing is over the limit.
void CapDiagnostics(Diagnostics* diags, size_t limit = kMaxDiagnostics);

// The summary entry for `errors` + `warnings` diagnostics left out.
Diagnostic OmittedDiagnostics(size_t errors, size_t warnings);

// `env:line:col: summary` followed by the source line and a caret, as the
// CLI prints diagnostics for set/rm/open/run. `source` may be empty.
std::string Format(const Diagnostic& diag, std::string_view source);

// A syntax path as a diagnostic carries it: keys are input, and every
// consumer quotes the path (Check failures, CLI output, status messages), so
// it is escaped and cut at kMaxDiagnosticPath bytes like any echo.
inline constexpr size_t kMaxDiagnosticPath = 1024;
std::string EchoPath(std::string_view path);

// Appends a key to a syntax path: bare when it is an identifier, else ["k"].
std::string JoinKey(std::string_view path, std::string_view key);
std::string JoinIndex(std::string_view path, size_t index);

}  // namespace escnative::esc

#endif  // PROVIDER_ESC_DIAGNOSTIC_H_
