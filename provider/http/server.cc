#include "provider/http/server.h"

#include <httplib.h>

#include <atomic>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "provider/util/echo.h"

namespace escnative::http {

namespace {

Request Convert(const httplib::Request& in) {
  Request out;
  out.method = in.method;
  out.path = in.path;
  for (size_t i = 1; i < in.matches.size(); ++i) out.captures.push_back(in.matches[i].str());
  out.query.insert(in.params.begin(), in.params.end());
  out.headers.insert(in.headers.begin(), in.headers.end());
  out.body = in.body;
  return out;
}

void Apply(const Response& in, httplib::Response& out) {
  out.status = in.status;
  for (const auto& [k, v] : in.headers) out.set_header(k, v);
  if (!in.body.empty() || !in.content_type.empty()) out.set_content(in.body, in.content_type);
}

class HttplibServer final : public Server {
 public:
  HttplibServer(ServerOptions options, std::unique_ptr<httplib::Server> server)
      : options_(std::move(options)), server_(std::move(server)) {}

  absl::StatusOr<int> Bind() override {
    int port = options_.port;
    if (port == 0) {
      port = server_->bind_to_any_port(options_.host);
      if (port < 0) port = 0;
    } else if (!server_->bind_to_port(options_.host, port)) {
      port = 0;
    }
    if (port <= 0) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", util::Echo(options_.host),
                                                 ":", options_.port,
                                                 " (address in use or not local?)"));
    }
    return port;
  }

  absl::Status Run() override {
    server_->listen_after_bind();
    // listen_after_bind returns once stopped, after the worker pool has
    // drained (in-flight requests finish; keep-alive loops end).
    if (!stopping_.load()) return absl::InternalError("the HTTP server stopped unexpectedly");
    return absl::OkStatus();
  }

  void Stop() override {
    stopping_.store(true);
    server_->stop();
  }

  bool tls() const override { return !options_.tls_cert_file.empty(); }

 private:
  const ServerOptions options_;
  std::unique_ptr<httplib::Server> server_;
  std::atomic<bool> stopping_{false};
};

std::string WhatFor(int status, const httplib::Request& req, size_t max_body) {
  switch (status) {
    case 404:
      return absl::StrCat("no route for ", util::Echo(req.method, 16), " ",
                          util::Echo(req.path, 200));
    case 413:
      return absl::StrCat("request body is larger than ", max_body, " bytes");
    case 414:
      return "request URL is too long";
    case 400:
      return "malformed HTTP request";
    default:
      return absl::StrCat("HTTP status ", status);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Create(ServerOptions options,
                                                       std::vector<Route> routes) {
  std::unique_ptr<httplib::Server> server;
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
      return absl::InvalidArgumentError("TLS needs both --tls-cert and --tls-key");
    }
    auto tls = std::make_unique<httplib::SSLServer>(options.tls_cert_file.c_str(),
                                                    options.tls_key_file.c_str());
    if (!tls->is_valid()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot load the TLS certificate ", util::Echo(options.tls_cert_file), " or key ",
          util::Echo(options.tls_key_file), " (PEM files, key matching the certificate)"));
    }
    server = std::move(tls);
  } else {
    server = std::make_unique<httplib::Server>();
  }
  size_t threads = options.worker_threads == 0 ? 1 : options.worker_threads;
  server->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server->set_payload_max_length(options.max_body_bytes);
  server->set_read_timeout(options.read_timeout_seconds, 0);
  server->set_write_timeout(options.write_timeout_seconds, 0);
  server->set_keep_alive_timeout(options.keep_alive_seconds);
  server->set_keep_alive_max_count(options.keep_alive_max_requests);
  // Without it, keep-alive responses wait out the peer's delayed ACK (~40 ms).
  server->set_tcp_nodelay(true);

  for (Route& route : routes) {
    Handler h = std::move(route.handler);
    auto adapter = [h](const httplib::Request& req, httplib::Response& res) {
      Apply(h(Convert(req)), res);
    };
    if (route.method == "GET") {
      server->Get(route.pattern, adapter);
    } else if (route.method == "POST") {
      server->Post(route.pattern, adapter);
    } else if (route.method == "PATCH") {
      server->Patch(route.pattern, adapter);
    } else if (route.method == "PUT") {
      server->Put(route.pattern, adapter);
    } else if (route.method == "DELETE") {
      server->Delete(route.pattern, adapter);
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unsupported method ", route.method));
    }
  }

  auto error_body = options.error_body;
  size_t max_body = options.max_body_bytes;
  // Called for every response >= 400; handlers' own error bodies stay.
  httplib::Server::HandlerWithResponse on_error =
      [error_body, max_body](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty() || !error_body) return httplib::Server::HandlerResponse::Unhandled;
        Apply(error_body(res.status, WhatFor(res.status, req, max_body)), res);
        return httplib::Server::HandlerResponse::Handled;
      };
  server->set_error_handler(std::move(on_error));
  server->set_exception_handler(
      [error_body](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        if (error_body) Apply(error_body(500, "internal server error"), res);
      });
  if (options.log) {
    auto log = options.log;
    server->set_logger([log](const httplib::Request& req, const httplib::Response& res) {
      log(absl::StrCat(util::Echo(req.method, 16), " ", util::Echo(req.path, 300), " ",
                       res.status));
    });
  }
  return std::unique_ptr<Server>(new HttplibServer(std::move(options), std::move(server)));
}

}  // namespace escnative::http
