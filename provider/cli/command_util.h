// Helpers the escctl command handlers share: argument checks, rendering of
// values and diagnostics, durations and revisions.
#ifndef PROVIDER_CLI_COMMAND_UTIL_H_
#define PROVIDER_CLI_COMMAND_UTIL_H_

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "provider/backend/local_backend.h"
#include "provider/backend/ref.h"
#include "provider/cli/context.h"
#include "provider/esc/diagnostic.h"
#include "provider/esc/value.h"

namespace escnative::cli {

// RFC 3339 in UTC, as escctl prints times.
std::string Time(absl::Time t);

// A usage error (exit 2) unless `p` has between `min` and `max` words.
absl::Status NeedArgs(const Positional& p, size_t min, size_t max);

// An error when `r` names a version: `command` works on the latest revision.
absl::Status NoVersion(const backend::ParsedRef& r, absl::string_view command);

// The contents of `file`, or of stdin for "-".
absl::StatusOr<std::string> ReadInput(const std::string& file);

// A value for `env set` (or any secret input) from stdin: on a terminal, a
// prompt naming `what` with echo off; otherwise everything on stdin, one
// trailing newline dropped. At most 1 MiB of valid UTF-8.
absl::StatusOr<std::string> ReadValueFromStdin(Context& ctx, absl::string_view what);
// The exact contents of a value file (a regular file of at most 1 MiB of
// valid UTF-8).
absl::StatusOr<std::string> ReadValueFile(const std::string& path);

// Prints diagnostics as `env:line:col: summary`; the source line only when
// `stored_source` is a stored definition (ciphertext), never a new one,
// which may still hold a plaintext secret.
void PrintDiagnostics(std::ostream& err, const esc::Diagnostics& diags, absl::string_view root,
                      absl::string_view stored_source);

// A positive duration of at most `max` ("720h", "30d", "1h30m"); errors name
// `--flag`.
absl::StatusOr<absl::Duration> ParseDurationFlag(const std::string& text, absl::string_view flag,
                                                 absl::Duration max = absl::Hours(24 * 3650));

// Renders `v` (the value at the path, or `root`) in `format`. For dotenv and
// shell, `files` entries are written to private files that live for
// `files_lifetime` (only when set and revealing), and entries that cannot be
// written safely are named on `err`.
absl::StatusOr<std::string> Render(const esc::ValuePtr& root, const esc::ValuePtr& v,
                                   const std::string& format, bool has_path, bool reveal,
                                   std::optional<absl::Duration> files_lifetime, std::ostream& err);

// What a stored definition holds at `path` (absent, or the node as stored:
// ciphertext compares as is, never decrypted), for telling whether a
// concurrent writer touched that key.
std::string NodeFingerprint(const std::string& yaml, const std::string& path);

// Prints the outcome of a definition write: diagnostics (never a source
// line) and the new revision.
absl::Status ReportUpdate(Context& ctx, const backend::ParsedRef& r,
                          const absl::StatusOr<backend::NewRevision>& res);

// Opens `r` (audited); on failure prints its diagnostics.
absl::StatusOr<esc::ValuePtr> OpenValues(Context& ctx, const backend::ParsedRef& r);

// Saves `yaml` as the definition of `r` (etag-guarded when `etag` is set)
// and reports warnings/diagnostics; never prints a source line.
absl::Status Save(Context& ctx, backend::Backend* b, const backend::ParsedRef& r,
                  const std::string& yaml, std::optional<std::string> etag);

}  // namespace escnative::cli

#endif  // PROVIDER_CLI_COMMAND_UTIL_H_
