// The secret workflows of escctl: values from stdin and files (never argv),
// export, run, check, import, edit and diff.
#include <sys/stat.h>

#include <cstring>
#include <filesystem>

#include "absl/strings/str_split.h"
#include "tests/cli/escctl_test_util.h"

namespace escnative::cli {
namespace {

constexpr char kStdinSecret[] = "sk-stdin-SECRET-71c4e0a9b2";
constexpr char kFileSecret[] = "sk-file-SECRET-4d2f8b6c1e";

class EscctlWorkflowTest : public EscctlTest {
 protected:
  std::string Open(const std::string& env, const std::string& path) {
    Result r = Run({"env", "open", env, path, "--format", "string"});
    outputs_.pop_back();  // prints plaintext by design
    EXPECT_EQ(r.code, 0) << r.err;
    return r.out;
  }
};

TEST_F(EscctlWorkflowTest, SecretsFromStdinAndFilesNeverFromArgv) {
  ASSERT_EQ(Run({"env", "init", "dev"}).code, 0);
  std::string in = WriteFile("in", absl::StrCat(kStdinSecret, "\n"));
  Result r = Run({"env", "set", "dev", "secrets.a", "--secret"}, {}, in);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr("warning")));
  EXPECT_EQ(Open("dev", "secrets.a"), absl::StrCat(kStdinSecret, "\n"));  // newline dropped
  r = Run({"env", "set", "dev", "secrets.b", "-", "--secret"}, {}, in);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Open("dev", "secrets.b"), absl::StrCat(kStdinSecret, "\n"));

  // A file is taken exactly, trailing newline included.
  std::string file = WriteFile("v", absl::StrCat(kFileSecret, "\n"));
  r = Run({"env", "set", "dev", "secrets.c", "--secret", "--value-file", file});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Open("dev", "secrets.c"), absl::StrCat(kFileSecret, "\n\n"));
  // Stdin values are strings even when they look like JSON.
  std::string num = WriteFile("num", "12345\n");
  ASSERT_EQ(Run({"env", "set", "dev", "pin"}, {}, num).code, 0);
  EXPECT_EQ(Run({"env", "get", "dev", "pin", "--value", "json"}).out, "\"12345\"\n");

  // A secret as an argument still works, with a warning.
  r = Run({"env", "set", "dev", "secrets.d", "argv-secret-value", "--secret"});
  ASSERT_EQ(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("warning: a secret given as an argument is visible"));
  outputs_.pop_back();  // holds that value by design

  // Binary input, both sources, a directory: refused, nothing written.
  std::string before = Run({"env", "get", "dev", "--definition"}).out;
  std::string bin = WriteFile("bin", std::string("ab\xff\xfe\0cd", 7));
  r = Run({"env", "set", "dev", "secrets.e", "--secret"}, {}, bin);
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("the value from stdin is not text"));
  r = Run({"env", "set", "dev", "secrets.e", "x", "--value-file", file});
  EXPECT_EQ(r.code, 2);
  r = Run({"env", "set", "dev", "secrets.e", "--value-file", dir_.path()});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("not a readable regular file"));
  EXPECT_EQ(Run({"env", "get", "dev", "--definition"}).out, before);
  ExpectNoPlaintext({kStdinSecret, kFileSecret});
}

