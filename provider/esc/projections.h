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
// `KEY="value"` lines (Go-quoted): environment variables sorted by name,
// then files, whose value is the path the caller wrote them to
// (`file_paths`, keyed by name; missing -> "[unknown]"). `shell` prefixes
// each line with `export `.
std::string RenderDotenv(const Value& root, const std::map<std::string, std::string>& file_paths,
                         Redaction redaction, bool shell);

}  // namespace escnative::esc

#endif  // PROVIDER_ESC_PROJECTIONS_H_
