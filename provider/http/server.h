// An HTTP/1.1 server (cpp-httplib) with the limits a network service needs:
// a fixed worker pool, keep-alive, body/header/URL limits, read and write
// timeouts, optional TLS. Handlers get plain http::Request/Response.
//
//   ServerOptions o;  o.host = "127.0.0.1";  o.port = 0;
//   ASSIGN_OR_RETURN(auto server, Server::Create(o, routes, fallback));
//   ASSIGN_OR_RETURN(int port, server->Bind());
//   server->Run();   // blocks until Stop() from another thread
#ifndef PROVIDER_HTTP_SERVER_H_
#define PROVIDER_HTTP_SERVER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "provider/http/message.h"

namespace escnative::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;            // 0: any free port
  std::string tls_cert_file;  // both set: HTTPS
  std::string tls_key_file;
  size_t worker_threads = 16;
  size_t max_body_bytes = 10 << 20;  // larger bodies get 413
  int read_timeout_seconds = 10;
  int write_timeout_seconds = 10;
  int keep_alive_seconds = 5;
  size_t keep_alive_max_requests = 100;
  // Bodies for errors the server answers itself (no route, 413, 414, ...).
  std::function<Response(int status, const std::string& what)> error_body;
  // One line per request (method, path, status, duration); never headers,
  // queries or bodies, which may hold tokens or secrets.
  std::function<void(const std::string& line)> log;
};

class Server {
 public:
  static absl::StatusOr<std::unique_ptr<Server>> Create(ServerOptions options,
                                                        std::vector<Route> routes);
  virtual ~Server() = default;

  // Binds the listening socket; returns the port (the chosen one for port 0).
  virtual absl::StatusOr<int> Bind() = 0;
  // Serves until Stop(); returns after in-flight requests have finished.
  virtual absl::Status Run() = 0;
  // Stops accepting; safe from any thread (not from a signal handler).
  virtual void Stop() = 0;
  virtual bool tls() const = 0;
};

}  // namespace escnative::http

#endif  // PROVIDER_HTTP_SERVER_H_
