// Regression tests for what an adversarial pass found in escctl: shell
// injection through `--format shell|dotenv`, credential files that are not
// files, empty global options, store paths that are not usable stores, and
// audit events that were missing or doubled.
#include <sys/stat.h>

#include <chrono>
#include <thread>

#include "absl/strings/str_split.h"
#include "tests/cli/escctl_test_util.h"

namespace escnative::cli {
namespace {

// A value and keys full of shell metacharacters. Each command below would
// create a file in the working directory if it ran.
constexpr char kHostileYaml[] = R"yaml(values:
  environmentVariables:
    HOSTILE: "$(touch pwned1) `touch pwned2` $${HOME} $HOME \\ \" it's\n  two lines\n"
    SECOND: "';touch pwned3;'"
    "F;touch pwned4": v
    "X=$(touch pwned5)": v
    PLAIN: ok
)yaml";
constexpr char kHostileValue[] =
    "$(touch pwned1) `touch pwned2` ${HOME} $HOME \\ \" it's\n  two lines\n";

class EscctlHardeningTest : public EscctlTest {
 protected:
  // Runs `script` with `shell` (sh or bash) in the test directory.
  Result Shell(const std::string& shell, const std::string& script,
               std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> env = env_;
    env["ESCCTL"] = escctl_;
    env["TESTDIR"] = dir_.path();
    for (auto& [k, v] : extra) env[k] = v;
    return Spawn({"/bin/" + shell, "-c", "cd \"$TESTDIR\" || exit 99; " + script}, env,
                 dir_.path());
  }
  bool Pwned() const {
    for (int i = 1; i <= 5; ++i) {
      if (std::filesystem::exists(dir_.File(absl::StrCat("pwned", i)))) return true;
    }
    return false;
  }
};

TEST_F(EscctlHardeningTest, ShellFormatRoundTripsThroughEvalAndRunsNothing) {
  ASSERT_EQ(Run({"env", "init", "app", "-f", WriteFile("h.yaml", kHostileYaml)}).code, 0);
  for (const std::string shell : {"sh", "bash"}) {
    Result r = Shell(shell,
                     "eval \"$(\"$ESCCTL\" env open app --format shell)\" && "
                     "printf %s \"$HOSTILE\" > hostile.out && printf %s \"$SECOND\" > second.out");
    ASSERT_EQ(r.code, 0) << shell << ": " << r.err;
    EXPECT_FALSE(Pwned()) << shell;
    EXPECT_EQ(ReadFileBytes(dir_.File("hostile.out")), kHostileValue) << shell;
    EXPECT_EQ(ReadFileBytes(dir_.File("second.out")), "';touch pwned3;'") << shell;
    EXPECT_THAT(r.err, HasSubstr("warning: skipped F;touch pwned4: not a valid variable name"));
    EXPECT_THAT(r.err, HasSubstr("warning: skipped X=$(touch pwned5): not a valid variable name"));
  }
}

TEST_F(EscctlHardeningTest, DotenvIsSingleQuotedAndSkipsWhatItCannotQuote) {
  ASSERT_EQ(Run({"env", "init", "app", "-f", WriteFile("h.yaml", kHostileYaml)}).code, 0);
  Result r = Run({"env", "open", "app", "--format", "dotenv"});
  ASSERT_EQ(r.code, 0) << r.err;
  // Both values hold a single quote, which no .env reader can read back
  // inside single quotes: they are named on stderr, not written.
  EXPECT_EQ(r.out, "PLAIN='ok'\n");
  EXPECT_THAT(r.err, HasSubstr("skipped HOSTILE: the value holds a single quote"));
  EXPECT_THAT(r.err, HasSubstr("skipped SECOND: the value holds a single quote"));
  // A dotenv file is also valid shell: sourcing it runs nothing.
  ASSERT_EQ(
      Run({"env", "set", "app", "environmentVariables.HOSTILE", "$(touch pwned1)`x`\\n"}).code, 0);
  r = Run({"env", "open", "app", "--format", "dotenv"});
  ASSERT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr("HOSTILE='$(touch pwned1)`x`\\n'\n"));
  WriteFile("app.env", r.out);
  Result s = Shell("sh", "set -a; . ./app.env; printf %s \"$HOSTILE\"");
  EXPECT_EQ(s.out, "$(touch pwned1)`x`\\n");
  EXPECT_FALSE(Pwned());
}

