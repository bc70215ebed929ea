// The plugin process as the engine launches it (pulumi-protocol.md §1.4-1.11):
// engine address as the last positional argument, gRPC on 127.0.0.1:0 with
// 400 MiB limits, the port alone on stdout, graceful stop on SIGINT/SIGTERM.
#ifndef PROVIDER_SERVER_PLUGIN_H_
#define PROVIDER_SERVER_PLUGIN_H_

#include <optional>
#include <string>
#include <vector>

namespace escnative::server {

struct PluginArgs {
  std::optional<std::string> engine_address;  // absent: attach/debug mode
  bool print_version = false;
  bool help = false;
};

// Skips engine flags (`--logtostderr`, `-v=N`, `--tracing <endpoint>`, any
// other `-...`); the engine address is the last positional argument.
PluginArgs ParsePluginArgs(const std::vector<std::string>& argv);

// Runs until SIGINT/SIGTERM. Returns the process exit code.
int RunPlugin(int argc, char** argv);

}  // namespace escnative::server

#endif  // PROVIDER_SERVER_PLUGIN_H_
