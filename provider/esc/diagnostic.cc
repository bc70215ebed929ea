#include "provider/esc/diagnostic.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "provider/esc/str_util.h"
#include "provider/util/echo.h"

namespace escnative::esc {

bool HasErrors(const Diagnostics& diags) {
  return std::any_of(diags.begin(), diags.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::kError; });
}

Diagnostic OmittedDiagnostics(size_t errors, size_t warnings) {
  Diagnostic d;
  d.severity = errors > 0 ? Severity::kError : Severity::kWarning;
  d.omitted_errors = errors;
  d.omitted_warnings = warnings;
  auto count = [](size_t n, const char* what) {
    return absl::StrCat(n, " more ", what, n == 1 ? "" : "s");
  };
  if (errors > 0 && warnings > 0) {
    d.summary = absl::StrCat("… and ", count(errors, "error"), " and ", count(warnings, "warning"));
  } else {
    d.summary =
        absl::StrCat("… and ", errors > 0 ? count(errors, "error") : count(warnings, "warning"));
  }
  return d;
}

void CapDiagnostics(Diagnostics* diags, size_t limit) {
  bool has_summary = std::any_of(diags->begin(), diags->end(), [](const Diagnostic& d) {
    return d.omitted_errors + d.omitted_warnings > 0;
  });
  if (diags->size() <= limit && !has_summary) return;
  Diagnostics kept;
  kept.reserve(std::min(diags->size(), limit + 1));
  size_t errors = 0, warnings = 0;
  for (Diagnostic& d : *diags) {
    if (d.omitted_errors + d.omitted_warnings > 0) {
      errors += d.omitted_errors;
      warnings += d.omitted_warnings;
    } else if (kept.size() < limit) {
      kept.push_back(std::move(d));
    } else {
      ++(d.severity == Severity::kError ? errors : warnings);
    }
  }
  if (errors + warnings > 0) {
    kept.push_back(OmittedDiagnostics(errors, warnings));
    // Printed as `env: … and N more errors` (it has no position of its own).
    if (kept.size() > 1) kept.back().range.environment = kept.front().range.environment;
  }
  *diags = std::move(kept);
}

std::string Format(const Diagnostic& diag, std::string_view source) {
  std::string out;
  if (diag.range.empty()) {
    absl::StrAppend(&out,
                    diag.range.environment.empty() ? std::string("<yaml>") : diag.range.environment,
                    ": ", diag.summary, "\n");
    return out;
  }
  const Pos& b = diag.range.begin;
  absl::StrAppend(&out, diag.range.environment, ":", b.line, ":", b.column, ": ", diag.summary,
                  "\n");
  if (b.byte < 0 || static_cast<size_t>(b.byte) > source.size()) return out;
  size_t start = source.rfind('\n', b.byte == 0 ? 0 : b.byte - 1);
  start = (start == std::string_view::npos || b.byte == 0) ? 0 : start + 1;
  if (b.byte > 0 && source[b.byte - 1] == '\n') start = b.byte;
  size_t end = source.find('\n', start);
  if (end == std::string_view::npos) end = source.size();
  std::string line(source.substr(start, end - start));
  // Never echo a plaintext secret: hide what follows `fn::secret:` on the
  // line, and the whole line when the previous one ends with it.
  constexpr std::string_view kSecret = "fn::secret:";
  size_t at = line.find(kSecret);
  std::string_view before = source.substr(0, start == 0 ? 0 : start - 1);
  size_t prev = before.rfind('\n');
  std::string_view prev_line = before.substr(prev == std::string_view::npos ? 0 : prev + 1);
  while (!prev_line.empty() && (prev_line.back() == ' ' || prev_line.back() == '\r')) {
    prev_line.remove_suffix(1);
  }
  if (at != std::string::npos) {
    std::string_view rest = std::string_view(line).substr(at + kSecret.size());
    size_t first = rest.find_first_not_of(' ');
    bool has_value = first != std::string_view::npos && rest[first] != '{' && rest[first] != '#';
    if (has_value) line = line.substr(0, at + kSecret.size()) + " [secret]";
  } else if (start > 0 && prev_line.size() >= kSecret.size() &&
             prev_line.substr(prev_line.size() - kSecret.size()) == kSecret) {
    size_t indent = line.find_first_not_of(' ');
    line = std::string(indent == std::string::npos ? 0 : indent, ' ') + "[secret]";
  }
  absl::StrAppend(&out, "  ", line, "\n  ", std::string(std::max(0, b.column - 1), ' '), "^\n");
  return out;
}

namespace {
// Printable ASCII: Echo would return it unchanged (the common case, no copy).
bool IsPlain(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || u >= 0x80) return false;
  }
  return true;
}

bool IsIdentifier(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) return false;
  }
  return true;
}
}  // namespace

std::string EchoPath(std::string_view path) {
  if (path.size() <= kMaxDiagnosticPath && IsPlain(path)) return std::string(path);
  return util::Echo(path, kMaxDiagnosticPath);
}

std::string JoinKey(std::string_view path, std::string_view key) {
  if (IsIdentifier(key)) {
    if (path.empty()) return std::string(key);
    return absl::StrCat(util::ToAbsl(path), ".", util::ToAbsl(key));
  }
  std::string quoted;
  for (char c : key) {
    if (c == '"') quoted += '\\';
    quoted += c;
  }
  return absl::StrCat(util::ToAbsl(path), "[\"", quoted, "\"]");
}

std::string JoinIndex(std::string_view path, size_t index) {
  return absl::StrCat(util::ToAbsl(path), "[", index, "]");
}

}  // namespace escnative::esc
