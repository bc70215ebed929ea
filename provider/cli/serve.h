// `escctl serve`: the Pulumi ESC REST API over the local store. The server
// holds the passphrase; clients hold access tokens (docs/escctl.md).
#ifndef PROVIDER_CLI_SERVE_H_
#define PROVIDER_CLI_SERVE_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "provider/backend/local_backend.h"
#include "provider/cli/context.h"

namespace escnative::cli {

inline constexpr char kServeUsage[] =
    "escctl serve [--listen HOST:PORT] [--tls-cert FILE --tls-key FILE]\n"
    "  Serves the Pulumi ESC REST API (/api/esc/...) over the store until SIGINT/SIGTERM.\n"
    "  Clients send `Authorization: token <value>` (see `escctl token create`).\n"
    "  Default 127.0.0.1:8080; port 0 picks a free port. Plain HTTP only on loopback.\n"
    "  Prints `listening on URL` first on stdout; logs go to stderr.";

struct ServeOptions {
  std::string listen;  // HOST:PORT or [IPv6]:PORT; "" = 127.0.0.1:8080
  std::string tls_cert;
  std::string tls_key;
  std::string organization;  // callers' default organization
};

// Blocks until SIGINT or SIGTERM, then drains in-flight requests.
absl::Status Serve(backend::LocalBackend& backend, const ServeOptions& options, std::ostream& out,
                   std::ostream& err);

// The `escctl serve` command: the context's store (created if missing) and
// default organization, the --listen/--tls-cert/--tls-key flags.
absl::Status ServeCommand(Context& ctx, const Positional& p);

}  // namespace escnative::cli

#endif  // PROVIDER_CLI_SERVE_H_
