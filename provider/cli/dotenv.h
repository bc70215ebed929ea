// A parser for `.env` files, the syntax common readers (python-dotenv, node's
// dotenv, Docker Compose) agree on:
//
//   # comment                       KEY=unquoted value   # trailing comment
//   export KEY=value                KEY='literal, no escapes,
//   KEY = spaced                         may span lines'
//   KEY=                            KEY="escapes \n \t \" \\ \$, may span lines"
//
// Keys are [A-Za-z_][A-Za-z0-9_.-]*. A key given twice is an error (a sync job
// should not silently pick one). Errors name the line, never a value.
#ifndef PROVIDER_CLI_DOTENV_H_
#define PROVIDER_CLI_DOTENV_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace escnative::cli {

using DotenvEntries = std::vector<std::pair<std::string, std::string>>;

// `source` names the file in errors ("app.env:3: ...").
absl::StatusOr<DotenvEntries> ParseDotenv(std::string_view text, std::string_view source);

}  // namespace escnative::cli

#endif  // PROVIDER_CLI_DOTENV_H_