TEST_F(EscctlWorkflowTest, CheckMasksAndFailsOnMissingRequirements) {
  MakeHierarchy();
  ASSERT_EQ(Run({"env", "set", "dev", "secrets.short", "abc", "--secret"}).code, 0);
  outputs_.pop_back();
  std::string req = WriteFile("req.yaml",
                              "required:\n"
                              "  - secrets.openai_api_key\n"
                              "  - any: [secrets.nope, secrets.short]\n"
                              "optional:\n"
                              "  - secrets.qdrant_url\n");
  Result r = Run({"env", "check", "dev", "--require", req});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, absl::StrCat("✓ secrets.openai_api_key ***",
                                std::string(kOpenAiKey).substr(std::strlen(kOpenAiKey) - 4),
                                "\n✓ any of secrets.nope, secrets.short: secrets.short ***\n"
                                "- secrets.qdrant_url missing (optional)\n"));
  WriteFile("req.yaml", "required:\n  - secrets.openai_api_key\n  - secrets.qdrant_api_key\n");
  r = Run({"env", "check", "dev", "--require", req, "--json"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.out, HasSubstr("\"ok\": false"));
  EXPECT_THAT(r.out, HasSubstr("\"item\": \"secrets.qdrant_api_key\""));
  // Without a file every environment variable is required.
  r = Run({"env", "check", "dev"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr("✓ environmentVariables.OPENAI_API_KEY ***"));
  for (const char* bad :
       {"required: [1]\n", "required: x\n", "wanted: []\n", "[1, 2]\n", "required:\n  - 'a['\n"}) {
    WriteFile("req.yaml", bad);
    r = Run({"env", "check", "dev", "--require", req});
    EXPECT_EQ(r.code, 1) << bad;
    EXPECT_THAT(r.err, HasSubstr("--require")) << bad;
  }
  ExpectNoPlaintext({kOpenAiKey, kAnthropicKey});
}

TEST_F(EscctlWorkflowTest, ExportWritesPrivateFilesAndTemplatesWithoutValues) {
  MakeHierarchy();
  std::string out = dir_.File("dev.env");
  Result r = Run({"env", "export", "dev", "-o", out});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(ReadFileBytes(out), absl::StrCat("OPENAI_API_KEY='", kOpenAiKey, "'\n"));
  struct stat st;
  ASSERT_EQ(::stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::filesystem::remove(out);
  r = Run({"env", "export", "dev", "--all", "--template"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "# environmentVariables.OPENAI_API_KEY (secret) from myorg/default/dev\n"
            "OPENAI_API_KEY=''\n"
            "# region from myorg/default/dev\nREGION=''\n"
            "# secrets.anthropic_api_key (secret) from myorg/default/dev\n"
            "SECRETS_ANTHROPIC_API_KEY=''\n"
            "# secrets.openai_api_key (secret) from myorg/default/dev\n"
            "SECRETS_OPENAI_API_KEY=''\n");
  r = Run({"env", "export", "dev", "--format", "yaml"});
  EXPECT_EQ(r.code, 1);
  ExpectNoPlaintext({kOpenAiKey, kAnthropicKey});
}

TEST_F(EscctlWorkflowTest, ImportMapsKeysInOneRevisionAndPlansWithoutValues) {
  ASSERT_EQ(Run({"env", "init", "app"}).code, 0);
  ASSERT_EQ(Run({"env", "set", "app", "keep", "untouched"}).code, 0);
  std::string env =
      WriteFile("ci.env", absl::StrCat("VERCEL_ACCESS_TOKEN=", kStdinSecret, "\nNOTION_API_KEY='",
                                       kFileSecret, "'\nLOG_LEVEL=debug\n"));
  std::string map = WriteFile("map.yaml",
                              "VERCEL_ACCESS_TOKEN: secrets.vercel_api_token\n"
                              "NOTION_API_KEY: secrets.notion_api_token\n"
                              "GITHUB_TOKEN: secrets.github_token\n");
  // A mapped key no source provides: listed, exit 3, nothing written.
  Result r = Run({"env", "import", "app", "--dotenv", env, "--map", map});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("missing: GITHUB_TOKEN -> secrets.github_token"));
  EXPECT_THAT(Run({"env", "version", "ls", "app"}).out, ::testing::StartsWith("revision 2 "));

  r = Run({"env", "import", "app", "--dotenv", env, "--map", map, "--allow-missing", "--plain",
           "LOG_LEVEL", "--env", "CI_ONLY"},
          {{"CI_ONLY", "from-ci-env"}});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "+ secrets.ci_only\n+ secrets.log_level\n+ secrets.notion_api_token\n"
            "+ secrets.vercel_api_token\n");
  EXPECT_THAT(Run({"env", "version", "ls", "app"}).out, ::testing::StartsWith("revision 3 "));
  EXPECT_EQ(Open("app", "secrets.vercel_api_token"), absl::StrCat(kStdinSecret, "\n"));
  EXPECT_EQ(Open("app", "keep"), "untouched\n");
  EXPECT_EQ(Run({"env", "get", "app", "secrets.log_level", "--value", "json"}).out, "\"debug\"\n");

  // Again, one value changed, with --prune: compared by decrypted value.
  WriteFile("ci.env", absl::StrCat("VERCEL_ACCESS_TOKEN=rotated-value-123\nNOTION_API_KEY='",
                                   kFileSecret, "'\n"));
  r = Run({"env", "import", "app", "--dotenv", env, "--map", map, "--allow-missing", "--prune",
           "--dry-run"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "- secrets.ci_only\n- secrets.log_level\n= secrets.notion_api_token\n"
            "~ secrets.vercel_api_token\n");
  EXPECT_THAT(Run({"env", "version", "ls", "app"}).out, ::testing::StartsWith("revision 3 "));

  // Bad inputs write nothing.
  WriteFile("dup.yaml", "A: secrets.x\nB: secrets.x\n");
  WriteFile("ab.env", "A=1\nB=2\n");
  r = Run(
      {"env", "import", "app", "--dotenv", dir_.File("ab.env"), "--map", dir_.File("dup.yaml")});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("both go to secrets.x"));
  WriteFile("badpath.yaml", "A: 'secrets.[oops'\n");
  r = Run({"env", "import", "app", "--dotenv", dir_.File("ab.env"), "--map",
           dir_.File("badpath.yaml")});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("invalid target path"));
  WriteFile("bad.env", "A='unterminated\n");
  r = Run({"env", "import", "app", "--dotenv", dir_.File("bad.env")});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("bad.env:1: the quoted value is never closed"));
  EXPECT_EQ(Run({"env", "import", "app"}).code, 2);
  EXPECT_THAT(Run({"env", "version", "ls", "app"}).out, ::testing::StartsWith("revision 3 "));
  ExpectNoPlaintext({kStdinSecret, kFileSecret, "from-ci-env"});
}

