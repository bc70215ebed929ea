#include "tests/harness/plugin_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

extern char** environ;

namespace escnative::testing {
namespace {

constexpr int kMaxMessageBytes = 400 * 1024 * 1024;

}  // namespace

std::unique_ptr<FakeEngine> FakeEngine::Start() {
  auto engine = std::unique_ptr<FakeEngine>(new FakeEngine());
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(engine.get());
  engine->server_ = builder.BuildAndStart();
  if (engine->server_ == nullptr || port == 0) return nullptr;
  engine->address_ = absl::StrCat("127.0.0.1:", port);
  return engine;
}

FakeEngine::~FakeEngine() {
  if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
}

std::vector<pulumirpc::LogRequest> FakeEngine::logs() const {
  absl::MutexLock lock(&mu_);
  return logs_;
}

grpc::Status FakeEngine::Log(grpc::ServerContext*, const pulumirpc::LogRequest* req,
                             google::protobuf::Empty*) {
  absl::MutexLock lock(&mu_);
  logs_.push_back(*req);
  return grpc::Status::OK;
}

std::string PluginBinaryPath() {
  if (const char* dir = std::getenv("ESC_BINARY_DIR"); dir != nullptr && *dir != '\0') {
    return absl::StrCat(dir, "/bin/pulumi-resource-esc");
  }
  return ESC_DEFAULT_PLUGIN_PATH;
}

std::string EscctlBinaryPath() {
  std::string plugin = PluginBinaryPath();
  return plugin.substr(0, plugin.rfind('/') + 1) + "escctl";
}

std::unique_ptr<grpc::ClientContext> CallContext(absl::Duration timeout) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return ctx;
}

absl::StatusOr<std::unique_ptr<PluginProcess>> PluginProcess::Launch(
    const LaunchOptions& options) {
  std::string binary = options.binary.empty() ? PluginBinaryPath() : options.binary;
  std::vector<std::string> args = {binary};
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  if (options.engine_address.has_value()) args.push_back(*options.engine_address);

  // Environment: ours, with the overrides applied.
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv(*e);
    size_t eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : options.env) {
    if (v.has_value()) {
      env[k] = *v;
    } else {
      env.erase(k);
    }
  }
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  int out_pipe[2], err_pipe[2], in_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0 ||
      pipe2(in_pipe, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // The engine starts plugins in their own process group and signals the group.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);

  auto p = std::unique_ptr<PluginProcess>(new PluginProcess());
  absl::Time start = absl::Now();
  int rc = posix_spawn(&p->pid_, binary.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(out_pipe[1]);
  close(err_pipe[1]);
  close(in_pipe[0]);
  close(in_pipe[1]);  // stdin at EOF, like an engine that never writes
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    return absl::InternalError(absl::StrCat("posix_spawn ", binary, ": ", std::strerror(rc)));
  }
  p->stdout_fd_ = out_pipe[0];
  p->stderr_fd_ = err_pipe[0];

  // Read the port one byte at a time up to the first newline, as the engine does.
  std::string line;
  absl::Time deadline = start + options.port_timeout;
  while (true) {
    int left_ms = static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    if (left_ms <= 0) return absl::DeadlineExceededError("plugin did not print its port in time");
    pollfd pfd{p->stdout_fd_, POLLIN, 0};
    if (poll(&pfd, 1, left_ms) <= 0) continue;
    char c;
    ssize_t n = read(p->stdout_fd_, &c, 1);
    if (n <= 0) {
      return absl::InternalError(absl::StrCat("plugin exited before printing its port (read '",
                                              line, "')"));
    }
    if (c == '\n') break;
    line.push_back(c);
  }
  p->startup_ = absl::Now() - start;
  int port = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &port) || port <= 0 || port > 65535) {
    return absl::InternalError(absl::StrCat("plugin wrote an invalid port: '", line, "'"));
  }
  p->port_ = port;
  p->drainer_ = std::thread([raw = p.get()] { raw->Drain(); });

  grpc::ChannelArguments cargs;
  cargs.SetMaxReceiveMessageSize(kMaxMessageBytes);
  cargs.SetMaxSendMessageSize(kMaxMessageBytes);
  p->channel_ = grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                          grpc::InsecureChannelCredentials(), cargs);
  p->stub_ = pulumirpc::ResourceProvider::NewStub(p->channel_);
  return p;
}

void PluginProcess::Drain() {
  pollfd fds[2] = {{stdout_fd_, POLLIN, 0}, {stderr_fd_, POLLIN, 0}};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
        continue;
      }
      absl::MutexLock lock(&mu_);
      (i == 0 ? stdout_rest_ : stderr_).append(buf, static_cast<size_t>(n));
    }
  }
}

bool PluginProcess::Running() {
  if (reaped_) return false;
  int status;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    return false;
  }
  return true;
}

std::optional<int> PluginProcess::SignalAndWait(int sig, absl::Duration timeout) {
  if (reaped_) return std::nullopt;
  kill(-pid_, sig);
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    int status;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      if (drainer_.joinable()) drainer_.join();
      return status;
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  kill(-pid_, SIGKILL);
  int status;
  waitpid(pid_, &status, 0);
  reaped_ = true;
  if (drainer_.joinable()) drainer_.join();
  return std::nullopt;
}

std::string PluginProcess::stdout_after_port() {
  absl::MutexLock lock(&mu_);
  return stdout_rest_;
}

std::string PluginProcess::stderr_text() {
  absl::MutexLock lock(&mu_);
  return stderr_;
}

PluginProcess::~PluginProcess() {
  stub_.reset();
  channel_.reset();
  if (!reaped_ && pid_ > 0) {
    kill(-pid_, SIGKILL);
    int status;
    waitpid(pid_, &status, 0);
  }
  if (drainer_.joinable()) drainer_.join();
}

}  // namespace escnative::testing
