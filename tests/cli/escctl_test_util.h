// The escctl test fixture: runs the built escctl binary as a user would,
// with a clean environment and a fresh store per test.
#ifndef TESTS_CLI_ESCCTL_TEST_UTIL_H_
#define TESTS_CLI_ESCCTL_TEST_UTIL_H_

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/harness/serve_process.h"
#include "tests/store/store_test_util.h"

extern char** environ;

namespace escnative::cli {

using ::escnative::store::testing::ReadFileBytes;
using ::escnative::store::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kOpenAiKey[] = "sk-cli-test-OPENAI-5c7e9a1b3d";
constexpr char kAnthropicKey[] = "sk-ant-cli-test-ANTHROPIC-8f6d4b2a";

struct Result {
  int code = -1;
  std::string out;
  std::string err;
  std::string all() const { return out + err; }
};

inline std::string EscctlPath() { return ESCCTL_PATH; }
inline std::string SourceDir() {
  const char* d = std::getenv("ESC_SOURCE_DIR");
  return d != nullptr ? d : ESC_SOURCE_ROOT;
}

// posix_spawn with a clean environment: only `env` (plus PATH/HOME).
inline Result Spawn(const std::vector<std::string>& argv,
                    const std::map<std::string, std::string>& env, const std::string& dir,
                    const std::string& stdin_path = "/dev/null") {
  std::string out_path = dir + "/.stdout", err_path = dir + "/.stderr";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, stdin_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> env_strings;
  std::map<std::string, std::string> full = env;
  if (full.count("PATH") == 0) full["PATH"] = "/usr/local/bin:/usr/bin:/bin";
  if (full.count("HOME") == 0) full["HOME"] = dir;
  for (const auto& [k, v] : full) env_strings.push_back(k + "=" + v);
  std::vector<char*> cargv, cenv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (auto& e : env_strings) cenv.push_back(e.data());
  cenv.push_back(nullptr);
  pid_t pid = 0;
  Result r;
  if (posix_spawn(&pid, argv[0].c_str(), &fa, nullptr, cargv.data(), cenv.data()) != 0) {
    ADD_FAILURE() << "cannot spawn " << argv[0];
    return r;
  }
  posix_spawn_file_actions_destroy(&fa);
  int status = 0;
  waitpid(pid, &status, 0);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = ReadFileBytes(out_path);
  r.err = ReadFileBytes(err_path);
  return r;
}

// ctest runs every escctl test twice: on a store file, and (ESCCTL_TEST_REMOTE=1,
// the "remote." tests) with `--url` against an `escctl serve` on that file.
inline bool RemoteMode() {
  const char* v = std::getenv("ESCCTL_TEST_REMOTE");
  return v != nullptr && std::string(v) == "1";
}

// Skips a test that is about the store file itself (passphrases, rekey, file
// permissions), which a client of a server never sees.
#define ESCCTL_LOCAL_ONLY(why)                                             \
  do {                                                                     \
    if (RemoteMode()) GTEST_SKIP() << "local store only: " << (why);       \
  } while (0)

class EscctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    escctl_ = EscctlPath();
    ASSERT_TRUE(std::filesystem::exists(escctl_)) << escctl_;
    env_ = {{"ESC_LOCAL_PATH", Store()},
            {"ESC_PASSPHRASE", "cli test passphrase"},
            {"ESC_ORGANIZATION", "myorg"},
            {"ESC_ACTOR", "tester"},
            {"ESC_INSECURE_FAST_KDF", "1"}};
    if (RemoteMode()) StartServer();
  }

  void TearDown() override {
    if (server_ == nullptr) return;
    outputs_.push_back(server_->stderr_text());
    server_.reset();  // SIGTERM and wait
  }

  bool remote() const { return server_ != nullptr; }

  // The id of the token named `name` (`token ls`), "" if none.
  std::string TokenId(const std::string& name) {
    Result r = Run({"token", "ls"});
    for (absl::string_view line : absl::StrSplit(r.out, '\n')) {
      std::vector<absl::string_view> f = absl::StrSplit(line, '\t');
      if (f.size() > 1 && f[1] == name) return std::string(f[0]);
    }
    return "";
  }

  // Who the audit log and revisions name for this test's commands: ESC_ACTOR
  // on a store file; the server's token ("test", made in StartServer).
  std::string Actor() { return remote() ? "token:" + TokenId("test") : "tester"; }

  // The environment that makes a command run as someone else called `name`,
  // and (in *actor) how the audit log will name them.
  std::map<std::string, std::string> As(const std::string& name, std::string* actor) {
    if (!remote()) {
      *actor = name;
      return {{"ESC_ACTOR", name}};
    }
    Result made = Run({"token", "create", "--scope", "myorg/*/*:admin", "--name", name});
    outputs_.pop_back();  // the token value
    EXPECT_EQ(made.code, 0) << made.err;
    *actor = "token:" + TokenId(name);
    return {{"ESC_ACCESS_TOKEN", std::string(absl::StripAsciiWhitespace(made.out))}};
  }

  // The server owns the store; escctl gets only its URL and an admin token.
  void StartServer() {
    std::filesystem::create_directories(dir_.File("server"));
    std::map<std::string, std::string> server_env = env_;
    server_env["HOME"] = dir_.path();
    absl::StatusOr<std::unique_ptr<testing::ServeProcess>> s =
        testing::ServeProcess::Start(server_env, dir_.File("server"));
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
    absl::StatusOr<std::string> admin = server_->CreateToken("myorg/*/*:admin");
    ASSERT_TRUE(admin.ok()) << admin.status();
    env_ = {{"ESC_URL", server_->url()}, {"ESC_ACCESS_TOKEN", *admin},
            {"ESC_ORGANIZATION", "myorg"}};
  }

  std::string Store() const { return dir_.File("store.db"); }

  Result Run(std::vector<std::string> args, std::map<std::string, std::string> extra = {},
             const std::string& stdin_path = "/dev/null") {
    args.insert(args.begin(), escctl_);
    std::map<std::string, std::string> env = env_;
    for (auto& [k, v] : extra) env[k] = v;
    Result r = Spawn(args, env, dir_.path(), stdin_path);
    outputs_.push_back(r.all());
    return r;
  }

  std::string WriteFile(const std::string& name, const std::string& text) {
    std::string path = dir_.File(name);
    std::ofstream(path) << text;
    return path;
  }

  void MakeHierarchy() {
    std::string base = WriteFile(
        "base.yaml",
        absl::StrCat("values:\n  secrets:\n    openai_api_key:\n      fn::secret: ", kOpenAiKey,
                     "\n  environmentVariables:\n"
                     "    OPENAI_API_KEY: ${secrets.openai_api_key}\n"));
    ASSERT_EQ(Run({"env", "init", "base", "-f", base}).code, 0);
    std::filesystem::remove(base);
    ASSERT_EQ(
        Run({"env", "set", "base", "secrets.anthropic_api_key", kAnthropicKey, "--secret"}).code,
        0);
    ASSERT_EQ(Run({"env", "init", "dev"}).code, 0);
    ASSERT_EQ(Run({"env", "set", "dev", "imports[0]", "base", "--string"}).code, 0);
    ASSERT_EQ(Run({"env", "set", "dev", "region", "eu-west-1"}).code, 0);
  }

  // Fails if a plaintext secret appears in anything escctl printed or in the
  // store's files.
  void ExpectNoPlaintext(const std::vector<std::string>& secrets) {
    for (const auto& s : secrets) {
      for (const auto& o : outputs_) EXPECT_EQ(o.find(s), std::string::npos) << "in output: " << o;
      for (const char* suffix : {"", "-wal", "-shm"}) {
        std::string bytes = ReadFileBytes(Store() + suffix);
        EXPECT_EQ(bytes.find(s), std::string::npos) << "in store file" << suffix;
      }
    }
  }

  TempDir dir_;
  std::unique_ptr<testing::ServeProcess> server_;
  std::string escctl_;
  std::map<std::string, std::string> env_;
  std::vector<std::string> outputs_;
};

}  // namespace escnative::cli

#endif  // TESTS_CLI_ESCCTL_TEST_UTIL_H_