TEST_F(EscctlWorkflowTest, ImportOfTwoHundredKeysIsOneRevision) {
  ASSERT_EQ(Run({"env", "init", "app"}).code, 0);
  std::string text;
  for (int i = 0; i < 200; ++i) absl::StrAppend(&text, "KEY_", i, "=value-", i, "-secret\n");
  Result r = Run({"env", "import", "app", "--dotenv", WriteFile("many.env", text)});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(Run({"env", "version", "ls", "app"}).out, ::testing::StartsWith("revision 2 "));
  EXPECT_EQ(Open("app", "secrets.key_199"), "value-199-secret\n");
}

TEST_F(EscctlWorkflowTest, EditInTheEditorReopensOnErrorsAndLeavesNothingBehind) {
  MakeHierarchy();
  // First pass: breaks the definition; second pass (errors on top): fixes it.
  std::string editor =
      WriteFile("editor.sh",
                "#!/bin/sh\n"
                "echo \"$1 $(stat -c %a \"$1\") $(stat -c %a \"$(dirname \"$1\")\")\" "
                ">> \"$LOG\"\n"
                "if grep -q 'escctl: the definition was not saved' \"$1\"; then\n"
                "  sed -i 's/[$][{]nope[}]/fixed/' \"$1\"\n"
                "else\n"
                "  sed -i 's/^  region: .*/  region: ${nope}/' \"$1\"\n"
                "fi\n");
  ::chmod(editor.c_str(), 0700);
  std::string log = dir_.File("editor.log");
  Result r = Run({"env", "edit", "dev"}, {{"EDITOR", editor}, {"LOG", log}});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("reopening the editor"));
  EXPECT_EQ(Open("dev", "region"), "fixed\n");
  std::vector<std::string> runs = absl::StrSplit(ReadFileBytes(log), '\n', absl::SkipEmpty());
  ASSERT_EQ(runs.size(), 2u);
  std::vector<std::string> first = absl::StrSplit(runs[0], ' ');
  EXPECT_EQ(first[1], "600");
  EXPECT_EQ(first[2], "700");
  EXPECT_FALSE(std::filesystem::exists(first[0]));
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(first[0]).parent_path()));

  // No editor, an editor that fails, a stale etag: nothing saved.
  std::string before = Run({"env", "get", "dev", "--definition"}).out;
  r = Run({"env", "edit", "dev"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("no editor: set $EDITOR"));
  r = Run({"env", "edit", "dev"}, {{"EDITOR", "false"}});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("the editor did not exit cleanly"));
  std::string racer = WriteFile("racer.sh",
                                "#!/bin/sh\n\"$ESCCTL\" env set dev other 1 >/dev/null 2>&1\n"
                                "sed -i 's/^  region: .*/  region: raced/' \"$1\"\n");
  ::chmod(racer.c_str(), 0700);
  r = Run({"env", "edit", "dev"}, {{"EDITOR", racer}, {"ESCCTL", escctl_}});
  EXPECT_EQ(r.code, 4) << r.err;
  EXPECT_EQ(Open("dev", "region"), "fixed\n");

  // -f replaces the whole definition.
  std::string file = WriteFile("new.yaml", "imports:\n  - base\nvalues:\n  region: from-file\n");
  ASSERT_EQ(Run({"env", "edit", "dev", "-f", file}).code, 0);
  EXPECT_EQ(Open("dev", "region"), "from-file\n");
  ExpectNoPlaintext({kOpenAiKey, kAnthropicKey});
}

