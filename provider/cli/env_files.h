// The `files` entries of an opened environment, written for `--format
// dotenv|shell`: private files in a private directory that a detached reaper
// removes after a lifetime, so plaintext never lingers in $TMPDIR. (A command
// run under `escctl env run` is the tighter scope: its files go when it ends.)
#ifndef PROVIDER_CLI_ENV_FILES_H_
#define PROVIDER_CLI_ENV_FILES_H_

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "provider/esc/value.h"

namespace escnative::cli {

struct WrittenFiles {
  std::string directory;                     // mode 0700, holds every file
  std::map<std::string, std::string> paths;  // entry name -> file (mode 0600)
};

// Writes `text` to `path` with mode 0600 (also when the file existed), never
// through a symlink; with `exclusive` the file must not exist yet.
absl::Status WritePrivateFile(const std::string& path, std::string_view text,
                              bool exclusive = false);

// Writes each `files` entry of `root` under a new private directory in
// $TMPDIR (or /tmp). Nothing is written when there are no files.
absl::StatusOr<WrittenFiles> WritePrivateFiles(const esc::Value& root);
// Removes what WritePrivateFiles wrote (async-signal-safe calls only).
void RemovePrivateFiles(const WrittenFiles& files);

// WritePrivateFiles, then starts a detached process that removes the directory after
// `lifetime`. The reaper holds none of the caller's descriptors, so
// `$(escctl ...)` returns at once. Nothing is written when there are no files.
absl::StatusOr<WrittenFiles> WriteFilesWithLifetime(const esc::Value& root,
                                                    absl::Duration lifetime);

}  // namespace escnative::cli

#endif  // PROVIDER_CLI_ENV_FILES_H_
