// `escctl env run ENV -- CMD ARGS…`: CMD runs with the environment's
// `environmentVariables` set and its `files` in private files that are
// removed when CMD ends, however it ends; CMD's exit code is escctl's.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "provider/cli/command_util.h"
#include "provider/cli/commands.h"
#include "provider/cli/env_files.h"
#include "provider/cli/masker.h"
#include "provider/crypto/secret_bytes.h"
#include "provider/esc/projections.h"
#include "provider/util/echo.h"
#include "provider/util/status_macros.h"

extern char** environ;

namespace escnative::cli {
namespace {

// The signals escctl passes on to CMD instead of dying of them (CMD decides).
constexpr int kForwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

// Every secret leaf's text, for --mask.
void CollectSecrets(const esc::Value& v, bool inherited, std::vector<std::string>* out) {
  bool secret = inherited || v.secret;
  if (v.is_object()) {
    for (const auto& [k, child] : v.object) CollectSecrets(*child, secret, out);
  } else if (v.is_array()) {
    for (const auto& child : v.array) CollectSecrets(*child, secret, out);
  } else if (secret && !v.unknown) {
    out->push_back(esc::ToString(v));
  }
}

std::vector<std::string> BuildEnvironment(Context& ctx, const esc::Value& root,
                                          const WrittenFiles& files) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    size_t eq = entry.find('=');
    if (eq != std::string::npos) vars[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  auto put = [&](const std::string& name, const std::string& value) {
    if (!esc::IsPosixVariableName(name)) {
      ctx.err() << "warning: skipped " << util::Echo(name) << ": not a valid variable name\n";
    } else if (value.find('\0') != std::string::npos) {
      ctx.err() << "warning: skipped " << name << ": the value holds a NUL byte\n";
    } else {
      vars[name] = value;
    }
  };
  for (const esc::EnvironmentEntry& e : esc::EnvironmentVariables(root)) {
    put(e.name, e.unknown ? "" : e.value);
  }
  for (const auto& [name, path] : files.paths) put(name, path);
  std::vector<std::string> env;
  for (auto& [k, v] : vars) env.push_back(absl::StrCat(k, "=", v));
  return env;
}

// PATH as CMD will see it (the environment's value wins, as for any variable).
std::string BuildPath(const std::vector<std::string>& env) {
  for (const std::string& e : env) {
    if (e.rfind("PATH=", 0) == 0) return e.substr(5);
  }
  return "/usr/local/bin:/usr/bin:/bin";
}

// `name` itself when it holds a '/', else the first executable file of that
// name on `path`; "" when there is none.
std::string FindProgram(const std::string& name, const std::string& path) {
  if (name.empty()) return "";
  if (name.find('/') != std::string::npos) return name;
  size_t start = 0;
  while (start <= path.size()) {
    size_t colon = path.find(':', start);
    std::string dir =
        path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    struct stat st;
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return "";
}

struct Pipe {
  int read = -1, write = -1;
};

// Copies from `fd` through `masker` to `out`; false at end of stream.
bool Pump(int fd, Masker& masker, std::ostream& out) {
  char buf[16384];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n <= 0) {
    out << masker.Finish() << std::flush;
    return false;
  }
  out << masker.Feed(std::string_view(buf, static_cast<size_t>(n))) << std::flush;
  return true;
}

}  // namespace

absl::Status EnvRun(Context& ctx, const Positional& p) {
  if (p.size() < 2) {
    return absl::OutOfRangeError("env run needs ENV and a command: escctl env run ENV -- CMD");
  }
  ASSIGN_OR_RETURN(backend::ParsedRef r, ctx.Ref(p[0]));
  bool mask = ctx.args().Has("mask");
  ASSIGN_OR_RETURN(esc::ValuePtr root, OpenValues(ctx, r));
  ASSIGN_OR_RETURN(WrittenFiles files, WritePrivateFiles(*root));
  absl::Cleanup remove_files = [&files] { RemovePrivateFiles(files); };
  std::vector<std::string> env = BuildEnvironment(ctx, *root, files);
  std::vector<std::string> secrets;
  if (mask) CollectSecrets(*root, false, &secrets);
  root.reset();

  std::vector<char*> argv, envp;
  for (size_t i = 1; i < p.size(); ++i) argv.push_back(const_cast<char*>(p[i].c_str()));
  argv.push_back(nullptr);
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  Pipe out_pipe, err_pipe;
  if (mask) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return absl::InternalError("cannot create a pipe");
    out_pipe = {fds[0], fds[1]};
    if (::pipe2(fds, O_CLOEXEC) != 0) return absl::InternalError("cannot create a pipe");
    err_pipe = {fds[0], fds[1]};
  }
  // Signals are taken through a signalfd: blocked here, unblocked in CMD.
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  for (int s : kForwarded) sigaddset(&set, s);
  ::sigprocmask(SIG_BLOCK, &set, &old);
  absl::Cleanup restore_mask = [&old] { ::sigprocmask(SIG_SETMASK, &old, nullptr); };
  int sfd = ::signalfd(-1, &set, SFD_CLOEXEC);
  if (sfd < 0) return absl::InternalError("cannot watch signals");
  absl::Cleanup close_sfd = [sfd] { ::close(sfd); };

