// Go-compatible JSON for ESC values (esc.md §1.10, §2.1).
#ifndef PROVIDER_ESC_JSON_ENCODING_H_
#define PROVIDER_ESC_JSON_ENCODING_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "provider/esc/value.h"

namespace escnative::esc {

enum class Redaction {
  kReveal,  // secrets in plaintext
  kRedact,  // secrets as "[secret]"
};

// A JSON string literal as Go encoding/json writes it: HTML-sensitive
// characters and U+2028/U+2029 escaped, invalid UTF-8 replaced by U+FFFD.
std::string GoJsonString(std::string_view s, bool escape_html = true);

// Plain JSON text of a value: keys sorted, numbers as their decimal text,
// unknowns as "[unknown]". indent 0 = compact (fn::toJSON); the CLI uses 2.
std::string ToJsonText(const Value& v, Redaction redaction, int indent = 0);

// The same projection as nlohmann::json (for callers that post-process).
nlohmann::json ToJson(const Value& v, Redaction redaction);

// The detailed `Value` wrapper of esc.md §2.1 (value/secret/unknown/trace).
// Secrets are in plaintext: callers decide whether this may be shown.
// `environment` (optional) names the environment being exported: values
// defined at no position are reported there, and overridden values under
// "<import>", as the reference does.
nlohmann::json ToDetailedJson(const Value& v, const std::string& environment = "");
nlohmann::json RangeToJson(const Range& r);
// A number's decimal text as a JSON number (the text itself if it is not one).
nlohmann::json NumberJson(const std::string& text);

// A value from JSON data (definition ranges left empty).
ValuePtr FromJson(const nlohmann::json& j);

// Decodes the first JSON value in `text` (trailing text is ignored, as Go's
// json.Decoder does), keeping number text. Errors use Go's wording.
absl::StatusOr<ValuePtr> DecodeJson(std::string_view text, int max_depth = 256);

}  // namespace escnative::esc

#endif  // PROVIDER_ESC_JSON_ENCODING_H_