TEST_F(EscctlWorkflowTest, DiffShowsSecretsOnlyAsChanged) {
  MakeHierarchy();
  ASSERT_EQ(Run({"env", "set", "base", "region", "us-east-1"}).code, 0);
  Result rev = Run({"env", "version", "ls", "base"});
  std::string before = rev.out.substr(9, rev.out.find(' ', 9) - 9);  // "revision N ..."
  ASSERT_EQ(Run({"env", "set", "base", "region", "eu-west-1"}).code, 0);
  ASSERT_EQ(Run({"env", "set", "base", "secrets.anthropic_api_key", "rotated-anthropic-value",
                 "--secret"})
                .code,
            0);
  outputs_.pop_back();
  Result r = Run({"env", "diff", absl::StrCat("base@", before)});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("# Definition\n"));
  EXPECT_THAT(r.out, HasSubstr("~ values.region: us-east-1 -> eu-west-1\n"));
  EXPECT_THAT(r.out, HasSubstr("~ values.secrets.anthropic_api_key (secret changed)\n"));
  EXPECT_THAT(r.out, HasSubstr("# Values\n"));
  EXPECT_THAT(r.out, HasSubstr("~ secrets.anthropic_api_key (secret changed)\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("openai_api_key")));  // unchanged
  r = Run({"env", "diff", "base", "dev"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("+ imports[0]: base\n"));
  EXPECT_EQ(Run({"env", "diff", "base"}).code, 2);
  ExpectNoPlaintext({kOpenAiKey, kAnthropicKey, "rotated-anthropic-value"});
}

TEST_F(EscctlWorkflowTest, AuditReportFromPathsRecordedPerWrite) {
  MakeHierarchy();  // base: two secrets, set by "tester"
  std::string rotator;
  ASSERT_EQ(Run({"env", "set", "base", "secrets.anthropic_api_key", "-", "--secret"},
                As("rotator", &rotator), WriteFile("v", "rotated-anthropic-secret\n"))
                .code,
            0);
  Result audit = Run({"audit", "ls"});
  EXPECT_THAT(audit.out, HasSubstr("\tchanged: values.secrets.anthropic_api_key\n"));
  Result t = Run({"token", "create", "--scope", "dev:read", "--expires-in", "5d", "--name", "ci"});
  ASSERT_EQ(t.code, 0);
  outputs_.pop_back();  // the token value

  Result r = Run({"audit", "report", "base"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("  values.secrets.anthropic_api_key: changed "));
  EXPECT_THAT(r.out, HasSubstr(" by " + rotator + "\n"));
  EXPECT_THAT(r.out, HasSubstr("  values.secrets.openai_api_key: changed "));
  EXPECT_THAT(r.out, Not(HasSubstr("ROTATE")));
  EXPECT_THAT(r.out, HasSubstr("never opened  UNUSED"));
  EXPECT_THAT(r.out, HasSubstr(" ci: expires in 4d, never used\n"));

  // A quarter later everything is due, and the token has expired.
  r = Run({"audit", "report", "base", "--as-of", "2099-01-01T00:00:00Z", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"rotate\": true"));
  EXPECT_THAT(r.out, Not(HasSubstr("\"rotate\": false")));
  EXPECT_THAT(r.out, HasSubstr("\"expired\""));
  ASSERT_EQ(Run({"env", "open", "base", "--redact"}).code, 0);
  r = Run({"audit", "report", "base"});
  EXPECT_THAT(r.out, HasSubstr("  last opened "));
  EXPECT_THAT(r.out, Not(HasSubstr("UNUSED")));
  EXPECT_EQ(Run({"audit", "report", "--as-of", "yesterday"}).code, 1);
  ExpectNoPlaintext({kOpenAiKey, kAnthropicKey, "rotated-anthropic-secret"});
}

class EscctlRunTest : public EscctlWorkflowTest {
 protected:
  void SetUp() override {
    EscctlWorkflowTest::SetUp();
    MakeHierarchy();
    ASSERT_EQ(Run({"env", "set", "dev", "files.KUBECONFIG", "kube-contents"}).code, 0);
  }
  Result Bash(const std::string& script) {
    std::map<std::string, std::string> env = env_;
    env["ESCCTL"] = escctl_;
    env["TESTDIR"] = dir_.path();
    env["TMPDIR"] = dir_.path();
    Result r =
        Spawn({"/bin/bash", "-c", "cd \"$TESTDIR\" || exit 99; " + script}, env, dir_.path());
    outputs_.push_back(r.all());
    return r;
  }
  // The KUBECONFIG path CMD wrote to path.txt, and whether it still exists.
  bool FileLeft() {
    std::string path = ReadFileBytes(dir_.File("path.txt"));
    EXPECT_FALSE(path.empty());
    path = path.substr(0, path.find('\n'));
    return std::filesystem::exists(path) ||
           std::filesystem::exists(std::filesystem::path(path).parent_path());
  }
};

TEST_F(EscctlRunTest, SetsVariablesAndFilesAndPassesTheExitCode) {
  Result r =
      Run({"env", "run", "dev", "--", "/bin/sh", "-c",
           "[ \"$OPENAI_API_KEY\" = \"$EXPECTED\" ] && cat \"$KUBECONFIG\" && "
           "echo \"$KUBECONFIG\" > \"$TESTDIR/path.txt\" && stat -c %a \"$KUBECONFIG\" && exit 7"},
          {{"EXPECTED", kOpenAiKey}, {"TESTDIR", dir_.path()}});
  outputs_.pop_back();  // the environment above holds the expected value
  EXPECT_EQ(r.code, 7) << r.err;
  EXPECT_EQ(r.out, "kube-contents600\n");
  EXPECT_FALSE(FileLeft());
  EXPECT_EQ(Run({"env", "run", "dev", "--", "/no/such/cmd"}).code, 127);
  Result missing = Run({"env", "run", "dev", "--", "no-such-command-5f3a"});
  EXPECT_EQ(missing.code, 127);
  EXPECT_THAT(missing.err, HasSubstr("no-such-command-5f3a: command not found"));
  EXPECT_EQ(Run({"env", "run", "dev", "--", "sh", "-c", "exit 3"}).code, 3);  // found on PATH
  EXPECT_EQ(Run({"env", "run", "dev"}).code, 2);
  EXPECT_EQ(Run({"env", "run", "nope", "--", "true"}).code, 3);
}

TEST_F(EscctlRunTest, RemovesFilesWhenTheCommandIsKilled) {
  Result r = Run({"env", "run", "dev", "--", "/bin/sh", "-c",
                  "echo \"$KUBECONFIG\" > \"$TESTDIR/path.txt\"; kill -9 $$"},
                 {{"TESTDIR", dir_.path()}});
  EXPECT_EQ(r.code, 137);
  EXPECT_FALSE(FileLeft());
  // escctl itself told to stop: CMD gets the signal, the files still go.
  r = Bash(
      "\"$ESCCTL\" env run dev -- /bin/sh -c 'echo \"$KUBECONFIG\" > path.txt; exec sleep 30' "
      "& pid=$!; for i in $(seq 200); do [ -s path.txt ] && break; sleep 0.05; done; "
      "kill -TERM $pid; wait $pid; echo \"rc=$?\"");
  EXPECT_EQ(r.out, "rc=143\n") << r.err;
  EXPECT_FALSE(FileLeft());
}

TEST_F(EscctlRunTest, MaskReplacesSecretsInOutput) {
  Result r = Run({"env", "run", "dev", "--mask", "--", "/bin/sh", "-c",
                  "echo \"key=$OPENAI_API_KEY.\"; echo \"$OPENAI_API_KEY\" >&2; echo plain"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "key=[secret].\nplain\n");
  EXPECT_EQ(r.err, "[secret]\n");
  ExpectNoPlaintext({kOpenAiKey, kAnthropicKey});
}

}  // namespace
}  // namespace escnative::cli