TEST_F(EscctlHardeningTest, FilesLiveForTheirLifetimeAndDoNotHoldTheOutput) {
  ASSERT_EQ(Run({"env", "init", "app", "-f",
                 WriteFile("f.yaml", "values:\n  files:\n    KUBECONFIG: kube-contents\n")})
                .code,
            0);
  // If the cleanup process held the command substitution's pipe, `$(…)`
  // would return only after it removed the file, and cat would fail.
  Result r = Shell("bash",
                   "eval \"$(\"$ESCCTL\" env open app --format shell --files-lifetime 10m)\" && "
                   "cat \"$KUBECONFIG\" && stat -c %a \"$KUBECONFIG\" \"$(dirname "
                   "\"$KUBECONFIG\")\"",
                   {{"TMPDIR", dir_.path()}});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "kube-contents600\n700\n");
  EXPECT_THAT(r.err, HasSubstr("are removed in 10m"));

  r = Run({"env", "open", "app", "--format", "shell", "--files-lifetime", "1s"},
          {{"TMPDIR", dir_.path()}});
  ASSERT_EQ(r.code, 0) << r.err;
  std::string path = r.out.substr(r.out.find('\'') + 1);
  path = path.substr(0, path.find('\''));
  std::string dir = std::filesystem::path(path).parent_path();
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = !std::filesystem::exists(dir);
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(gone) << dir;
  EXPECT_EQ(Run({"env", "open", "app", "--format", "shell", "--files-lifetime", "25h"}).code, 1);
}

TEST_F(EscctlHardeningTest, CredentialFilesMustBeSmallRegularFiles) {
  ASSERT_EQ(Run({"env", "init", "dev"}).code, 0);
  std::filesystem::create_directory(dir_.File("adir"));
  ASSERT_EQ(::mkfifo(dir_.File("fifo").c_str(), 0600), 0);
  WriteFile("big", std::string(70 * 1024, 'p'));
  const std::map<std::string, std::string> no_pass = {{"ESC_PASSPHRASE", ""}};
  struct Case {
    std::string file;
    std::string message;
  };
  for (const Case& c : {Case{"adir", "is a directory"}, Case{"fifo", "is not a regular file"},
                        Case{"big", "at most 65536"}}) {
    std::string path = dir_.File(c.file);
    Result r = Run({"--token-file", path, "env", "ls"});
    EXPECT_EQ(r.code, 1) << c.file;
    EXPECT_THAT(r.err, HasSubstr(c.message));
    if (remote()) continue;  // the rest are the store's passphrase
    r = Run({"--passphrase-file", path, "env", "ls"}, no_pass);
    EXPECT_EQ(r.code, 1) << c.file << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.message));
    for (const char* var : {"ESC_PASSPHRASE_FILE", "PULUMI_CONFIG_PASSPHRASE_FILE"}) {
      r = Run({"env", "ls"}, {{"ESC_PASSPHRASE", ""}, {var, path}});
      EXPECT_EQ(r.code, 1) << var << " " << c.file;
      EXPECT_THAT(r.err, HasSubstr(c.message));
    }
    r = Run({"rekey", "--new-passphrase-file", path});
    EXPECT_EQ(r.code, 1) << c.file;
    EXPECT_THAT(r.err, HasSubstr(c.message));
  }
  Result r = Run({remote() ? "--token-file" : "--passphrase-file", "/dev/zero", "env", "ls"},
                 no_pass);
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("is not a regular file"));
  EXPECT_EQ(Run({"env", "ls"}).code, 0);  // nothing changed
}

