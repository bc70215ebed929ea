// The escctl command handlers, one per command path (the table in escctl.cc
// maps paths to them). Each validates its words and flags, runs against the
// context's store and prints to the context's streams.
#ifndef PROVIDER_CLI_COMMANDS_H_
#define PROVIDER_CLI_COMMANDS_H_

#include "absl/status/status.h"
#include "provider/cli/context.h"

namespace escnative::cli {

using Handler = absl::Status (*)(Context& ctx, const Positional& p);

// env_commands.cc
absl::Status EnvInit(Context& ctx, const Positional& p);
absl::Status EnvLs(Context& ctx, const Positional& p);
absl::Status EnvGet(Context& ctx, const Positional& p);
absl::Status EnvSet(Context& ctx, const Positional& p);
absl::Status EnvRm(Context& ctx, const Positional& p);
absl::Status EnvOpen(Context& ctx, const Positional& p);
// edit_commands.cc
absl::Status EnvEdit(Context& ctx, const Positional& p);
absl::Status EnvDiff(Context& ctx, const Positional& p);
// export_commands.cc
absl::Status EnvExport(Context& ctx, const Positional& p);
absl::Status EnvCheck(Context& ctx, const Positional& p);
// import_command.cc
absl::Status EnvImport(Context& ctx, const Positional& p);
// run_command.cc
absl::Status EnvRun(Context& ctx, const Positional& p);
// version_commands.cc
absl::Status EnvVersionLs(Context& ctx, const Positional& p);
absl::Status EnvVersionRollback(Context& ctx, const Positional& p);
absl::Status EnvVersionTag(Context& ctx, const Positional& p);
absl::Status EnvVersionTagLs(Context& ctx, const Positional& p);
absl::Status EnvVersionTagRm(Context& ctx, const Positional& p);
absl::Status EnvTagLs(Context& ctx, const Positional& p);
absl::Status EnvTagSet(Context& ctx, const Positional& p);
absl::Status EnvTagRm(Context& ctx, const Positional& p);
absl::Status EnvProtect(Context& ctx, const Positional& p);
absl::Status EnvUnprotect(Context& ctx, const Positional& p);
// token_commands.cc
absl::Status TokenCreate(Context& ctx, const Positional& p);
absl::Status TokenLs(Context& ctx, const Positional& p);
absl::Status TokenRevoke(Context& ctx, const Positional& p);
absl::Status AuditLs(Context& ctx, const Positional& p);
// report_command.cc
absl::Status AuditReport(Context& ctx, const Positional& p);
absl::Status Rekey(Context& ctx, const Positional& p);

}  // namespace escnative::cli

#endif  // PROVIDER_CLI_COMMANDS_H_