  // The program is found before the fork: between fork and exec the child
  // may only make async-signal-safe calls (other threads may hold locks),
  // and a PATH search allocates.
  std::string program = FindProgram(p[1], BuildPath(env));
  if (program.empty()) {
    ctx.err() << "escctl: cannot run " << util::Echo(p[1]) << ": command not found\n";
    ctx.SetExitCode(127);
    return absl::OkStatus();
  }
  ctx.out().flush();
  ctx.err().flush();
  pid_t child = ::fork();
  if (child < 0) return absl::InternalError("cannot start the command");
  if (child == 0) {
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    if (mask) {
      ::dup2(out_pipe.write, STDOUT_FILENO);
      ::dup2(err_pipe.write, STDERR_FILENO);
    }
    ::execve(program.c_str(), argv.data(), envp.data());
    int code = errno == ENOENT ? 127 : 126;
    static const char kMessage[] = "escctl: cannot run the command\n";
    (void)!::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
    ::_exit(code);
  }
  for (std::string& e : env) crypto::SecureWipe(e.data(), e.size());
  std::unique_ptr<Masker> out_mask, err_mask;
  if (mask) {
    ::close(out_pipe.write);
    ::close(err_pipe.write);
    out_mask = std::make_unique<Masker>(secrets);
    err_mask = std::make_unique<Masker>(secrets);
  }
  for (std::string& s : secrets) crypto::SecureWipe(s.data(), s.size());

  int status = 0;
  bool exited = false, out_open = mask, err_open = mask;
  while (!exited || out_open || err_open) {
    pollfd fds[3] = {{sfd, POLLIN, 0}, {out_pipe.read, POLLIN, 0}, {err_pipe.read, POLLIN, 0}};
    if (!out_open) fds[1].fd = -1;
    if (!err_open) fds[2].fd = -1;
    // Once CMD has exited, wait a little for its output, not for whatever
    // background process it left holding the pipes.
    int ready = ::poll(fds, 3, exited ? 500 : -1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) break;
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info;
      if (::read(sfd, &info, sizeof info) == sizeof info && info.ssi_signo != SIGCHLD) {
        ::kill(child, static_cast<int>(info.ssi_signo));
      }
      while (!exited) {
        pid_t w = ::waitpid(child, &status, WNOHANG);
        if (w == child) exited = true;
        if (w <= 0) break;
      }
    }
    if (fds[1].revents & (POLLIN | POLLHUP)) out_open = Pump(out_pipe.read, *out_mask, ctx.out());
    if (fds[2].revents & (POLLIN | POLLHUP)) err_open = Pump(err_pipe.read, *err_mask, ctx.err());
  }
  if (mask) {
    if (out_open) ctx.out() << out_mask->Finish();
    if (err_open) ctx.err() << err_mask->Finish();
    ::close(out_pipe.read);
    ::close(err_pipe.read);
  }
  ctx.out().flush();
  ctx.err().flush();
  ctx.SetExitCode(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  return absl::OkStatus();
}

}  // namespace escnative::cli