TEST_F(EscctlHardeningTest, EmptyGlobalOptionsAreErrors) {
  ASSERT_EQ(Run({"env", "init", "dev"}).code, 0);
  Result r = Run({"--org", "", "env", "ls"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("--org must not be empty"));
  r = Run({"--store=", "env", "ls"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("--store must not be empty"));
  // An empty token must never mean "all rights".
  r = Run({"env", "set", "dev", "a", "1"}, {{"ESC_ACCESS_TOKEN", ""}});
  EXPECT_EQ(r.code, 5);
  EXPECT_THAT(r.err, HasSubstr("ESC_ACCESS_TOKEN is set but empty"));
  EXPECT_EQ(Run({"env", "get", "dev", "a"}).code, 3);
}

TEST_F(EscctlHardeningTest, VersionSuffixMessageQuotesTheVersion) {
  Result r = Run({"env", "init", "a:b"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("remove the version \"b\""));
  EXPECT_THAT(r.err, Not(HasSubstr("\"@b\"")));
}

TEST_F(EscctlHardeningTest, StoreThatIsNotAUsableFile) {
  ESCCTL_LOCAL_ONLY("the store file");
  std::filesystem::create_directory(dir_.File("storedir"));
  Result r = Run({"env", "ls"}, {{"ESC_LOCAL_PATH", dir_.File("storedir")}});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("is a directory"));
  r = Run({"env", "init", "dev"}, {{"ESC_LOCAL_PATH", dir_.File("storedir")}});
  EXPECT_EQ(r.code, 1) << r.err;

  // An existing empty file becomes a store with mode 0600.
  WriteFile("empty.db", "");
  ASSERT_EQ(::chmod(dir_.File("empty.db").c_str(), 0644), 0);
  ASSERT_EQ(Run({"env", "init", "dev"}, {{"ESC_LOCAL_PATH", dir_.File("empty.db")}}).code, 0);
  struct stat st;
  ASSERT_EQ(::stat(dir_.File("empty.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // A store this user cannot write: a clear error, exit 1, not "conflict".
  if (::geteuid() == 0 && std::filesystem::exists("/usr/bin/setpriv")) {
    ASSERT_EQ(Run({"env", "init", "dev"}).code, 0);
    ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);
    ASSERT_EQ(::chmod(Store().c_str(), 0644), 0);
    std::map<std::string, std::string> env = env_;
    r = Spawn({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", escctl_,
               "env", "ls"},
              env, dir_.File("storedir"));
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_THAT(r.err, HasSubstr("is not readable and writable by this user"));
  }
}

TEST_F(EscctlHardeningTest, ExpiryIsBounded) {
  ASSERT_EQ(Run({"env", "init", "dev"}).code, 0);
  for (const char* bad : {"999999999999d", "100000000000d", "87601h", "0s", "-5h", "soon"}) {
    Result r = Run({"token", "create", "--scope", "dev:read", "--expires-in", bad});
    EXPECT_EQ(r.code, 1) << bad;
    EXPECT_THAT(r.err, HasSubstr("invalid --expires-in")) << bad;
    EXPECT_TRUE(r.out.empty()) << bad;
  }
  EXPECT_EQ(Run({"token", "create", "--scope", "dev:read", "--expires-in", "3650d"}).code, 0);
}

std::vector<std::string> AuditActions(const std::string& audit_out) {
  std::vector<std::string> actions;
  for (absl::string_view line : absl::StrSplit(audit_out, '\n', absl::SkipEmpty())) {
    std::vector<std::string> cols = absl::StrSplit(line, '\t');
    if (cols.size() >= 5) actions.push_back(cols[3] + " " + cols[4]);
  }
  return actions;
}

TEST_F(EscctlHardeningTest, AuditRecordsDenialsOnceEach) {
  MakeHierarchy();
  size_t before = AuditActions(Run({"audit", "ls", "--limit", "1000"}).out).size();
  ASSERT_EQ(Run({"env", "get", "dev", "--show-secrets"}).code, 0);
  outputs_.pop_back();  // shows plaintext by design
  std::vector<std::string> actions = AuditActions(Run({"audit", "ls", "--limit", "1000"}).out);
  ASSERT_EQ(actions.size(), before + 1) << "one decryption per command";
  EXPECT_EQ(actions.back(), "environment.decrypt myorg/default/dev");

  // A wrong passphrase and a token acting out of scope are recorded.
  if (!remote()) EXPECT_EQ(Run({"env", "ls"}, {{"ESC_PASSPHRASE", "wrong"}}).code, 5);
  Result t = Run({"token", "create", "--scope", "dev:read"});
  ASSERT_EQ(t.code, 0);
  std::string token = t.out.substr(0, t.out.find('\n'));
  EXPECT_EQ(Run({"env", "set", "dev", "a", "1"}, {{"ESC_ACCESS_TOKEN", token}}).code, 5);
  EXPECT_EQ(Run({"env", "ls"}, {{"ESC_ACCESS_TOKEN", "esc_not_a_token"}}).code, 5);
  Result audit = Run({"audit", "ls", "--limit", "1000"});
  if (!remote()) EXPECT_THAT(audit.out, HasSubstr("store.unlock.denied\tstore"));
  EXPECT_THAT(audit.out, HasSubstr("access.denied\tmyorg/default/dev\tneeds:write"));
  EXPECT_THAT(audit.out, HasSubstr("token.denied\ttoken"));
  EXPECT_EQ(audit.out.find(token), std::string::npos);
  ExpectNoPlaintext({kOpenAiKey, kAnthropicKey});
}

TEST_F(EscctlHardeningTest, FailedOpenIsNotAuditedAsAnOpen) {
  MakeHierarchy();
  size_t before = AuditActions(Run({"audit", "ls", "--limit", "1000"}).out).size();
  Result r = Run({"env", "open", "dev", "a[\"", "--format", "json"});
  EXPECT_EQ(r.code, 1) << r.err;
  r = Run({"env", "open", "dev", "region", "--format", "dotenv"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(Run({"env", "open", "dev@99"}).code, 3);
  EXPECT_EQ(AuditActions(Run({"audit", "ls", "--limit", "1000"}).out).size(), before);
  ASSERT_EQ(Run({"env", "open", "dev", "region"}).code, 0);
  std::vector<std::string> actions = AuditActions(Run({"audit", "ls", "--limit", "1000"}).out);
  ASSERT_EQ(actions.size(), before + 1);
  EXPECT_EQ(actions.back(), "environment.open myorg/default/dev");
}

}  // namespace
}  // namespace escnative::cli
