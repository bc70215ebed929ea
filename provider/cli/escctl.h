// escctl: the local backend from the command line (docs/escctl.md).
#ifndef PROVIDER_CLI_ESCCTL_H_
#define PROVIDER_CLI_ESCCTL_H_

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "provider/util/env_lookup.h"

namespace escnative::cli {

// Exit codes scripts can rely on.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNotFound = 3;
inline constexpr int kExitConflict = 4;  // exists, stale etag, deletion protected
inline constexpr int kExitAuth = 5;      // wrong passphrase, token invalid or out of scope

int ExitCodeFor(const absl::Status& status);

using util::EnvLookup;

// Runs one command line (args exclude the program name). Everything the
// user sees goes to `out` / `err`.
int RunEscctl(const std::vector<std::string>& args, const EnvLookup& env, std::ostream& out,
              std::ostream& err);

}  // namespace escnative::cli

#endif  // PROVIDER_CLI_ESCCTL_H_
