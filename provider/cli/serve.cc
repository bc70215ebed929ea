#include "provider/cli/serve.h"

#include <pthread.h>
#include <signal.h>

#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "provider/http/server.h"
#include "provider/rest/api.h"
#include "provider/util/echo.h"
#include "provider/util/status_macros.h"

namespace escnative::cli {
namespace {

// How long a stop waits for in-flight requests before giving up on them.
constexpr int kDrainSeconds = 20;

struct Listen {
  std::string host;
  int port = 0;
  bool loopback = false;
};

absl::StatusOr<Listen> ParseListen(const std::string& text) {
  Listen l;
  std::string port;
  if (!text.empty() && text[0] == '[') {  // [::1]:8080
    size_t close = text.find("]:");
    if (close == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("--listen \"", util::Echo(text), "\": expected [IPV6]:PORT"));
    }
    l.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--listen \"", util::Echo(text), "\": expected HOST:PORT"));
    }
    l.host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (!absl::SimpleAtoi(port, &l.port) || l.port < 0 || l.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen \"", util::Echo(text), "\": port must be 0-65535"));
  }
  l.loopback = l.host == "localhost" || l.host == "::1" || l.host.rfind("127.", 0) == 0;
  return l;
}

// Log lines from worker threads, one at a time.
class Log {
 public:
  explicit Log(std::ostream& err) : err_(err) {}
  void operator()(const std::string& line) {
    std::lock_guard<std::mutex> lock(mu_);
    err_ << "escctl serve: " << line << "\n";
    err_.flush();
  }

 private:
  std::ostream& err_;
  std::mutex mu_;
};

}  // namespace

absl::Status Serve(backend::LocalBackend& backend, const ServeOptions& options, std::ostream& out,
                   std::ostream& err) {
  ASSIGN_OR_RETURN(Listen listen,
                   ParseListen(options.listen.empty() ? "127.0.0.1:8080" : options.listen));
  bool tls = !options.tls_cert.empty() || !options.tls_key.empty();
  if (!tls && !listen.loopback) {
    return absl::InvalidArgumentError(absl::StrCat(
        "refusing plain HTTP on ", util::Echo(listen.host),
        ": tokens would cross the network in clear; give --tls-cert and --tls-key, or listen "
        "on 127.0.0.1"));
  }
  auto log = std::make_shared<Log>(err);

  rest::ApiOptions api_options;
  api_options.organization = options.organization;
  api_options.log = [log](const std::string& line) { (*log)(line); };
  auto api = std::make_unique<rest::Api>(
      [&backend](absl::string_view token) -> absl::StatusOr<rest::Caller> {
        ASSIGN_OR_RETURN(std::unique_ptr<backend::LocalBackend> b, backend.AsToken(token));
        std::string id = b->CallerId();
        return rest::Caller{std::move(b), std::move(id)};
      },
      api_options);

  http::ServerOptions so;
  so.host = listen.host;
  so.port = listen.port;
  so.tls_cert_file = options.tls_cert;
  so.tls_key_file = options.tls_key;
  so.error_body = [](int status, const std::string& what) {
    return rest::Api::Error(status, what);
  };
  so.log = api_options.log;
  ASSIGN_OR_RETURN(std::unique_ptr<http::Server> server, http::Server::Create(so, api->Routes()));

  // Signals are taken by one thread with sigwait; every other thread
  // (including the server's workers, created later) has them blocked.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigset_t previous;
  pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);

  absl::StatusOr<int> port = server->Bind();
  if (!port.ok()) {
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return port.status();
  }
  std::string host =
      listen.host.find(':') != std::string::npos ? "[" + listen.host + "]" : listen.host;
  out << "listening on " << (tls ? "https" : "http") << "://" << host << ":" << *port << std::endl;
  (*log)(absl::StrCat("serving ", backend.Describe(), " for organization ", options.organization));

  std::mutex done_mu;
  std::condition_variable done_cv;
  bool done = false;
  std::thread stopper([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    {
      std::lock_guard<std::mutex> lock(done_mu);
      if (done) return;  // woken by ourselves after an unexpected stop
    }
    (*log)(absl::StrCat(sig == SIGINT ? "SIGINT" : "SIGTERM",
                        ": no longer accepting; finishing in-flight requests"));
    server->Stop();
    std::unique_lock<std::mutex> lock(done_mu);
    if (!done_cv.wait_for(lock, std::chrono::seconds(kDrainSeconds), [&] { return done; })) {
      (*log)(absl::StrCat("requests still running after ", kDrainSeconds, "s; exiting anyway"));
      std::_Exit(1);
    }
  });

  absl::Status run = server->Run();
  {
    std::lock_guard<std::mutex> lock(done_mu);
    done = true;
  }
  done_cv.notify_all();
  if (!run.ok()) pthread_kill(stopper.native_handle(), SIGTERM);
  stopper.join();
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  server.reset();
  api.reset();
  if (run.ok()) (*log)("stopped");
  return run;
}

absl::Status ServeCommand(Context& ctx, const Positional& p) {
  if (!p.empty()) return absl::OutOfRangeError("serve takes no arguments");
  ASSIGN_OR_RETURN(backend::LocalBackend * b, ctx.LocalStore(/*create_if_missing=*/true, "serve"));
  const auto& a = ctx.args();
  return Serve(*b, {a.Get("listen"), a.Get("tls-cert"), a.Get("tls-key"), ctx.Organization()},
               ctx.out(), ctx.err());
}

}  // namespace escnative::cli
