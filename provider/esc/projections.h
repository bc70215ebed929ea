// Consumer views of an evaluated environment (esc.md §1.2 reserved keys,
// §2.2 CLI renderings).
#ifndef PROVIDER_ESC_PROJECTIONS_H_
#define PROVIDER_ESC_PROJECTIONS_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "provider/esc/json_encoding.h"
#include "provider/esc/value.h"

namespace escnative::esc {

// One `environmentVariables` or `files` entry, stringified (null -> "").
struct EnvironmentEntry {
  std::string name;
  std::string value;  // for files: the content; may be a secret
  bool secret = false;
  bool unknown = false;
};

// Scalar members of `environmentVariables` / `files`, sorted by name;
// arrays and objects are skipped, as ESC does.
std::vector<EnvironmentEntry> EnvironmentVariables(const Value& root);
std::vector<EnvironmentEntry> Files(const Value& root);
// `pulumiConfig` (an empty object when absent or not an object).
ValuePtr PulumiConfig(const Value& root);

enum class OutputFormat { kJson, kYaml, kDetailed, kString, kDotenv, kShell };
absl::StatusOr<OutputFormat> ParseOutputFormat(std::string_view name);

// `json`: sorted keys, 2-space indent, Go HTML escaping, trailing newline.
std::string RenderJson(const Value& v, Redaction redaction);
std::string RenderYaml(const Value& v, Redaction redaction);
std::string RenderDetailed(const Value& v);
// Stringification (§1.10) plus a newline; a redacted secret is "[secret]".
std::string RenderString(const Value& v, Redaction redaction);
// `dotenv` and `shell` output, made to be read back literally: every value
// is single-quoted, so no reader expands `$`, backticks or escapes in it.
//   shell:  export NAME='value'   (a `'` inside becomes '\'' ; newlines stay
//           inside the quotes), safe for `eval` in sh, bash, zsh and dash;
//   dotenv: NAME='value'          (python-dotenv, node dotenv, Docker Compose
//           and godotenv read single-quoted values verbatim, newlines included).
// Entries that cannot be written that way are skipped and named in `skipped`
// (the caller prints them as warnings): a name that is not a POSIX variable
// name ([A-Za-z_][A-Za-z0-9_]*), a value holding a NUL byte, and for dotenv a
// value holding a single quote (no common .env reader can read one back
// inside single quotes). Environment variables come first, sorted by name,
// then files, whose value is the path the caller wrote them to (`file_paths`,
// keyed by name; missing -> "[unknown]").
struct RenderedEnvironment {
  std::string text;
  std::vector<std::string> skipped;  // "NAME: why", NAME echoed safely
};
RenderedEnvironment RenderDotenv(const Value& root,
                                 const std::map<std::string, std::string>& file_paths,
                                 Redaction redaction, bool shell);

// Whether `name` is a POSIX shell variable name.
bool IsPosixVariableName(std::string_view name);
// `s` in single quotes for a POSIX shell ('\'' for each quote).
std::string ShellQuote(std::string_view s);

}  // namespace escnative::esc

#endif  // PROVIDER_ESC_PROJECTIONS_H_
