#include "tests/harness/serve_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tests/harness/plugin_process.h"

extern char** environ;

namespace escnative::testing {
namespace {

std::vector<std::string> Environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    if (extra.count(kv.substr(0, kv.find('='))) == 0) env.push_back(kv);
  }
  for (const auto& [k, v] : extra) env.push_back(absl::StrCat(k, "=", v));
  return env;
}

// Spawns argv with stdout on `out_fd` (or the file `out_file`), stderr to `err_file`.
pid_t Spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra,
            int out_fd, const std::string& out_file, const std::string& err_file) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  if (out_fd >= 0) {
    posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
  } else {
    posix_spawn_file_actions_addopen(&fa, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  }
  posix_spawn_file_actions_addopen(&fa, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  std::vector<std::string> env = Environment(extra);
  std::vector<char*> cargv, cenv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (auto& e : env) cenv.push_back(e.data());
  cenv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0].c_str(), &fa, nullptr, cargv.data(), cenv.data()) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServeProcess>> ServeProcess::Start(
    const std::map<std::string, std::string>& env, const std::string& dir,
    const std::vector<std::string>& extra_args) {
  std::unique_ptr<ServeProcess> s(new ServeProcess());
  s->env_ = env;
  s->dir_ = dir;
  int fds[2];
  if (pipe(fds) != 0) return absl::InternalError("pipe failed");
  std::vector<std::string> argv = {EscctlBinaryPath(), "serve", "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  s->pid_ = Spawn(argv, env, fds[1], "", dir + "/serve.stderr");
  close(fds[1]);
  if (s->pid_ < 0) {
    close(fds[0]);
    return absl::InternalError("could not start escctl serve");
  }
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char buf[256];
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, n);
  }
  close(fds[0]);
  line = line.substr(0, line.find('\n'));
  const std::string prefix = "listening on http://127.0.0.1:";
  if (!absl::StartsWith(line, prefix) || !absl::SimpleAtoi(line.substr(prefix.size()), &s->port_)) {
    return absl::InternalError(
        absl::StrCat("escctl serve did not start: ", line, "\n", s->stderr_text()));
  }
  return s;
}

ServeProcess::~ServeProcess() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
}

std::string ServeProcess::url() const { return absl::StrCat("http://127.0.0.1:", port_); }

absl::StatusOr<std::string> ServeProcess::CreateToken(const std::string& scope) const {
  std::string out = dir_ + "/token.out";
  pid_t pid = Spawn({EscctlBinaryPath(), "token", "create", "--scope", scope, "--name", "test"},
                    env_, -1, out, dir_ + "/token.stderr");
  if (pid < 0) return absl::InternalError("could not run escctl token create");
  int status = 0;
  waitpid(pid, &status, 0);
  std::string value(absl::StripAsciiWhitespace(ReadFile(out)));
  unlink(out.c_str());
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || value.empty()) {
    return absl::InternalError(
        absl::StrCat("escctl token create failed: ", ReadFile(dir_ + "/token.stderr")));
  }
  return value;
}

std::string ServeProcess::stderr_text() const { return ReadFile(dir_ + "/serve.stderr"); }

}  // namespace escnative::testing
