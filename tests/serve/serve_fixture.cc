#include "tests/serve/serve_fixture.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace escnative::serve_test {
namespace {

std::vector<std::string> Environment(const std::string& dir) {
  return {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + dir, "ESC_PASSPHRASE=serve-test-pass",
          "ESC_INSECURE_FAST_KDF=1", "ESC_ORGANIZATION=myorg"};
}

pid_t Spawn(const std::vector<std::string>& argv, const std::string& dir, int out_fd,
            const std::string& out_file, const std::string& err_file) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  if (out_fd >= 0) {
    posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
  } else {
    posix_spawn_file_actions_addopen(&fa, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  }
  posix_spawn_file_actions_addopen(&fa, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> env = Environment(dir);
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

int Wait(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

std::string Resp::Header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

nlohmann::json Resp::Json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

bool ContainsSecret(const std::string& haystack) {
  return absl::StrContains(haystack, kSecret) || absl::StrContains(haystack, kSecret2);
}

void ServeTest::SetUp() {
  store_ = dir_.File("store.db");
  // The server creates the store; the token is made beside it (the store
  // takes several processes).
  StartServer();
  Exit made = Escctl({"token", "create", "--scope", "myorg/*/*:admin", "--name", "admin"});
  ASSERT_EQ(made.code, 0) << made.err;
  admin_ = std::string(absl::StripAsciiWhitespace(made.out));
}

void ServeTest::TearDown() {
  if (pid_ > 0) StopServer();
}

Exit ServeTest::Escctl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {ESCCTL_PATH, "--store", store_};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out = dir_.File(".out"), err = dir_.File(".err");
  pid_t pid = Spawn(argv, dir_.path(), -1, out, err);
  Exit e;
  if (pid < 0) return e;
  e.code = Wait(pid);
  e.out = store::testing::ReadFileBytes(out);
  e.err = store::testing::ReadFileBytes(err);
  return e;
}

std::string ServeTest::Token(const std::string& scope) {
  // Through the API (the server owns the store while it runs).
  size_t colon = scope.rfind(':');
  nlohmann::json s = {{"environment", scope.substr(0, colon)},
                      {"permission", scope.substr(colon + 1)}};
  nlohmann::json body = {{"name", "t"}, {"scopes", nlohmann::json::array({s})}};
  AllowSecretsInNextResponse();  // the one response that carries a token value
  Resp r = Call("POST", "/api/orgs/myorg/tokens", admin_, body.dump());
  EXPECT_EQ(r.status, 200) << r.body;
  return r.Json().value("tokenValue", "");
}

void ServeTest::StartServer(const std::vector<std::string>& extra, const std::string& scheme) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::vector<std::string> argv = {ESCCTL_PATH, "--store",  store_,
                                   "serve",     "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  pid_ = Spawn(argv, dir_.path(), fds[1], "", dir_.File("serve.stderr"));
  close(fds[1]);
  ASSERT_GT(pid_, 0);
  // The first line, within 30 s.
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
  const std::string prefix = "listening on " + scheme + "://127.0.0.1:";
  ASSERT_TRUE(absl::StartsWith(line, prefix)) << "first line: " << line << "\n" << ServerStderr();
  ASSERT_TRUE(absl::SimpleAtoi(line.substr(prefix.size()), &port_)) << line;
}

int ServeTest::StopServer(int sig) {
  kill(pid_, sig);
  int code = Wait(pid_);
  pid_ = -1;
  return code;
}

std::string ServeTest::ServerStderr() {
  return store::testing::ReadFileBytes(dir_.File("serve.stderr"));
}

Resp ServeTest::Call(const std::string& method, const std::string& path, const std::string& token,
                     const std::string& body, const httplib::Headers& extra) {
  httplib::Client cli("127.0.0.1", port_);
  cli.set_read_timeout(60, 0);
  httplib::Headers h = extra;
  if (!token.empty()) h.emplace("Authorization", "token " + token);
  auto send = [&]() -> httplib::Result {
    if (method == "GET") return cli.Get(path, h);
    if (method == "HEAD") return cli.Head(path, h);
    if (method == "POST") return cli.Post(path, h, body, "application/json");
    if (method == "PATCH") return cli.Patch(path, h, body, "application/x-yaml");
    if (method == "DELETE") return cli.Delete(path, h);
    return cli.Put(path, h, body, "application/json");
  };
  httplib::Result res = send();
  Resp r;
  if (!res) {
    ADD_FAILURE() << method << " " << path << ": " << httplib::to_string(res.error());
    return r;
  }
  r.status = res->status;
  r.body = res->body;
  r.headers.insert(res->headers.begin(), res->headers.end());
  std::lock_guard<std::mutex> lock(mu_);
  if (allow_next_) {
    allow_next_ = false;
  } else {
    // Not the request's query: tests put planted values there on purpose.
    recorded_ += method + " " + path.substr(0, path.find('?')) + " " + std::to_string(r.status) +
                 "\n" + r.body + "\n";
    for (const auto& [k, v] : r.headers) recorded_ += k + ": " + v + "\n";
  }
  return r;
}

void ServeTest::MakeEnv(const std::string& name, const std::string& yaml) {
  Resp c = Call("POST", "/api/esc/environments/myorg", admin_,
                nlohmann::json{{"project", "app"}, {"name", name}}.dump());
  ASSERT_EQ(c.status, 204) << c.body;
  if (yaml.empty()) return;
  Resp u = Call("PATCH", Env("app/" + name), admin_, yaml);
  ASSERT_EQ(u.status, 200) << u.body;
}

std::string ServeTest::Recorded() {
  std::lock_guard<std::mutex> lock(mu_);
  return recorded_;
}

}  // namespace escnative::serve_test
